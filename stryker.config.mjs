// StrykerJS on the TypeScript of src/model, src/pipeline, src/metrics, src/app and src/kernels (WGSL has its
// own mutants: scripts/mutate-wgsl.ts). `npm run mutate` mutates the files below, scoped so a run finishes on
// a 2-core machine: per-test coverage runs only the tests that reach a mutant, incremental mode reuses the
// results of unchanged code and tests (docs/mutation/stryker-incremental.json, tracked), concurrency 1 leaves the other core
// free. Mutate other files of those folders with `npx stryker run --mutate src/model/train.ts` (and add the
// tests that reach them to vitest.stryker.config.ts). Results: docs/MUTATION.md.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.stryker.config.ts', related: false },
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  coverageAnalysis: 'perTest',
  incremental: true,
  // tracked, so that a run on a clean clone reuses every result whose code and tests are unchanged (docs/MUTATION.md)
  incrementalFile: 'docs/mutation/stryker-incremental.json',
  concurrency: 1,
  // a mutant that loops is cut 15 s past the test's own time (at 60 s, 9 loops cost 9 minutes of a run)
  timeoutMS: 15_000,
  // what has been measured (docs/MUTATION.md): src/metrics whole; src/pipeline whole (22 files); 8 files of src/model and
  // predict.ts's lines 29-375 (all but its imports and first types); the post-processing decision's line range. The per-folder configs
  // (stryker.pipeline.config.mjs, stryker.level-codes.config.mjs, stryker.model.config.mjs) run the same files
  // with lean test sets, which keeps static mutants cheap.
  mutate: [
    'src/metrics/scores.ts',
    'src/metrics/evaluate.ts',
    'src/metrics/label-files.ts',
    'src/metrics/overlap.ts',
    ...['csv', 'errors', 'level-codes', 'split', 'labels', 'resample', 'volume', 'atomic-write', 'png', 'filter', 'report', 'orientation', 'postprocess', 'mha', 'extract', 'itk-volume', 'io', 'dataset', 'apta', 'dicom', 'phantom', 'phantom-levels'].map((f) => `src/pipeline/${f}.ts`),
    ...['presets', 'safetensors', 'weights', 'checkpoint', 'augment', 'checkpoint-validate', 'train', 'unet'].map((f) => `src/model/${f}.ts`),
    'src/app/postprocess-decision.ts:52-115',
    'src/model/predict.ts:29-375',
  ],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 90, low: 80, break: null },
  tempDirName: '.stryker-tmp',
  // not copied into the sandbox: another Stryker run's live sandbox (a second run beside the first copied it and
  // crashed), training runs and scratch files (none is read by a test)
  ignorePatterns: ['/.stryker-tmp*', '/runs', '/.tmp'],
  cleanTempDir: true,
};

// StrykerJS on the TypeScript of src/model, src/pipeline, src/metrics, src/app and src/kernels (WGSL has its
// own mutants: scripts/mutate-wgsl.ts). `npm run mutate` mutates the files below, scoped so a run finishes on
// a 2-core machine: per-test coverage runs only the tests that reach a mutant, incremental mode reuses the
// results of unchanged code and tests (reports/stryker-incremental.json), concurrency 1 leaves the other core
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
  incrementalFile: 'reports/stryker-incremental.json',
  concurrency: 1,
  // a mutant that loops is cut 15 s past the test's own time (at 60 s, 9 loops cost 9 minutes of a run)
  timeoutMS: 15_000,
  // src/metrics whole; the small pure files of src/pipeline and src/model measured so far; the three line ranges
  // of the first run (the safetensors byte ranges, the augmentation draw, the post-processing decision)
  mutate: [
    'src/metrics/scores.ts',
    'src/metrics/evaluate.ts',
    'src/metrics/label-files.ts',
    'src/metrics/overlap.ts',
    'src/pipeline/csv.ts',
    'src/pipeline/errors.ts',
    'src/model/presets.ts',
    'src/model/safetensors.ts',
    'src/model/checkpoint-validate.ts:151-235',
    'src/model/augment.ts:72-108',
    'src/app/postprocess-decision.ts:52-115',
  ],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 90, low: 80, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};

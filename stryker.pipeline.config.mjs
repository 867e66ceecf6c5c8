// Stryker over src/pipeline with the lean test set of vitest.stryker-pipeline.config.ts, so that static mutants
// (each runs the whole set) stay cheap: `npx stryker run stryker.pipeline.config.mjs`. Same options as
// stryker.config.mjs otherwise; its results join the union file that `npm run mutate` reuses (docs/MUTATION.md).
import base from './stryker.config.mjs';

export default {
  ...base,
  vitest: { ...base.vitest, configFile: 'vitest.stryker-pipeline.config.ts' },
  incrementalFile: 'reports/stryker-incremental-pipeline.json',
  // the files measured with this set (level-codes.ts has its own config): every other file of src/pipeline
  mutate: [
    'csv', 'errors', 'split', 'labels', 'resample', 'volume', 'atomic-write', 'png', 'filter', 'report', 'orientation', 'postprocess',
    'mha', 'extract', 'itk-volume', 'io', 'dataset', 'apta', 'dicom', 'phantom', 'phantom-levels',
  ].map((f) => `src/pipeline/${f}.ts`),
};

// The tests Stryker (stryker.config.mjs) runs against each mutant: fast ones that exercise the mutated
// files, on the same setup as the suite. The whole suite per mutant would not finish on a 2-core machine.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'test/checkpoint-byte-ranges.test.ts',
      'test/augment-geometry.test.ts',
      'test/postprocess.test.ts',
      'test/postprocess-decision-inputs.test.ts',
      'test/mutation-metrics.test.ts',
      'test/mutation-metrics-edges.test.ts',
      'test/mutation-pipeline.test.ts',
      'test/mutation-model.test.ts',
      'test/mutation-pipeline-edges.test.ts',
      'test/mutation-model-edges.test.ts',
      'test/pipeline-apta-filter.test.ts',
      'test/pipeline-atomic-write.test.ts',
      'test/pipeline-io.test.ts',
      'test/pipeline-phantom.test.ts',
      'test/dicom.test.ts',
      'test/mask-png-and-run-lock.test.ts',
      'test/mutation-pipeline-files.test.ts',
      'test/mutation-pipeline-report.test.ts',
      'test/mutation-pipeline-geometry.test.ts',
      'test/mutation-pipeline-extract.test.ts',
      'test/mutation-pipeline-mha.test.ts',
      'test/mutation-pipeline-dataset.test.ts',
      'test/mutation-pipeline-io.test.ts',
      'test/mutation-pipeline-survivors.test.ts',
      'test/mutation-model-files.test.ts',
      'test/mutation-model-augment.test.ts',
      'test/mutation-model-survivors.test.ts',
    ],
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    setupFiles: ['test/setup.ts'],
  },
});

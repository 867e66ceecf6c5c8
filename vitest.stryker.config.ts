// The tests Stryker (stryker.config.mjs) runs against each mutant: fast ones that exercise the mutated
// files, on the same setup as the suite. The whole suite per mutant would not finish on a 2-core machine.
// The per-folder lean sets (vitest.stryker-pipeline.config.ts, vitest.stryker-model.config.ts) are listed here once
// and the union set is built from them: add a test file to its folder's list.
import { defineConfig } from 'vitest/config';

/**
 * A lean set narrowed for one run by an environment variable of comma-separated test files
 * (STRYKER_PIPELINE_TESTS, STRYKER_MODEL_TESTS), so that a run over a few files takes only the tests that reach them;
 * without it, the whole list.
 */
export function narrowed(variable: string, list: string[]): string[] {
  const only = process.env[variable]?.split(',').filter((f) => f.length > 0);
  return only && only.length > 0 ? only : list;
}

/** The lean set of src/pipeline: fast tests that call no code under test while they are collected. */
export const pipelineTests = [
  'test/mutation-pipeline.test.ts',
  'test/mutation-pipeline-edges.test.ts',
  'test/mutation-pipeline-files.test.ts',
  'test/mutation-pipeline-report.test.ts',
  'test/mutation-pipeline-geometry.test.ts',
  'test/mutation-pipeline-survivors.test.ts',
  'test/pipeline-atomic-write.test.ts',
  'test/pipeline-apta-filter.test.ts',
  'test/pipeline-phantom.test.ts',
  'test/pipeline-io.test.ts',
  'test/mutation-pipeline-extract.test.ts',
  'test/mutation-pipeline-mha.test.ts',
  'test/mutation-pipeline-dataset.test.ts',
  'test/mutation-pipeline-io.test.ts',
  'test/mutation-pipeline-phantom-levels-2.test.ts',
  'test/mutation-pipeline-phantom-levels-3.test.ts',
  'test/mutation-pipeline-apta-2.test.ts',
  'test/mutation-pipeline-phantom-2.test.ts',
  'test/mutation-pipeline-phantom-3.test.ts',
  'test/mutation-pipeline-dicom-2.test.ts',
  'test/mutation-pipeline-dicom-3.test.ts',
  'test/dicom.test.ts',
  'test/mutation-pipeline-survivors-2.test.ts',
  'test/mutation-pipeline-png-3.test.ts',
  'test/mutation-pipeline-survivors-3.test.ts',
];

/** The lean set of src/model. */
export const modelTests = [
  'test/mutation-model.test.ts',
  'test/mutation-model-edges.test.ts',
  'test/mutation-model-files.test.ts',
  'test/mutation-model-augment.test.ts',
  'test/mutation-model-survivors.test.ts',
  'test/checkpoint-byte-ranges.test.ts',
  'test/augment-geometry.test.ts',
  'test/mutation-model-predict.test.ts',
  'test/mutation-model-unet.test.ts',
  'test/mutation-model-train.test.ts',
  'test/model-unet-declaration.test.ts',
  'test/mutation-model-validate.test.ts',
  'test/mutation-model-train-budget.test.ts',
];

/** Tests of the other measured files (src/metrics, the post-processing decision, PNG masks and the run lock). */
const otherTests = [
  'test/postprocess.test.ts',
  'test/postprocess-decision-inputs.test.ts',
  'test/mutation-metrics.test.ts',
  'test/mutation-metrics-edges.test.ts',
  'test/mask-png-and-run-lock.test.ts',
  'test/mutation-app-postprocess-decision.test.ts',
];

export default defineConfig({
  test: {
    include: [...otherTests, ...pipelineTests, ...modelTests],
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    setupFiles: ['test/setup.ts'],
  },
});

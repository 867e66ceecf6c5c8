// The lean test set for Stryker runs over src/pipeline (stryker.pipeline.config.mjs): the fast pure tests of the
// files measured so far. A static mutant (one reached while a module loads) runs every test of the set, so the set
// is kept to seconds: add the tests of a file to `pipelineTests` in vitest.stryker.config.ts when it is mutated (only fast ones that call no code under test
// while they are collected). STRYKER_PIPELINE_TESTS (comma-separated test files) narrows the set for one run, so
// that the static mutants of a file with many (phantom tables, APTA neighbourhoods) run only the tests that reach
// it: `STRYKER_PIPELINE_TESTS=test/a.test.ts,test/b.test.ts npx stryker run stryker.pipeline.config.mjs --mutate ...`.
import { defineConfig } from 'vitest/config';
import base, { narrowed, pipelineTests } from './vitest.stryker.config.ts';

export default defineConfig({
  test: {
    ...base.test,
    include: narrowed('STRYKER_PIPELINE_TESTS', pipelineTests),
  },
});

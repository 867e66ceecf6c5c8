// The lean test set for Stryker runs over src/pipeline (stryker.pipeline.config.mjs): the fast pure tests of the
// files measured so far. A static mutant (one reached while a module loads) runs every test of the set, so the set
// is kept to seconds: the tests of files not yet run through Stryker (mutation-pipeline-{extract,mha,dataset,io})
// are in the union set of vitest.stryker.config.ts only; add them here when their files are mutated.
import { defineConfig } from 'vitest/config';
import base from './vitest.stryker.config.ts';

export default defineConfig({
  test: {
    ...base.test,
    include: [
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
    ],
  },
});

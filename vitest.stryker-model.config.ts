// The lean test set for Stryker runs over src/model (stryker.model.config.mjs): the fast tests of that folder only,
// so a static mutant (the AUGMENT_LEVELS table, say), which runs every test of the set, stays cheap. The list is `modelTests`
// in vitest.stryker.config.ts, which the union set is built from. STRYKER_MODEL_TESTS (comma-separated test files) narrows
// or replaces it for one run, e.g. to add the slower tests that reach predict.ts and unet.ts (docs/MUTATION.md).
import { defineConfig } from 'vitest/config';
import base, { modelTests, narrowed } from './vitest.stryker.config.ts';

export default defineConfig({
  test: {
    ...base.test,
    include: narrowed('STRYKER_MODEL_TESTS', modelTests),
  },
});

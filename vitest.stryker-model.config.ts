// The lean test set for Stryker runs over src/model (stryker.model.config.mjs): the fast tests of that folder only,
// so a static mutant (the AUGMENT_LEVELS table, say), which runs every test of the set, stays cheap. The union set in
// vitest.stryker.config.ts holds these too.
import { defineConfig } from 'vitest/config';
import base from './vitest.stryker.config.ts';

export default defineConfig({
  test: {
    ...base.test,
    include: [
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
    ],
  },
});

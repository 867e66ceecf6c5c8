// Stryker over src/pipeline/level-codes.ts alone, with the one test file that reaches it (its mutants are all static:
// see vitest.stryker-level-codes.config.ts): `npx stryker run stryker.level-codes.config.mjs`.
import base from './stryker.pipeline.config.mjs';

export default {
  ...base,
  vitest: { ...base.vitest, configFile: 'vitest.stryker-level-codes.config.ts' },
  incrementalFile: 'reports/stryker-incremental-level-codes.json',
  mutate: ['src/pipeline/level-codes.ts'],
};

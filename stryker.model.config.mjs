// Stryker over src/model with the lean test set of vitest.stryker-model.config.ts (static mutants stay cheap):
// `npx stryker run stryker.model.config.mjs`. Same options as stryker.config.mjs otherwise (docs/MUTATION.md).
import base from './stryker.config.mjs';

export default {
  ...base,
  vitest: { ...base.vitest, configFile: 'vitest.stryker-model.config.ts' },
  incrementalFile: 'reports/stryker-incremental-model.json',
  mutate: ['src/model/presets.ts', 'src/model/safetensors.ts', 'src/model/weights.ts', 'src/model/checkpoint.ts', 'src/model/checkpoint-validate.ts', 'src/model/augment.ts', 'src/model/train.ts', 'src/model/unet.ts', 'src/model/predict.ts:29-375'],
};

// Every test file gets the process-wide GPU (Dawn on lavapipe here) before its tests run.
import { beforeAll } from 'vitest';
import { initGpu } from '../src/runtime/gpu.ts';

// tests never read the user's conv tuning cache (~/.cache/spineseg): built-in choices only
process.env.SPINESEG_TUNE_DIR = 'off';

beforeAll(async () => {
  await initGpu();
});

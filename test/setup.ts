// Every test file gets the process-wide GPU (Dawn on lavapipe here) before its tests run.
import { beforeAll } from 'vitest';
import { initGpu } from '../src/runtime/gpu.ts';

beforeAll(async () => {
  await initGpu();
});

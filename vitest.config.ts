import { defineConfig } from 'vitest/config';

// GPU tests share one lavapipe device per worker; two CPU cores do not gain from more workers.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    setupFiles: ['test/setup.ts'],
  },
});

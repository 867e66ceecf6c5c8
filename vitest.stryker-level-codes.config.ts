// level-codes.ts builds its LEVEL_CODES table while it loads, so every one of its mutants is static and runs the whole
// test set of its Stryker run: this set holds only the file that tests it (stryker.level-codes.config.mjs).
import { defineConfig } from 'vitest/config';
import base from './vitest.stryker.config.ts';

export default defineConfig({ test: { ...base.test, include: ['test/mutation-pipeline-files.test.ts'] } });

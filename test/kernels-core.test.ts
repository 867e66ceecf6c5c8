import { describe } from 'vitest';
import { checks } from '../src/checks/core.ts';
import { checkTests } from './helpers/check-tests.ts';

describe('core ops: GPU vs float64 reference and finite differences', () =>
  checkTests(checks, (c, r) => {
    // matmul accuracy is part of what the engine promises: print it even when the check passes
    if (c.name.includes('matmul')) console.info(`${c.name}: ${r.detail}`);
  }),
);

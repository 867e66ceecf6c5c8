import { describe, it, expect } from 'vitest';
import { checks } from '../src/checks/core.ts';

describe('core ops: GPU vs float64 reference and finite differences', () => {
  for (const c of checks) {
    it(c.name, async () => {
      const r = await c.run();
      // matmul accuracy is part of what the engine promises: print it even when the check passes
      if (c.name.includes('matmul')) console.info(`${c.name}: ${r.detail}`);
      expect(r.pass, r.detail).toBe(true);
    });
  }
});

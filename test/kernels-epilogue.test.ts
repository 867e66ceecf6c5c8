import { describe, it, expect } from 'vitest';
import { checks } from '../src/checks/epilogue.ts';

describe('fused convolution epilogues and Winograd tile bands: GPU vs float64 reference and finite differences', () => {
  for (const c of checks) {
    it(c.name, async () => {
      const r = await c.run();
      expect(r.pass, r.detail).toBe(true);
    });
  }
});

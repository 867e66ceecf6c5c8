import { describe, it, expect } from 'vitest';
import { checks } from '../src/checks/conv.ts';

const slow = process.env.SPINESEG_SLOW === '1';

describe('convolutions: GPU vs float64 reference and finite differences', () => {
  for (const c of checks) {
    (c.slow && !slow ? it.skip : it)(c.name, async (ctx) => {
      const why = c.unavailable?.();
      if (why) return ctx.skip(why);
      const r = await c.run();
      expect(r.pass, r.detail).toBe(true);
    });
  }
});

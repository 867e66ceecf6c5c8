import { describe, it, expect } from 'vitest';
import { checks } from '../src/checks/metrics.ts';

const slow = process.env.SPINESEG_SLOW === '1';

describe('metrics: confusion counts, exact EDT and surface distances vs the float64 reference', () => {
  for (const c of checks) {
    (c.slow && !slow ? it.skip : it)(c.name, async () => {
      const r = await c.run();
      expect(r.pass, r.detail).toBe(true);
    });
  }
});

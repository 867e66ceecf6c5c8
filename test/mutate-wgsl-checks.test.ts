// The extra kernel checks of scripts/mutate-wgsl.ts (scripts/mutate-wgsl-checks.ts) in the suite: Winograd with
// ragged chunks and bands, the BatchNorm affine at near-zero variances, confusion labels at exactly numClasses.
import { describe, it, expect } from 'vitest';
import { checks } from '../scripts/mutate-wgsl-checks.ts';

describe('extra kernel checks of the WGSL mutation script', () => {
  for (const c of checks) {
    it(c.name, async () => {
      const r = await c.run();
      expect(r.pass, r.detail).toBe(true);
    });
  }
});

import { describe, it, expect } from 'vitest';
import { checks } from '../src/checks/schedule.ts';

describe('learning-rate schedules: GPU vs float64 reference', () => {
  for (const c of checks) {
    it(c.name, async () => {
      const r = await c.run();
      expect(r.pass, r.detail).toBe(true);
    });
  }
});

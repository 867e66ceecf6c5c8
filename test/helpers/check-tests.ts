// One vitest test per check of a family (src/checks/<family>.ts exports `checks`): a slow check is skipped unless
// SPINESEG_SLOW=1, and a check whose kernel this device cannot run (`unavailable`, e.g. the subgroup twins where
// subgroups are narrower than 8) is skipped with the reason; the page's Checks tab does the same (web/src/checks.ts).
import { it, expect } from 'vitest';
import type { Check, CheckResult } from '../../src/checks/harness.ts';

const slow = process.env.SPINESEG_SLOW === '1';

export function checkTests(checks: Check[], onResult?: (c: Check, r: CheckResult) => void): void {
  for (const c of checks) {
    (c.slow && !slow ? it.skip : it)(c.name, async (ctx) => {
      const why = c.unavailable?.();
      if (why) return ctx.skip(why);
      const r = await c.run();
      onResult?.(c, r);
      expect(r.pass, r.detail).toBe(true);
    });
  }
}

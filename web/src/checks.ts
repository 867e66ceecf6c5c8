// The engine's kernel checks (forward vs float64 reference, backward vs finite differences), run in the page:
// every src/checks/<family>.ts exports `checks`, the same list test/kernels-<family>.test.ts runs in Node.
import type { Check } from '../../src/checks/harness.ts';

const families = import.meta.glob<{ checks?: Check[] }>(['../../src/checks/*.ts', '!../../src/checks/harness.ts']);

export interface CheckOutcome {
  family: string;
  name: string;
  pass: boolean;
  skipped: boolean;
  detail: string;
  ms: number;
}

export function familyName(path: string): string {
  return path.replace(/^.*\//, '').replace(/\.ts$/, '');
}

export function checkFamilies(): string[] {
  return Object.keys(families).map(familyName).sort();
}

/** Runs every check of every family in name order; slow ones are reported as skipped unless `includeSlow`. */
export async function runAllChecks(opts: { includeSlow?: boolean; onResult?(r: CheckOutcome, done: number): void; /** only checks whose name contains this */ filter?: string } = {}): Promise<CheckOutcome[]> {
  const out: CheckOutcome[] = [];
  const paths = Object.keys(families).sort((a, b) => familyName(a).localeCompare(familyName(b)));
  for (const path of paths) {
    const family = familyName(path);
    const mod = await families[path]();
    for (const c of mod.checks ?? []) {
      if (opts.filter && !c.name.includes(opts.filter)) continue;
      let r: CheckOutcome;
      const unavailable = c.unavailable?.() ?? null;
      if (unavailable) {
        // a kernel this device cannot run (the subgroup twins where subgroups are narrower than 8, as on SwiftShader)
        r = { family, name: c.name, pass: true, skipped: true, detail: `skipped: ${unavailable}`, ms: 0 };
      } else if (c.slow && !opts.includeSlow) {
        r = { family, name: c.name, pass: true, skipped: true, detail: 'slow check, skipped', ms: 0 };
      } else {
        const t0 = performance.now();
        try {
          const res = await c.run();
          r = { family, name: c.name, pass: res.pass, skipped: false, detail: res.detail, ms: performance.now() - t0 };
        } catch (err) {
          r = { family, name: c.name, pass: false, skipped: false, detail: `threw: ${err instanceof Error ? err.message : String(err)}`, ms: performance.now() - t0 };
        }
      }
      out.push(r);
      opts.onResult?.(r, out.length);
    }
  }
  return out;
}

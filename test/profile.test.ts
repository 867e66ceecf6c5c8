import { describe, it, expect } from 'vitest';
import { gpu } from '../src/runtime/gpu.ts';
import { makeMlpProblem, mlpStep, disposeMlp } from '../src/graph/mlp.ts';

describe('per-kernel GPU profile', () => {
  it('times every dispatch of a training step by kernel name with timestamp queries', async () => {
    const g = gpu();
    if (!g.device.features.has('timestamp-query')) {
      expect(() => g.beginProfile()).toThrow(/timestamp-query/);
      return;
    }
    const p = makeMlpProblem(33, 17);
    mlpStep(p, 0.05).dispose();
    await g.sync();
    const before = g.dispatchCount;
    g.beginProfile();
    mlpStep(p, 0.05).dispose();
    const rows = await g.endProfile();
    const dispatched = g.dispatchCount - before;
    expect(rows.reduce((a, r) => a + r.dispatches, 0)).toBe(dispatched);
    const names = rows.map((r) => r.kernel);
    expect(names).toContain('binary');
    expect(names.some((n) => n.startsWith('matmul_'))).toBe(true);
    for (const r of rows) expect(r.ms, `${r.kernel} time`).toBeGreaterThanOrEqual(0);
    // slowest first
    for (let i = 1; i < rows.length; i++) expect(rows[i - 1].ms).toBeGreaterThanOrEqual(rows[i].ms);
    // profiling is off again: the next step records into the shared pass
    expect(g.profiling).toBe(false);
    disposeMlp(p);
  });
});

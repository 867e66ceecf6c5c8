import { describe, it, expect, vi } from 'vitest';
import { gpu } from '../src/runtime/gpu.ts';
import { Kernel } from '../src/kernels/runner.ts';
import { makeMlpProblem, mlpStep, disposeMlp } from './helpers/mlp.ts';

describe('per-kernel GPU profile', () => {
  it('refuses to profile without timestamp-query', (ctx) => {
    const g = gpu();
    if (g.device.features.has('timestamp-query')) ctx.skip(`the adapter (${g.adapter.description || g.adapter.vendor}) has timestamp-query`);
    expect(() => g.beginProfile()).toThrow(/timestamp-query/);
  });

  it('times every dispatch of a training step by kernel name with timestamp queries', async (ctx) => {
    const g = gpu();
    if (!g.device.features.has('timestamp-query')) ctx.skip(`the adapter (${g.adapter.description || g.adapter.vendor}) has no timestamp-query`);
    const p = makeMlpProblem(33, 17);
    mlpStep(p, 0.05).dispose();
    await g.sync();
    // the kernels the step really dispatches, counted where they are recorded (a dispatch of 0 workgroups records nothing)
    const dispatched = new Map<string, number>();
    const original = Kernel.prototype.dispatch;
    const spy = vi.spyOn(Kernel.prototype, 'dispatch').mockImplementation(function (this: Kernel, ...args) {
      const before = g.dispatchCount;
      original.apply(this, args);
      if (g.dispatchCount > before) dispatched.set(this.spec.name, (dispatched.get(this.spec.name) ?? 0) + 1);
    });
    const t0 = performance.now();
    g.beginProfile();
    try {
      mlpStep(p, 0.05).dispose();
    } finally {
      spy.mockRestore();
    }
    const rows = await g.endProfile();
    // the step's GPU work ran inside this wall-clock interval, so its kernel times cannot add up to more
    const wallMs = performance.now() - t0;
    expect(Object.fromEntries(rows.map((r) => [r.kernel, r.dispatches]))).toEqual(Object.fromEntries(dispatched));
    expect(dispatched.get('binary')).toBeGreaterThan(0);
    expect([...dispatched.keys()].some((n) => n.startsWith('matmul_'))).toBe(true);
    const sumMs = rows.reduce((a, r) => a + r.ms, 0);
    for (const r of rows) expect(r.ms, `${r.kernel} time`).toBeGreaterThanOrEqual(0);
    expect(sumMs, 'kernel times add up to some GPU time').toBeGreaterThan(0);
    expect(sumMs, `kernel times ${sumMs} ms vs the step's ${wallMs} ms`).toBeLessThanOrEqual(wallMs);
    // slowest first
    for (let i = 1; i < rows.length; i++) expect(rows[i - 1].ms).toBeGreaterThanOrEqual(rows[i].ms);
    // profiling is off again: the next step records into the shared pass
    expect(g.profiling).toBe(false);
    disposeMlp(p);
  });
});

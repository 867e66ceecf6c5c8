// bench/dispatch-cost.ts: the fixed cost of a dispatch (K small against one large over the same elements) and a
// training step's dispatch count. The JSON names the machine, counts a step's dispatches as gpu().dispatchCount
// does for the same step here, and its share is that count times the per-dispatch cost over the step's median.
// No timing assertions: only that the figures exist, are finite and are put together as documented.
import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../bench/dispatch-cost.ts';
import { syntheticBatch } from '../bench/train-core.ts';
import { initGpu } from '../src/runtime/gpu.ts';
import { UNet, makeConfig } from '../src/model/unet.ts';
import { Adam } from '../src/graph/optim.ts';
import { trainStep } from '../src/model/train.ts';

describe('bench/dispatch-cost.ts', () => {
  it('writes the per-dispatch cost, the step dispatch count and its share, and names the machine', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spineseg-dispatch-cost-test-'));
    const out = join(dir, 'cost.json');
    await run({ size: { width: 48, height: 32 }, batch: 1, widthMult: 0.125, k: 5, n: 7, reps: 2, steps: 1, json: out });
    const r = JSON.parse(readFileSync(out, 'utf8'));
    expect(r.machine.cpu).toBeTypeOf('string');
    expect(r.machine.adapter).toMatch(/\S/);
    expect(r.dispatch).toMatchObject({ k: 5, n: 7, reps: 2 });
    for (const f of ['wall_us', 'cpu_us', 'record_us']) expect(Number.isFinite(r.dispatch[f])).toBe(true);
    expect(r.dispatch.rounds_wall_us).toHaveLength(2);
    expect(r.step).toMatchObject({ size: '48x32', batch: 1, widthMult: 0.125, steps: 1 });
    expect(r.step.wall).toHaveLength(1);

    // the same step counted here
    const g = await initGpu();
    const model = new UNet(makeConfig({ width: 48, height: 32, widthMult: 0.125 }));
    const opt = new Adam(model.trainable());
    const batch = syntheticBatch(1, 48, 32, 1);
    await trainStep(model, opt, batch, 1);
    await g.sync();
    const before = g.dispatchCount;
    await trainStep(model, opt, batch, 2);
    await g.sync();
    expect(r.step.dispatches).toBe(g.dispatchCount - before);
    expect(r.share.wall).toBeCloseTo((r.step.dispatches * r.dispatch.wall_us) / 1000 / r.step.wall_median, 12);
    expect(r.share.cpu).toBeCloseTo((r.step.dispatches * r.dispatch.cpu_us) / 1000 / r.step.cpu_median, 12);
  }, 180_000);
});

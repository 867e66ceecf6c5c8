// What one dispatch costs by itself, and how much of a training step that is: the ceiling on what "fewer, larger
// dispatches at the deep, small layers" (issue #26) can save on this adapter.
//   1. The fixed cost of a dispatch: K dispatches of the `binary` kernel over n elements each against one dispatch
//      over K * n elements (the same work), interleaved, the order rotated every round, GPU completion awaited
//      inside every timed call. (wall(K small) - wall(1 large)) / (K - 1) is what a dispatch costs beyond its work,
//      recording (JavaScript: bind group, uniform) and the driver's share together; the same for process CPU time
//      (user + system of all threads: lavapipe runs in this process).
//   2. A training step of the U-Net (default: the `cpu` preset's 192x240, width x0.25, batch 8): its dispatches
//      (gpu().dispatchCount per step), its median wall and CPU time, and what its dispatch count times the fixed cost
//      of part 1 is of it.
//   npx tsx bench/dispatch-cost.ts [--size 192x240] [--batch 8] [--width-mult 0.25] [--k 256] [--n 256] [--reps 15] [--steps 5] [--json FILE]
import { writeFileSync } from 'node:fs';
import { median } from './stats.ts';
import { machineInfo } from './machine.ts';
import { describeCpu } from './schema.ts';
import { benchMain, type BenchArgs } from './args.ts';
import { syntheticBatch } from './train-core.ts';
import { initGpu, adapterName } from '../src/runtime/gpu.ts';
import { Tensor } from '../src/runtime/tensor.ts';
import { binary } from '../src/kernels/elementwise.ts';
import { UNet, makeConfig } from '../src/model/unet.ts';
import { Adam } from '../src/graph/optim.ts';
import { trainStep } from '../src/model/train.ts';

export const dispatchCostFlags = {
  '--size': { kind: 'size', doc: 'training step: network input WIDTHxHEIGHT', default: '192x240' },
  '--batch': { kind: 'number', doc: 'training step: batch size', default: 8, min: 1, integer: true },
  '--width-mult': { kind: 'number', doc: 'training step: channel width multiplier', default: 0.25, min: 0.01 },
  '--k': { kind: 'number', doc: 'small dispatches per timed call', default: 256, min: 2, integer: true },
  '--n': { kind: 'number', doc: 'elements per small dispatch', default: 256, min: 1, integer: true },
  '--reps': { kind: 'number', doc: 'rounds of the dispatch comparison', default: 15, min: 1, integer: true },
  '--steps': { kind: 'number', doc: 'timed training steps (after one warm-up step)', default: 5, min: 1, integer: true },
  '--json': { kind: 'string', doc: 'write the figures here' },
} as const;
export type DispatchCostOptions = BenchArgs<typeof dispatchCostFlags>;

interface Timed {
  wall: number[];
  cpu: number[];
  /** wall time of `work` alone, before the GPU is awaited (the recording, for the dispatch comparison) */
  record: number[];
}

async function timed(into: Timed, work: () => unknown, sync: () => Promise<void>): Promise<void> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await work();
  into.record.push(performance.now() - t0);
  await sync();
  into.wall.push(performance.now() - t0);
  const c = process.cpuUsage(c0);
  into.cpu.push((c.user + c.system) / 1000);
}

export interface DispatchCost {
  /** microseconds a dispatch costs beyond its work, from the medians: in all, in CPU, and of it in recording */
  wall_us: number;
  cpu_us: number;
  record_us: number;
  small: { wall_median: number; cpu_median: number; record_median: number };
  large: { wall_median: number; cpu_median: number; record_median: number };
  /** per-round estimates (wall), to show the spread */
  rounds_wall_us: number[];
}

/** Part 1: K dispatches over n elements each against one over K * n. */
export async function measureDispatchCost(k: number, n: number, reps: number, sync: () => Promise<void>): Promise<DispatchCost> {
  const smallA = Array.from({ length: k }, () => Tensor.fromData(new Float32Array(n).fill(1), [n]));
  const smallB = Tensor.fromData(new Float32Array(n).fill(2), [n]);
  const largeA = Tensor.fromData(new Float32Array(k * n).fill(1), [k * n]);
  const largeB = Tensor.fromData(new Float32Array(k * n).fill(2), [k * n]);
  const outs: Tensor[] = [];
  const small = () => {
    for (const a of smallA) outs.push(binary('add', a, smallB));
  };
  const large = () => {
    outs.push(binary('add', largeA, largeB));
  };
  const drop = () => outs.splice(0).forEach((t) => t.dispose());
  // warm-up: compiles the pipeline, fills the pool and the uniform cache
  for (const w of [small, large, small, large]) {
    w();
    await sync();
    drop();
  }
  // the sums are right (a dispatch that did nothing would be cheap)
  small();
  large();
  const got = await outs[0]!.read();
  const gotLarge = await outs.at(-1)!.read();
  if (got.some((v) => v !== 3) || gotLarge.some((v) => v !== 3)) throw new Error('binary add did not give 1 + 2 = 3');
  drop();
  const s: Timed = { wall: [], cpu: [], record: [] };
  const l: Timed = { wall: [], cpu: [], record: [] };
  for (let r = 0; r < reps; r++) {
    for (const side of r % 2 ? ['large', 'small'] : ['small', 'large']) {
      await timed(side === 'small' ? s : l, side === 'small' ? small : large, sync);
      drop();
    }
  }
  [...smallA, smallB, largeA, largeB].forEach((t) => t.dispose());
  const per = (a: number, b: number) => (1000 * (a - b)) / (k - 1);
  return {
    wall_us: per(median(s.wall), median(l.wall)),
    cpu_us: per(median(s.cpu), median(l.cpu)),
    record_us: per(median(s.record), median(l.record)),
    small: { wall_median: median(s.wall), cpu_median: median(s.cpu), record_median: median(s.record) },
    large: { wall_median: median(l.wall), cpu_median: median(l.cpu), record_median: median(l.record) },
    rounds_wall_us: s.wall.map((w, i) => per(w, l.wall[i]!)),
  };
}

export async function run(o: DispatchCostOptions): Promise<void> {
  const g = await initGpu();
  const adapter = adapterName(g.adapter);
  const machine = machineInfo(g.adapter);
  const sync = () => g.sync();
  console.log(`adapter: ${adapter}; CPU: ${describeCpu(machine)}`);
  const cost = await measureDispatchCost(o.k, o.n, o.reps, sync);
  console.log(`one dispatch beyond its work: ${cost.wall_us.toFixed(1)} us wall, ${cost.cpu_us.toFixed(1)} us CPU, of which ${cost.record_us.toFixed(1)} us recording ` +
    `(${o.k} dispatches of ${o.n} elements: median ${cost.small.wall_median.toFixed(2)} ms wall / ${cost.small.cpu_median.toFixed(2)} ms CPU; ` +
    `one of ${o.k * o.n}: ${cost.large.wall_median.toFixed(2)} / ${cost.large.cpu_median.toFixed(2)} ms; ${o.reps} interleaved rounds; ` +
    `per-round wall estimates ${[...cost.rounds_wall_us].sort((a, b) => a - b).map((v) => v.toFixed(0)).join(' ')} us)`);

  const { width, height } = o.size;
  const config = makeConfig({ width, height, widthMult: o.widthMult });
  const model = new UNet(config);
  const opt = new Adam(model.trainable());
  const batch = syntheticBatch(o.batch, width, height, 1);
  const step: Timed = { wall: [], cpu: [], record: [] };
  const counts: number[] = [];
  let k = 0;
  for (let s = 0; s < o.steps + 1; s++) {
    const before = g.dispatchCount;
    await timed(s === 0 ? { wall: [], cpu: [], record: [] } : step, () => trainStep(model, opt, batch, ++k), sync);
    if (s > 0) counts.push(g.dispatchCount - before);
  }
  const dispatches = median(counts);
  const stepWall = median(step.wall);
  const stepCpu = median(step.cpu);
  const shareWall = (dispatches * cost.wall_us) / 1000 / stepWall;
  const shareCpu = (dispatches * cost.cpu_us) / 1000 / stepCpu;
  console.log(`training step, U-Net ${width}x${height} width x${o.widthMult}, batch ${o.batch}: ${dispatches} dispatches, median ${stepWall.toFixed(0)} ms wall / ${stepCpu.toFixed(0)} ms CPU over ${o.steps} steps`);
  console.log(`the dispatches' fixed cost: ${((dispatches * cost.wall_us) / 1000).toFixed(1)} ms wall (${(100 * shareWall).toFixed(1)} % of the step), ` +
    `${((dispatches * cost.cpu_us) / 1000).toFixed(1)} ms CPU (${(100 * shareCpu).toFixed(1)} %): the most that fewer dispatches could save`);
  if (o.json) {
    writeFileSync(o.json, JSON.stringify({
      adapter, machine, date: new Date().toISOString(),
      dispatch: { k: o.k, n: o.n, reps: o.reps, ...cost },
      step: { size: `${width}x${height}`, batch: o.batch, widthMult: o.widthMult, steps: o.steps, dispatches, wall_median: stepWall, cpu_median: stepCpu, wall: step.wall, cpu: step.cpu },
      share: { wall: shareWall, cpu: shareCpu },
    }, null, 2) + '\n');
  }
}

benchMain(import.meta, 'bench/dispatch-cost.ts', dispatchCostFlags, run);

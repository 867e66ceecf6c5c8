// The conv block's ReLU gradient mask (conv 3x3 + ReLU -> BatchNorm, training: every `<block>.conv1` of the U-Net):
// applied as BatchNorm's backward writes dx (src/graph/blocks.ts, the default) or as a pass of its own (before),
// one forward + backward of the block per call, both variants in one process, order rotated every round, GPU
// completion awaited inside every timed call. Wall and process CPU time (user + system of all threads: lavapipe
// runs in this process) per call; min and median per side. The gradients of both are checked equal first.
//   npx tsx bench/relu_mask.ts [--size 160x128] [--batch 2] [--width-mult 1] [--reps 7] [--json FILE]
import { writeFileSync } from 'node:fs';
import { median } from './stats.ts';
import { machineInfo } from './machine.ts';
import { initGpu, adapterName } from '../src/runtime/gpu.ts';
import { Tensor } from '../src/graph/tensor.ts';
import { backward } from '../src/graph/autograd.ts';
import { convReluBatchNormDropout } from '../src/graph/blocks.ts';
import { unetConv3x3Shapes } from '../src/model/unet.ts';
import { DEFAULT_MODEL_SIZE } from '../src/cli/options.ts';
import { benchMain, type BenchArgs } from './args.ts';

export const reluMaskFlags = {
  '--size': { kind: 'size', doc: 'network input WIDTHxHEIGHT', default: DEFAULT_MODEL_SIZE },
  '--batch': { kind: 'number', doc: 'batch size', default: 2, min: 1, integer: true },
  '--width-mult': { kind: 'number', doc: 'channel width multiplier', default: 1, min: 0.01 },
  '--reps': { kind: 'number', doc: 'rotations per layer', default: 7, min: 1, integer: true },
  '--json': { kind: 'string', doc: 'write the rows here' },
} as const;
export type ReluMaskOptions = BenchArgs<typeof reluMaskFlags>;

function values(count: number, seed: number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(count);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = lo + (s / 4294967296) * (hi - lo);
  }
  return a;
}

export async function run(o: ReluMaskOptions): Promise<void> {
  const { width, height } = o.size;
  const g = await initGpu();
  const adapter = adapterName(g.adapter);
  const shapes = unetConv3x3Shapes(width, height, o.batch, o.widthMult).filter((s) => s.where.split(', ').some((l) => l.endsWith('.conv1')));
  console.error(`adapter: ${adapter}; ${o.reps} rotations per layer; cells: wall min / wall median / CPU median, ms`);
  console.log('| layer | shape | mask in BatchNorm (now) | mask as own pass (before) | CPU before / now | wall before / now |');
  console.log('|---|---|---|---|---|---|');
  const rows: Record<string, unknown>[] = [];
  for (const s of shapes) {
    const { N, H, W, C, O } = s;
    const data = [values(N * H * W * C, 1), values(9 * C * O, 2, -1 / Math.sqrt(9 * C), 1 / Math.sqrt(9 * C)), values(O, 3, -0.1, 0.1), values(O, 4, 0.5, 1.5), values(O, 5, -0.5, 0.5)];
    const shapesIn = [[N, H, W, C], [3, 3, C, O], [O], [O], [O]];
    const ts = data.map((d, i) => Tensor.fromData(d, shapesIn[i]));
    ts.forEach((t) => (t.requiresGrad = true));
    const seed = Tensor.fromData(values(N * H * W * O, 6), [N, H, W, O]);
    const movingMean = Tensor.fromData(new Float32Array(O), [O]);
    const movingVariance = Tensor.fromData(new Float32Array(O).fill(1), [O]);
    const clearGrads = () => ts.forEach((t) => {
      t.grad?.dispose();
      t.grad = null;
    });
    const step = (maskInBn: boolean): void => {
      const [x, w, b, gamma, beta] = ts;
      const y = convReluBatchNormDropout(x, { kernel: w, bias: b }, { gamma, beta, movingMean, movingVariance }, { training: true, bnMomentum: 0.99, rate: 0, dropoutSeed: 1, reluMaskInBatchNorm: maskInBn });
      backward(y, seed);
      y.dispose();
      clearGrads();
    };
    const grads = async (maskInBn: boolean) => {
      const [x, w, b, gamma, beta] = ts;
      const y = convReluBatchNormDropout(x, { kernel: w, bias: b }, { gamma, beta, movingMean, movingVariance }, { training: true, bnMomentum: 0.99, rate: 0, dropoutSeed: 1, reluMaskInBatchNorm: maskInBn });
      backward(y, seed);
      y.dispose();
      const out = await Promise.all(ts.map((t) => t.grad!.read()));
      clearGrads();
      return out;
    };
    // warm-up (compiles the pipelines) and the equality of both variants' gradients
    const [a, b] = [await grads(true), await grads(false)];
    for (let i = 0; i < a.length; i++) {
      for (let j = 0; j < a[i].length; j++) if (a[i][j] !== b[i][j] && !(a[i][j] === 0 && b[i][j] === 0)) throw new Error(`${s.where}: gradient ${i} differs at ${j}: ${a[i][j]} vs ${b[i][j]}`);
    }
    const sides = [true, false];
    const wall = new Map<boolean, number[]>(sides.map((v) => [v, []]));
    const cpu = new Map<boolean, number[]>(sides.map((v) => [v, []]));
    for (let r = 0; r < o.reps; r++) {
      for (const v of r % 2 ? [false, true] : [true, false]) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        step(v);
        await g.sync();
        wall.get(v)!.push(performance.now() - t0);
        const c = process.cpuUsage(c0);
        cpu.get(v)!.push((c.user + c.system) / 1000);
      }
    }
    const stats = (v: boolean) => ({ wall_min: Math.min(...wall.get(v)!), wall_median: median(wall.get(v)!), cpu_median: median(cpu.get(v)!), wall: wall.get(v), cpu: cpu.get(v) });
    const now = stats(true);
    const before = stats(false);
    const cell = (x: ReturnType<typeof stats>) => `${x.wall_min.toFixed(0)} / ${x.wall_median.toFixed(0)} / ${x.cpu_median.toFixed(0)}`;
    console.log(`| ${s.where} | ${N}x${H}x${W}x${C}->${O} | ${cell(now)} | ${cell(before)} | ${(before.cpu_median / now.cpu_median).toFixed(2)}x | ${(before.wall_median / now.wall_median).toFixed(2)}x |`);
    rows.push({ where: s.where, shape: `${N}x${H}x${W}x${C}->${O}`, maskInBatchNorm: now, ownPass: before });
    [...ts, seed, movingMean, movingVariance].forEach((t) => t.dispose());
  }
  if (o.json) writeFileSync(o.json, JSON.stringify({ adapter, machine: machineInfo(g.adapter), date: new Date().toISOString(), size: `${width}x${height}`, batch: o.batch, reps: o.reps, rows }, null, 2) + '\n');
}

benchMain(import.meta, 'bench/relu_mask.ts', reluMaskFlags, run);

// The conv-kernel benchmark of `spineseg bench kernels` (bench/kernels.ts), shared with the web app's Benchmark
// tab: spineseg's conv kernels against tfjs-backend-webgpu 4.22 in the same process and on the same adapter, at the
// layer shapes of the paper's U-Net with a 160x128 (W x H) input, batch 2. GPU completion is awaited inside every
// timed call (gpu().sync() for ours, `await t.data()` for tfjs). GFLOP/s counts 2 flops per multiply-accumulate,
// N*H*W*k*k*Cin*Cout MACs per pass (for the transposed conv H, W are its input's; the 3x3 'same' edge taps that fall
// off are still counted, for both sides alike). No node: imports.
import { Bench } from 'tinybench';
import { gpu, adapterName } from '../src/runtime/gpu.ts';
import { Tensor } from '../src/graph/tensor.ts';
import {
  conv2dForward,
  conv2dInputGrad,
  conv2dFilterGrad,
  conv2dTransposeForward,
  conv2dTransposeInputGrad,
  conv2dTransposeFilterGrad,
  convVariant,
} from '../src/kernels/conv2d.ts';
import type { Tf } from './tfjs-types.ts';

export interface Layer {
  /** where it sits in the U-Net */
  where: string;
  N: number;
  H: number;
  W: number;
  C: number;
  O: number;
  k: number;
  transposed: boolean;
}

/** U-Net layers at input 160 wide x 128 high, batch 2 (encoder 128x160, 64x80, 32x40, 16x20, 8x10). */
export const layers: Layer[] = [
  { where: 'encoder level 1 (2nd conv)', N: 2, H: 128, W: 160, C: 16, O: 16, k: 3, transposed: false },
  { where: 'decoder block 64 (2nd conv)', N: 2, H: 64, W: 80, C: 64, O: 64, k: 3, transposed: false },
  { where: 'bottom block 512 (1st conv)', N: 2, H: 8, W: 10, C: 256, O: 512, k: 3, transposed: false },
  { where: 'output 1x1 to 4 classes', N: 2, H: 128, W: 160, C: 32, O: 4, k: 1, transposed: false },
  { where: 'decoder Conv2DTranspose 512->256 3x3 s2 (8x10 -> 16x20)', N: 2, H: 8, W: 10, C: 512, O: 256, k: 3, transposed: true },
  { where: 'decoder Conv2DTranspose 64->32 2x2 s2 (64x80 -> 128x160)', N: 2, H: 64, W: 80, C: 64, O: 32, k: 2, transposed: true },
];

type Pass = 'forward' | 'input-grad' | 'filter-grad';

export interface KernelRow {
  kernel: string;
  shape: string;
  where: string;
  ours_ms: number;
  tfjs_ms: number;
  /** tfjs_ms / ours_ms: above 1 means spineseg is faster */
  ratio: number;
  /** spineseg GFLOP/s */
  gflops: number;
  tfjs_gflops: number;
}

function values(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 4294967296 - 0.5;
  }
  return a;
}

async function median(name: string, fn: () => Promise<void>, iterations: number): Promise<number> {
  const bench = new Bench({ iterations, time: 0, warmup: true, warmupIterations: 1, warmupTime: 0 });
  bench.add(name, fn);
  await bench.run();
  const r = bench.tasks[0].result as { state: string; latency?: { p50: number }; error?: Error };
  if (r.state !== 'completed' || !r.latency) throw new Error(`benchmark ${name} ${r.state}: ${r.error?.message ?? ''}`);
  return r.latency.p50;
}

export async function benchLayer(tf: Tf, L: Layer, iterations: number, log: (s: string) => void = console.error): Promise<KernelRow[]> {
  const { N, H, W, C, O, k, transposed } = L;
  const Ho = transposed ? 2 * H : H;
  const Wo = transposed ? 2 * W : W;
  const flops = 2 * N * H * W * k * k * C * O;
  const wShape = transposed ? [k, k, O, C] : [k, k, C, O];
  const xData = values(N * H * W * C, 1);
  const wData = values(k * k * C * O, 2);
  const dyData = values(N * Ho * Wo * O, 3);
  const X = Tensor.fromData(xData, [N, H, W, C]);
  const Wt = Tensor.fromData(wData, wShape);
  const DY = Tensor.fromData(dyData, [N, Ho, Wo, O]);
  const x = tf.tensor4d(xData, [N, H, W, C]);
  const w = tf.tensor4d(wData, wShape as [number, number, number, number]);
  const dy = tf.tensor4d(dyData, [N, Ho, Wo, O]);
  const g = gpu();
  const kk: [number, number] = [k, k];
  // tfjs' own gradient kernels, exactly what tf.grad of tf.conv2d / tf.conv2dTranspose dispatches
  const run = (kernel: string, inputs: object, attrs: object) => tf.engine().runKernel(kernel, inputs as never, attrs as never) as import('@tensorflow/tfjs-core').Tensor;
  const ours: Record<Pass, () => Tensor> = transposed
    ? {
        forward: () => conv2dTransposeForward(X, Wt, null),
        'input-grad': () => conv2dTransposeInputGrad(DY, Wt),
        'filter-grad': () => conv2dTransposeFilterGrad(X, DY, kk),
      }
    : {
        forward: () => conv2dForward(X, Wt, null),
        'input-grad': () => conv2dInputGrad(DY, Wt),
        'filter-grad': () => conv2dFilterGrad(X, DY, kk),
      };
  const same = { pad: 'same', dataFormat: 'NHWC', dilations: 1, dimRoundingMode: undefined };
  const theirs: Record<Pass, () => import('@tensorflow/tfjs-core').Tensor> = transposed
    ? {
        forward: () => tf.conv2dTranspose(x, w, [N, Ho, Wo, O], 2, 'same'),
        'input-grad': () => tf.conv2d(dy, w, 2, 'same'),
        'filter-grad': () => run('Conv2DBackpropFilter', { x: dy, dy: x }, { ...same, strides: 2, filterShape: wShape }),
      }
    : {
        forward: () => tf.conv2d(x, w, 1, 'same'),
        'input-grad': () => run('Conv2DBackpropInput', { dy, filter: w }, { ...same, strides: 1, inputShape: [N, H, W, C] }),
        'filter-grad': () => run('Conv2DBackpropFilter', { x, dy }, { ...same, strides: 1, filterShape: wShape }),
      };
  const rows: KernelRow[] = [];
  const op = transposed ? 'conv2dTranspose' : 'conv2d';
  const shape = `${N}x${H}x${W}x${C} -> ${O}, ${k}x${k}${transposed ? ' s2' : ''}`;
  for (const pass of ['forward', 'input-grad', 'filter-grad'] as Pass[]) {
    const name = `${op} ${pass}`;
    const oursMs = await median(`${name} spineseg`, async () => {
      const y = ours[pass]();
      await g.sync();
      y.dispose();
    }, iterations);
    const tfjsMs = await median(`${name} tfjs`, async () => {
      const y = theirs[pass]();
      await y.data();
      y.dispose();
    }, iterations);
    rows.push({ kernel: name, shape, where: L.where, ours_ms: oursMs, tfjs_ms: tfjsMs, ratio: tfjsMs / oursMs, gflops: flops / oursMs / 1e6, tfjs_gflops: flops / tfjsMs / 1e6 });
    const r = rows[rows.length - 1];
    log(`  ${name.padEnd(28)} ${shape.padEnd(28)} ours ${r.ours_ms.toFixed(1)} ms, tfjs ${r.tfjs_ms.toFixed(1)} ms`);
  }
  [X, Wt, DY].forEach((t) => t.dispose());
  [x, w, dy].forEach((t) => t.dispose());
  return rows;
}

export function kernelTable(rows: KernelRow[]): string {
  const head = ['kernel', 'shape (N x H x W x Cin -> Cout)', 'ours ms', 'tfjs ms', 'ours GFLOP/s', 'tfjs GFLOP/s', 'tfjs/ours'];
  const lines = rows.map((r) => [r.kernel, r.shape, r.ours_ms.toFixed(1), r.tfjs_ms.toFixed(1), r.gflops.toFixed(2), r.tfjs_gflops.toFixed(2), r.ratio.toFixed(2) + 'x']);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (l: string[]) => '| ' + l.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  return [fmt(head), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...lines.map(fmt)].join('\n');
}

/** What `spineseg bench kernels --json` writes and the page downloads. */
export interface KernelBenchResult {
  adapter: string;
  variant: string;
  date: string;
  rows: KernelRow[];
}

/** Layers whose description contains `only` (all without), in table order. */
export function selectLayers(only?: string): Layer[] {
  return layers.filter((L) => !only || `${L.where} ${L.transposed ? 'conv2dTranspose' : 'conv2d'}`.includes(only));
}

/** The kernel table on the initialised GPU with a loaded tfjs. */
export async function runKernelBench(tf: Tf, o: { iterations: number; only?: string }, log: (s: string) => void = console.error): Promise<KernelBenchResult> {
  const g = gpu();
  const rows: KernelRow[] = [];
  for (const L of selectLayers(o.only)) rows.push(...(await benchLayer(tf, L, o.iterations, log)));
  return { adapter: adapterName(g.adapter), variant: convVariant(g), date: new Date().toISOString(), rows };
}

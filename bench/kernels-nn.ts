// NN kernel timings at the U-Net's real sizes (128x160, batch 2): batchnorm forward/backward (training),
// 2x2 max pool forward/backward, the fused softmax + focal/Dice loss forward+backward, and Adam, as
// median ms and effective GB/s (bytes each kernel must move at least once), with tfjs-backend-webgpu 4.22
// equivalents in the same process on the same adapter where tfjs has them.
// Usage: npx tsx bench/kernels-nn.ts [--no-tfjs] [--quick] [--json FILE]
import { Bench } from 'tinybench';
import { writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { initGpu, adapterName } from '../src/runtime/gpu.ts';
import { Tensor } from '../src/graph/tensor.ts';
import { batchNormStats, batchNormApply, batchNormBackward } from '../src/kernels/batchnorm.ts';
import { maxPoolForward, maxPoolBackward } from '../src/kernels/maxpool.ts';
import { focalDiceSums, focalDiceFinish, focalDiceBackward } from '../src/kernels/focal_dice.ts';
import { focalDiceDefaults } from '../src/graph/nn.ts';
import { Adam } from '../src/graph/optim.ts';
import { Rng } from '../src/util/random.ts';
import { benchMain, type BenchArgs } from './args.ts';

type Tf = typeof import('@tensorflow/tfjs-core');

export const kernelsNnFlags = {
  '--no-tfjs': { kind: 'boolean', doc: 'ours only' },
  '--quick': { kind: 'boolean', doc: 'two shapes, 3 iterations' },
  '--json': { kind: 'string', doc: 'write the rows here' },
} as const;
export type KernelsNnOptions = BenchArgs<typeof kernelsNnFlags>;

export async function run(o: KernelsNnOptions): Promise<void> {
  const { quick, json: jsonPath } = o;
  const g = await initGpu();
  let tf: Tf | null = null;
  if (!o.noTfjs && existsSync(new URL('./tfjs-baseline.ts', import.meta.url))) {
    const { loadTfjsWebgpu } = await import('./tfjs-baseline.ts');
    tf = await loadTfjsWebgpu();
    // tfjs-core's Node bundle registers no gradient functions (the @tensorflow/tfjs union package does);
    // tsx's require loads the ESM registration file, which fills the same global gradient registry
    createRequire(import.meta.url)('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  }

  const rng = new Rng(1);
  const randomData = (n: number) => Float32Array.from(rng.array(n));
  // U-Net feature maps at 128x160 batch 2: level 1 (16 ch) down to the 512-channel bottleneck
  const shapes: number[][] = quick ? [[2, 128, 160, 16], [2, 8, 10, 512]] : [[2, 128, 160, 16], [2, 64, 80, 64], [2, 32, 40, 128], [2, 16, 20, 256], [2, 8, 10, 512]];

  interface Row {
    kernel: string;
    shape: string;
    bytes: number;
    ours_ms: number;
    tfjs_ms: number | null;
  }
  const rows: Row[] = [];

  async function time(fn: () => Promise<void>): Promise<number> {
    const bench = new Bench({ iterations: quick ? 3 : 7, warmupIterations: 1, time: 0, warmupTime: 0 });
    bench.add('t', fn);
    await bench.run();
    const r = bench.tasks[0].result as unknown as { latency?: { p50?: number }; period?: number };
    return r.latency?.p50 ?? r.period ?? NaN;
  }

  async function measure(kernel: string, shape: readonly number[], bytes: number, ours: () => void, theirs: (() => { data(): Promise<unknown>; dispose(): void }) | null) {
    const oursMs = await time(async () => {
      ours();
      await g.sync();
    });
    const tfjsMs = theirs
      ? await time(async () => {
          const t = theirs();
          await t.data();
          t.dispose();
        })
      : null;
    rows.push({ kernel, shape: shape.join('x'), bytes, ours_ms: oursMs, tfjs_ms: tfjsMs });
    console.log(`${kernel} [${shape}] ours ${oursMs.toFixed(2)} ms${tfjsMs !== null ? `, tfjs ${tfjsMs.toFixed(2)} ms` : ''}`);
  }

  for (const shape of shapes) {
    const n = shape.reduce((a, b) => a * b, 1);
    const c = shape[3];
    const xData = randomData(n);
    const gData = randomData(n);
    const x = Tensor.fromData(xData, shape);
    const dy = Tensor.fromData(gData, shape);
    const gamma = Tensor.fromData(new Float32Array(c).fill(1), [c]);
    const beta = Tensor.zeros([c]);
    const rm = Tensor.zeros([c]);
    const rv = Tensor.fromData(new Float32Array(c).fill(1), [c]);
    const stats = batchNormStats(x, rm, rv, true, 0.99, 1e-3);
    const tx = tf?.tensor4d(xData, shape as [number, number, number, number]);
    const tdy = tf?.tensor4d(gData, shape as [number, number, number, number]);
    const tgamma = tf?.ones([c]);
    const tbeta = tf?.zeros([c]);
    const tfBn = (t: Tf, v: import('@tensorflow/tfjs-core').Tensor4D) => {
      const { mean, variance } = t.moments(v, [0, 1, 2]);
      return t.batchNorm(v, mean, variance, tbeta!, tgamma!, 1e-3);
    };
    // forward: stats pass reads x, apply reads x and writes y
    await measure('batchnorm forward (training)', shape, 3 * n * 4, () => {
      const s = batchNormStats(x, rm, rv, true, 0.99, 1e-3);
      batchNormApply(x, s, gamma, beta).dispose();
      s.dispose();
    }, tf ? () => tf!.tidy(() => tf!.keep(tfBn(tf!, tx!))) : null);
    // backward: the sums pass reads x and g, dx reads x and g and writes dx
    await measure('batchnorm backward (training)', shape, 5 * n * 4, () => {
      const r = batchNormBackward(dy, x, stats, gamma, true);
      r.dx.dispose();
      r.dgamma.dispose();
      r.dbeta.dispose();
    }, tf ? () => tf!.tidy(() => tf!.keep(tf!.grad((v: import('@tensorflow/tfjs-core').Tensor) => tfBn(tf!, v as import('@tensorflow/tfjs-core').Tensor4D))(tx!, tdy!))) : null);
    if (shape[1] >= 16) {
      const { out, argmax } = maxPoolForward(x);
      const gp = Tensor.fromData(randomData(out.size), out.shape);
      const tgp = tf?.tensor4d(await gp.read(), out.shape as [number, number, number, number]);
      await measure('maxpool 2x2 forward', shape, (n + (out.size * 2)) * 4, () => {
        const r = maxPoolForward(x);
        r.out.dispose();
        r.argmax.dispose();
      }, tf ? () => tf!.maxPool(tx!, 2, 2, 'valid') : null);
      await measure('maxpool 2x2 backward', shape, (n + out.size * 2) * 4, () => {
        maxPoolBackward(gp, argmax, shape).dispose();
      }, tf ? () => tf!.tidy(() => tf!.keep(tf!.grad((v: import('@tensorflow/tfjs-core').Tensor) => tf!.maxPool(v as import('@tensorflow/tfjs-core').Tensor4D, 2, 2, 'valid'))(tx!, tgp!))) : null);
      [out, argmax, gp].forEach((t) => t.dispose());
      tgp?.dispose();
    }
    [x, dy, gamma, beta, rm, rv, stats].forEach((t) => t.dispose());
    [tx, tdy, tgamma, tbeta].forEach((t) => t?.dispose());
  }

  // fused loss at the network output: [2,128,160,4] logits
  {
    const shape = [2, 128, 160, 4];
    const pixels = 2 * 128 * 160;
    const logitsData = randomData(pixels * 4);
    const labelData = Uint32Array.from({ length: pixels }, () => rng.int(4));
    const logits = Tensor.fromData(logitsData, shape);
    const labels = Tensor.fromData(labelData, shape.slice(0, 3), 'u32');
    const one = Tensor.fromData([1], [1]);
    const o = focalDiceDefaults;
    const tLogits = tf?.tensor4d(logitsData, shape as [number, number, number, number]);
    // one-hot built on the host as float32: tfjs-webgpu 4.22's backward through an int32 source (oneHot,
    // plain-number operands) needs an int32 transpose whose shader fails to compile
    const oneHot = new Float32Array(pixels * 4);
    labelData.forEach((l, i) => (oneHot[i * 4 + l] = 1));
    const tY = tf ? tf.tensor4d(oneHot, shape as [number, number, number, number]) : null;
    const tfLoss = (t: Tf, z: import('@tensorflow/tfjs-core').Tensor) => {
      const logp = t.logSoftmax(z);
      const p = t.exp(logp);
      const focal = t.mean(t.sum(t.mul(t.neg(t.mul(tY!, t.pow(t.sub(1, p), t.scalar(o.gamma, 'float32')))), logp), -1));
      const inter = t.sum(t.mul(p, tY!), [0, 1, 2]);
      const denom = t.add(t.sum(p, [0, 1, 2]), t.sum(tY!, [0, 1, 2]));
      const two = t.scalar(2, 'float32');
      const smooth = t.scalar(o.smooth, 'float32');
      const dice = t.mean(t.div(t.add(t.mul(two, inter), smooth), t.add(denom, smooth)));
      return t.add(t.mul(o.focalWeight, focal), t.mul(o.diceWeight, t.sub(1, dice))) as import('@tensorflow/tfjs-core').Scalar;
    };
    // logits read twice (sums pass, gradient pass), labels twice, gradient written once
    await measure('focal+dice loss forward+backward', shape, (3 * pixels * 4 + 2 * pixels) * 4, () => {
      const sums = focalDiceSums(logits, labels, o);
      const loss = focalDiceFinish(logits, labels, sums, o);
      focalDiceBackward(logits, labels, sums, one, o).dispose();
      [sums, loss].forEach((t) => t.dispose());
    }, tf ? () => tf!.tidy(() => tf!.keep(tf!.grad((z: import('@tensorflow/tfjs-core').Tensor) => tfLoss(tf!, z))(tLogits!))) : null);
    [logits, labels, one].forEach((t) => t.dispose());
    tLogits?.dispose();
    tY?.dispose();
  }

  // Adam on the U-Net's largest kernel (3x3x256x512) and on the 512->512 one
  {
    const shapes2 = [[3, 3, 256, 512], [3, 3, 512, 512]];
    const params = shapes2.map((s) => Tensor.fromData(randomData(s.reduce((a, b) => a * b, 1)), s));
    params.forEach((p) => (p.grad = Tensor.fromData(randomData(p.size), p.shape)));
    const opt = new Adam(params);
    const n = params.reduce((a, p) => a + p.size, 0);
    // param, m, v read and written, gradient read
    await measure('adam step (2 tensors)', [n], 7 * n * 4, () => opt.step(), null);
    params.forEach((p) => p.dispose());
    opt.dispose();
  }

  const table = rows.map((r) => ({
    kernel: r.kernel,
    shape: r.shape,
    'ours ms': r.ours_ms.toFixed(2),
    'ours GB/s': (r.bytes / (r.ours_ms * 1e6)).toFixed(2),
    'tfjs ms': r.tfjs_ms === null ? '-' : r.tfjs_ms.toFixed(2),
    'tfjs/ours': r.tfjs_ms === null ? '-' : (r.tfjs_ms / r.ours_ms).toFixed(2),
  }));
  console.log(`NN kernels on ${adapterName(g.adapter)} (median of ${quick ? 3 : 7}; GB/s = minimum bytes moved / time)`);
  console.table(table);
  if (jsonPath) writeFileSync(jsonPath, JSON.stringify({ adapter: g.adapter, rows: rows.map((r) => ({ ...r, gbps: r.bytes / (r.ours_ms * 1e6), ratio: r.tfjs_ms === null ? null : r.tfjs_ms / r.ours_ms })) }, null, 2));
}

benchMain(import.meta, 'bench/kernels-nn.ts', kernelsNnFlags, run);

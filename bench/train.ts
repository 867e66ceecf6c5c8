// `spineseg bench train`: full training steps (forward, fused loss, backward, Adam) of the paper's U-Net,
// spineseg against the same model in tfjs-backend-webgpu, in one process on one adapter.
// Achieved GFLOP/s counts conv multiply-accumulates analytically (forwardMacs in src/model/unet.ts):
// a training step is taken as 3 x the forward conv MACs (forward, input gradient, filter gradient), FLOPs = 2 x MACs.
import { Bench } from 'tinybench';
import { writeFileSync } from 'node:fs';
import { initGpu, adapterName, gpu } from '../src/kernels/gpu.ts';
import { UNet, makeConfig, forwardMacs } from '../src/model/unet.ts';
import { Adam } from '../src/graph/optim.ts';
import { trainStep, type Sample } from '../src/model/train.ts';
import { readParams } from '../src/model/weights.ts';
import { Rng } from '../src/reference/random.ts';
import { tuneConv, convVariant } from '../src/kernels/conv2d.ts';
import { tuneMatmul, matmulVariant } from '../src/kernels/matmul.ts';
import { loadNodeTuning } from '../src/platform/tune_store_node.ts';

export interface TrainBenchOptions {
  width: number;
  height: number;
  batch: number;
  widthMult: number;
  steps: number;
  warmup: number;
  tfjs: boolean;
  json?: string;
  /** after the timing, one more step with per-kernel GPU timestamps */
  profile?: boolean;
  /** time both conv and matmul variants first and keep the faster (default: chosen by adapter type) */
  tune?: boolean;
  /** also time PyTorch CPU with this python (bench/gpu/unet_torch.py --device cpu; same model, loss, steps) */
  torch?: string;
}

export interface StepTiming {
  ms_per_step: number;
  ms_min: number;
  ms_max: number;
  images_per_s: number;
  gflops: number;
}

function syntheticBatch(n: number, W: number, H: number, seed: number): Sample[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, k) => {
    const image = new Float32Array(W * H);
    const labels = new Uint8Array(W * H);
    for (let i = 0; i < W * H; i++) {
      image[i] = rng.next();
      // four bands so every class is present
      labels[i] = Math.min(3, Math.floor(((i % W) / W) * 4));
    }
    return { file: `synthetic${k}`, patient: 'bench', image, labels, width: W, height: H, spacing: [1, 1] as [number, number] };
  });
}

function summarise(samples: number[], batch: number, flopsPerStep: number): StepTiming {
  const sorted = [...samples].sort((a, b) => a - b);
  const med = sorted[Math.floor(sorted.length / 2)];
  return { ms_per_step: med, ms_min: sorted[0], ms_max: sorted.at(-1)!, images_per_s: (1000 * batch) / med, gflops: flopsPerStep / (med * 1e6) };
}

function taskSamples(bench: Bench, name: string): number[] {
  const r = bench.tasks.find((t) => t.name === name)!.result as unknown as { latency?: { samples?: number[] }; samples?: number[]; error?: Error; state?: string };
  if (r.error) throw new Error(`bench task ${name} failed: ${r.error.message}`);
  const s = r.latency?.samples ?? r.samples;
  if (!s || s.length === 0) throw new Error(`bench task ${name} produced no samples (state ${r.state})`);
  return s;
}

export async function benchTrain(o: TrainBenchOptions, log: (s: string) => void = console.log) {
  const g = await initGpu();
  // the per-shape conv choices of `spineseg tune`, when this adapter has a cache (SPINESEG_TUNE_DIR=off: none)
  const tuning = await loadNodeTuning();
  log(tuning ? `conv choices from the tune cache (${Object.keys(tuning.choices).length} shape/pass entries, ${tuning.date})` : 'no tune cache for this adapter: built-in conv choices');
  if (o.tune) {
    const conv = await tuneConv();
    const mm = await tuneMatmul();
    log(`tuned on this adapter: conv ${convVariant()} (register ${conv.register.toFixed(0)} ms, tiled ${conv.tiled.toFixed(0)} ms), matmul ${matmulVariant()} (register ${mm.register.toFixed(0)} ms, tiled ${mm.tiled.toFixed(0)} ms)`);
  }
  const config = makeConfig({ width: o.width, height: o.height, widthMult: o.widthMult });
  const flopsPerStep = 3 * 2 * forwardMacs(config) * o.batch;
  const batch = syntheticBatch(o.batch, o.width, o.height, 1);
  const model = new UNet(config);
  const initial = await readParams(model);
  const opt = new Adam(model.trainable());
  let step = 0;
  const bench = new Bench({ iterations: o.steps, warmupIterations: o.warmup, time: 0, warmupTime: 0, retainSamples: true });
  bench.add('spineseg', async () => {
    await trainStep(model, opt, batch, ++step);
    await g.sync();
  });
  let tfjsModel: { dispose(): void } | null = null;
  let tf: typeof import('@tensorflow/tfjs-core') | null = null;
  if (o.tfjs) {
    const { loadTfjsWebgpu } = await import('./tfjs-baseline.ts');
    const { buildTfjsUNet } = await import('./unet-tfjs.ts');
    tf = await loadTfjsWebgpu();
    const tfm = buildTfjsUNet(tf, config, initial);
    tfjsModel = tfm;
    const img = new Float32Array(o.batch * o.width * o.height);
    const classes = config.classes;
    const onehot = new Float32Array(o.batch * o.width * o.height * classes);
    batch.forEach((s, k) => {
      img.set(s.image, k * s.image.length);
      s.labels.forEach((c, i) => (onehot[(k * s.labels.length + i) * classes + c] = 1));
    });
    const x = tf.tensor4d(img, [o.batch, o.height, o.width, 1]);
    const y = tf.tensor4d(onehot, [o.batch, o.height, o.width, classes]);
    let seed = 0;
    bench.add('tfjs-webgpu', async () => {
      const l = tfm.step(x, y, ++seed);
      await l.data();
      l.dispose();
    });
  }
  log(`training step, U-Net ${o.width}x${o.height} width x${o.widthMult}, batch ${o.batch}: ${o.warmup} warm-up + ${o.steps} timed steps each on ${adapterName(g.adapter)}`);
  await bench.run();
  const ours = summarise(taskSamples(bench, 'spineseg'), o.batch, flopsPerStep);
  const tfjs = o.tfjs ? summarise(taskSamples(bench, 'tfjs-webgpu'), o.batch, flopsPerStep) : null;
  let profile: { kernel: string; ms: number; dispatches: number }[] | null = null;
  if (o.profile) {
    g.beginProfile();
    await trainStep(model, opt, batch, ++step);
    profile = await g.endProfile();
    const total = profile.reduce((a, r) => a + r.ms, 0);
    log(`where one step's GPU time goes (timestamp queries, one pass per dispatch; total ${total.toFixed(0)} ms):`);
    for (const r of profile) log(`  ${r.kernel.padEnd(26)} ${r.ms.toFixed(1).padStart(9)} ms ${((100 * r.ms) / total).toFixed(1).padStart(5)} %  ${String(r.dispatches).padStart(4)} dispatches`);
  }
  const result = {
    adapter: { ...g.adapter, name: adapterName(g.adapter) },
    date: new Date().toISOString(),
    settings: { size: `${o.width}x${o.height}`, batch: o.batch, widthMult: o.widthMult, steps: o.steps, warmup: o.warmup, convVariant: convVariant(), matmulVariant: matmulVariant(), tuneCache: tuning?.date ?? null },
    flops_per_step: flopsPerStep,
    peak_pool_bytes: gpu().pool.stats().peakAllocatedBytes,
    ours,
    tfjs,
    ratio: tfjs ? tfjs.ms_per_step / ours.ms_per_step : null,
    profile,
  };
  if (o.torch) {
    // a separate process after ours (bench/train_ab.ts --torch interleaves step by step instead)
    const { spawnSync } = await import('node:child_process');
    const script = new URL('./gpu/unet_torch.py', import.meta.url).pathname;
    const r = spawnSync(o.torch, [script, '--device', 'cpu', '--threads', '2', '--size', `${o.width}x${o.height}`, '--batch', String(o.batch), '--width-mult', String(o.widthMult), '--steps', String(o.steps), '--warmup', String(o.warmup)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`bench/gpu/unet_torch.py failed (exit ${r.status}): ${(r.stderr || '').trim().split('\n').at(-1)}`);
    const t = JSON.parse(r.stdout) as { ms_per_step: number; ms_min: number; ms_max: number; framework: string };
    (result as Record<string, unknown>).torch = { ...summarise([t.ms_per_step], o.batch, flopsPerStep), ms_min: t.ms_min, ms_max: t.ms_max, framework: t.framework };
  }
  const row = (name: string, t: StepTiming) => `${name.padEnd(12)} ${t.ms_per_step.toFixed(0).padStart(8)} ms/step (min ${t.ms_min.toFixed(0)}, max ${t.ms_max.toFixed(0)})  ${t.images_per_s.toFixed(2).padStart(7)} img/s  ${t.gflops.toFixed(2).padStart(6)} GFLOP/s`;
  log(row('spineseg', ours));
  if (tfjs) log(row('tfjs-webgpu', tfjs));
  const torch = (result as Record<string, unknown>).torch as StepTiming | undefined;
  if (torch) log(row('pytorch-cpu', torch) + `  ours / torch ${(ours.ms_per_step / torch.ms_per_step).toFixed(2)}x`);
  if (result.ratio) log(`speed-up over tfjs-backend-webgpu: ${result.ratio.toFixed(2)}x (median ms/step ratio)`);
  log(`peak pool memory: ${(result.peak_pool_bytes / 2 ** 20).toFixed(1)} MiB`);
  if (o.json) writeFileSync(o.json, JSON.stringify(result, null, 2));
  opt.dispose();
  model.dispose();
  tfjsModel?.dispose();
  return result;
}

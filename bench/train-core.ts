// The training-step benchmark itself, shared by `spineseg bench train` (bench/train.ts, Node on Dawn) and the web
// app's Benchmark tab (web/src/tabs/bench.ts, the page's navigator.gpu): no node: imports here. Both hosts run this
// exact code; only how tfjs is loaded (loadTf) and where the JSON goes differ.
// Achieved GFLOP/s counts conv multiply-accumulates analytically (forwardMacs in src/model/unet.ts):
// a training step is taken as 3 x the forward conv MACs (forward, input gradient, filter gradient), FLOPs = 2 x MACs.
import { initGpu, adapterName, gpu, type AdapterDescription } from '../src/runtime/gpu.ts';
import { UNet, makeConfig, forwardMacs, layerList, type UNetConfig } from '../src/model/unet.ts';
import { Adam } from '../src/graph/optim.ts';
import { trainStep, type Sample } from '../src/model/train.ts';
import { readParams } from '../src/model/weights.ts';
import { Rng } from '../src/util/random.ts';
import { convVariant } from '../src/kernels/conv2d.ts';
import { matmulVariant } from '../src/kernels/matmul.ts';
import { runTune } from '../src/app/tune.ts';
import { browserTuneStore } from '../src/app/tune-store-browser.ts';
import type { TuneStore } from '../src/kernels/autotune.ts';
import type { Tf } from './tfjs-types.ts';
import { buildTfjsUNet, type TfjsUNet } from './unet-tfjs.ts';
import { buildJaxUNet, jaxBatch, type Jax, type JaxUNet } from './unet-jaxjs.ts';
import { checkJaxAgainstOurs, describeCheck, jaxCheckFailure } from './jaxjs-check.ts';
import { drawBatchAugmentParams, type AugmentConfig } from '../src/model/augment.ts';

export interface TrainBenchOptions {
  width: number;
  height: number;
  batch: number;
  widthMult: number;
  steps: number;
  warmup: number;
  tfjs: boolean;
  /** also time jax-js (bench/unet-jaxjs.ts) on the same adapter, after its check against ours (bench/jaxjs-check.ts) */
  jaxjs?: boolean;
  json?: string;
  /** after the timing, one more step with per-kernel GPU timestamps */
  profile?: boolean;
  /**
   * first run `spineseg tune` (src/app/tune.ts runTune) for this size, batch and width: every 3x3 conv shape and pass
   * timed on this adapter, the fastest kept in the host's tune cache and used for the timed steps
   */
  tune?: boolean;
  /** augment every spineseg step with this level; then also time interleaved pairs of steps without and with it */
  augment?: AugmentConfig;
}

export interface StepTiming {
  ms_per_step: number;
  ms_min: number;
  ms_max: number;
  images_per_s: number;
  gflops: number;
}

/** What `spineseg bench train --json` writes and the page downloads (bench/schema.ts checks it). */
export interface TrainBenchResult {
  adapter: AdapterDescription & { name: string };
  date: string;
  settings: { size: string; batch: number; widthMult: number; steps: number; warmup: number; convVariant: string; matmulVariant: string; augment?: string };
  augmentAB?: { level: string; pairs: number; plain_ms: number; augmented_ms: number; overhead: number } | null;
  flops_per_step: number;
  peak_pool_bytes: number;
  ours: StepTiming;
  tfjs: StepTiming | null;
  ratio: number | null;
  /** the CPU and versions, recorded by the Node host (bench/train.ts: src/app/machine.ts); absent in the page and in older results */
  machine?: { cpu: string; cores: number; cpuId?: string | null; vectorBits?: number | null; mesa?: string | null; dawn?: string };
  /** jax-js' step (--jaxjs) and jax-js / ours; absent in results of earlier versions */
  jaxjs?: StepTiming | null;
  jaxjsRatio?: number | null;
  /** jax-js' check before timing: its loss and worst gradient error against float64, ours likewise */
  jaxjsCheck?: string | null;
  profile: { kernel: string; ms: number; dispatches: number }[] | null;
}

export interface TrainBenchHost {
  /** tfjs-core with the webgpu backend ready and all gradients registered, on the same adapter as initGpu() */
  loadTf(): Promise<Tf>;
  /** jax-js with its webgpu device as the default (Node: bench/jaxjs-baseline.ts; page: web/src/tabs/bench-jaxjs.ts) */
  loadJax?(): Promise<Jax>;
  /** where --tune keeps its results, the cache `spineseg tune` and the page's tuner use (Node: nodeTuneStore; default: the page's IndexedDB) */
  tuneStore?: TuneStore;
}

export function syntheticBatch(n: number, W: number, H: number, seed: number): Sample[] {
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

export function summarise(samples: number[], batch: number, flopsPerStep: number): StepTiming {
  const sorted = [...samples].sort((a, b) => a - b);
  const med = sorted[Math.floor(sorted.length / 2)];
  return { ms_per_step: med, ms_min: sorted[0], ms_max: sorted.at(-1)!, images_per_s: (1000 * batch) / med, gflops: flopsPerStep / (med * 1e6) };
}

/**
 * Sides timed step by step in rounds, the order rotated every round (ABC, BCA, CAB, ...), so a load change on a
 * shared machine hits every side alike; the warm-up rounds are not kept. Returns each side's step times, ms.
 */
export async function interleavedSteps(sides: { name: string; step(): Promise<void> }[], warmup: number, steps: number, log?: (s: string) => void): Promise<Map<string, number[]>> {
  const samples = new Map(sides.map((s) => [s.name, [] as number[]]));
  for (let r = 0; r < warmup + steps; r++)
    for (let j = 0; j < sides.length; j++) {
      const side = sides[(j + r) % sides.length]!;
      const t0 = performance.now();
      await side.step();
      const ms = performance.now() - t0;
      if (r >= warmup) samples.get(side.name)!.push(ms);
      log?.(`  round ${r}${r < warmup ? ' (warm-up)' : ''} ${side.name}: ${ms.toFixed(0)} ms`);
    }
  return samples;
}

/** One adapter limit the benchmark needs at a size, and what the adapter has. */
export interface LimitNeed {
  limit: string;
  needed: number;
  found: number;
}

/**
 * Limits a training step at this size needs: every activation is one storage binding (and one buffer), so the
 * largest layer output of the batch must fit both; the kernels' fixed workgroup shapes need the rest.
 * Returns only those the adapter falls short of (empty: the size can run).
 */
export function missingLimits(limits: Record<string, number>, config: UNetConfig, batch: number): LimitNeed[] {
  const largest = Math.max(...layerList(config).map((l) => l.outShape[0] * l.outShape[1] * l.outShape[2]), config.width * config.height * config.classes) * batch * 4;
  const needs: [string, number][] = [
    ['maxStorageBufferBindingSize', largest],
    ['maxBufferSize', largest],
    ['maxComputeInvocationsPerWorkgroup', 256],
    ['maxComputeWorkgroupSizeX', 256],
    ['maxComputeWorkgroupStorageSize', 8192],
  ];
  return needs.filter(([limit, needed]) => !((limits[limit] ?? 0) >= needed)).map(([limit, needed]) => ({ limit, needed, found: limits[limit] ?? NaN }));
}

export function describeMissing(m: LimitNeed[], what: string): string {
  return `${what} needs ${m.map((x) => `${x.limit} >= ${x.needed} (this adapter: ${Number.isFinite(x.found) ? x.found : 'not reported'})`).join(', ')}`;
}

/** Full training steps of spineseg, tfjs-backend-webgpu and jax-js (as asked), same model, weights, loss and batch, on one adapter, interleaved. */
export async function runTrainBench(o: TrainBenchOptions, host: TrainBenchHost, log: (s: string) => void = console.log): Promise<TrainBenchResult> {
  const g = await initGpu();
  const config = makeConfig({ width: o.width, height: o.height, widthMult: o.widthMult });
  const missing = missingLimits(g.adapter.limits, config, o.batch);
  if (missing.length) throw new Error(`${describeMissing(missing, `the U-Net at ${o.width}x${o.height} batch ${o.batch} width x${o.widthMult}`)}; choose a smaller size or batch`);
  if (o.tune) {
    const tuned = await runTune({ width: o.width, height: o.height, batch: o.batch, widthMult: o.widthMult, reps: 3 }, host.tuneStore ?? browserTuneStore, log);
    log(`tuned on this adapter: ${tuned.tuned.length} shape/pass choices, kept in ${tuned.where} and used for the steps below`);
  }
  const flopsPerStep = 3 * 2 * forwardMacs(config) * o.batch;
  const batch = syntheticBatch(o.batch, o.width, o.height, 1);
  const model = new UNet(config);
  const initial = await readParams(model);
  const opt = new Adam(model.trainable());
  let step = 0;
  const indices = batch.map((_, k) => k);
  const augParams = (s: number) => (o.augment ? drawBatchAugmentParams(o.augment, o.width, o.height, 1, s, indices) : undefined);
  const sides: { name: string; step(): Promise<void> }[] = [];
  const add = (name: string, step: () => Promise<void>) => sides.push({ name, step });
  add('spineseg', async () => {
    ++step;
    await trainStep(model, opt, batch, step, augParams(step));
    await g.sync();
  });
  let tfjsModel: TfjsUNet | null = null;
  let tfjsInputs: { dispose(): void }[] = [];
  if (o.tfjs) {
    const tf = await host.loadTf();
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
    tfjsInputs = [x, y];
    let seed = 0;
    add('tfjs-webgpu', async () => {
      const l = tfm.step(x, y, ++seed);
      await l.data();
      l.dispose();
    });
  }
  let jaxModel: JaxUNet | null = null;
  let jaxjsCheck: string | null = null;
  if (o.jaxjs) {
    if (!host.loadJax) throw new Error('--jaxjs: this host cannot load jax-js');
    const jax = await host.loadJax();
    // first the check on a small shape: a peer that computes something else is not timed
    const check = await checkJaxAgainstOurs(jax, { width: 48, height: 32, widthMult: 0.125 }, syntheticBatch(2, 48, 32, 3));
    jaxjsCheck = describeCheck(check);
    log(`jax-js check (48x32 x0.125, batch 2, dropout off): ${jaxjsCheck}`);
    const failed = jaxCheckFailure(check);
    if (failed) throw new Error(`jax-js does not compute our training step: ${failed}; not timing it`);
    const jm = buildJaxUNet(jax, config, initial, o.batch);
    jaxModel = jm;
    const { x, onehot } = jaxBatch(batch, config.classes);
    let seed = 0;
    add('jaxjs-webgpu', async () => {
      await jm.step(x, onehot, ++seed);
    });
  }
  log(`training step, U-Net ${o.width}x${o.height} width x${o.widthMult}, batch ${o.batch}: ${o.warmup} warm-up + ${o.steps} timed rounds of [${sides.map((s) => s.name).join(', ')}], interleaved step by step (order rotated per round) on ${adapterName(g.adapter)}`);
  try {
    const samples = await interleavedSteps(sides, o.warmup, o.steps, log);
    const ours = summarise(samples.get('spineseg')!, o.batch, flopsPerStep);
    const tfjs = o.tfjs ? summarise(samples.get('tfjs-webgpu')!, o.batch, flopsPerStep) : null;
    const jaxjs = o.jaxjs ? summarise(samples.get('jaxjs-webgpu')!, o.batch, flopsPerStep) : null;
    // interleaved pairs without / with augmentation (alternating which goes first), so a load change on a
    // shared machine hits both sides alike
    let augmentAB: TrainBenchResult['augmentAB'] = null;
    if (o.augment) {
      const plain: number[] = [];
      const augmented: number[] = [];
      const timed = async (withAug: boolean) => {
        const t0 = performance.now();
        ++step;
        await trainStep(model, opt, batch, step, withAug ? augParams(step) : undefined);
        await g.sync();
        (withAug ? augmented : plain).push(performance.now() - t0);
      };
      for (let i = 0; i < o.steps; i++) {
        const first = i % 2 === 0;
        await timed(!first);
        await timed(first);
      }
      const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      augmentAB = { level: o.augment.level, pairs: o.steps, plain_ms: med(plain), augmented_ms: med(augmented), overhead: med(augmented) / med(plain) - 1 };
      log(`augmentation '${o.augment.level}', ${o.steps} interleaved pairs: median ${augmentAB.plain_ms.toFixed(0)} ms/step without, ${augmentAB.augmented_ms.toFixed(0)} ms/step with (${(100 * augmentAB.overhead).toFixed(1)} %); pair ratios ${plain.map((p, i) => (augmented[i] / p).toFixed(3)).join(' ')}`);
    }
    let profile: { kernel: string; ms: number; dispatches: number }[] | null = null;
    if (o.profile) {
      g.beginProfile();
      ++step;
      await trainStep(model, opt, batch, step, augParams(step));
      profile = await g.endProfile();
      const total = profile.reduce((a, r) => a + r.ms, 0);
      log(`where one step's GPU time goes (timestamp queries, one pass per dispatch; total ${total.toFixed(0)} ms):`);
      for (const r of profile) log(`  ${r.kernel.padEnd(26)} ${r.ms.toFixed(1).padStart(9)} ms ${((100 * r.ms) / total).toFixed(1).padStart(5)} %  ${String(r.dispatches).padStart(4)} dispatches`);
    }
    const result: TrainBenchResult = {
      adapter: { ...g.adapter, name: adapterName(g.adapter) },
      date: new Date().toISOString(),
      settings: { size: `${o.width}x${o.height}`, batch: o.batch, widthMult: o.widthMult, steps: o.steps, warmup: o.warmup, convVariant: convVariant(), matmulVariant: matmulVariant(), augment: o.augment?.level ?? 'none' },
      augmentAB,
      flops_per_step: flopsPerStep,
      peak_pool_bytes: gpu().pool.stats().peakAllocatedBytes,
      ours,
      tfjs,
      ratio: tfjs ? tfjs.ms_per_step / ours.ms_per_step : null,
      jaxjs,
      jaxjsRatio: jaxjs ? jaxjs.ms_per_step / ours.ms_per_step : null,
      jaxjsCheck,
      profile,
    };
    const row = (name: string, t: StepTiming) => `${name.padEnd(12)} ${t.ms_per_step.toFixed(0).padStart(8)} ms/step (min ${t.ms_min.toFixed(0)}, max ${t.ms_max.toFixed(0)})  ${t.images_per_s.toFixed(2).padStart(7)} img/s  ${t.gflops.toFixed(2).padStart(6)} GFLOP/s`;
    log(row('spineseg', ours));
    if (tfjs) log(row('tfjs-webgpu', tfjs));
    if (jaxjs) log(row('jaxjs-webgpu', jaxjs));
    if (result.ratio) log(`speed-up over tfjs-backend-webgpu: ${result.ratio.toFixed(2)}x (median ms/step ratio)`);
    if (result.jaxjsRatio) log(`speed-up over jax-js: ${result.jaxjsRatio.toFixed(2)}x (median ms/step ratio)`);
    log(`peak pool memory: ${(result.peak_pool_bytes / 2 ** 20).toFixed(1)} MiB`);
    return result;
  } finally {
    opt.dispose();
    model.dispose();
    tfjsModel?.dispose();
    jaxModel?.dispose();
    for (const t of tfjsInputs) t.dispose();
  }
}

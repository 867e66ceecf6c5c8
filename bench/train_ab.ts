// Training steps of the paper's U-Net, several engines interleaved STEP BY STEP in one run (ABAB...,
// the order rotated every round) so that load changes on a shared machine hit every side alike:
//   ours          spineseg with its default conv choices (Winograd where src/kernels/conv_algorithm.ts says)
//   ours-direct   spineseg with every conv on the direct kernels and no fused epilogues (--direct): the engine
//                 before Winograd and fusion (issue 17)
//   ours-tuned    spineseg with this adapter's `spineseg tune` cache applied (--tuned); `ours` uses the built-in choices
//   ours-flushN   spineseg submitting every N dispatches instead of once per step (--flush-every N)
//   tfjs          tfjs-backend-webgpu on the same Dawn instance and adapter (--tfjs)
//   jaxjs         jax-js (@jax-js/jax) on its WebGPU backend over the same Dawn instance (--jaxjs): forward, gradient
//                 and Adam in one jit; bench/jaxjs-check.ts first checks its loss and gradients against ours
//   torch         PyTorch CPU, bench/gpu/unet_torch.py --serve in a child process (--torch; needs `import torch`)
import { median } from './stats.ts';
import { machineInfo } from './machine.ts';
import { syntheticBatch } from './train-core.ts';
// Waits: by default both WebGPU sides sleep through most of a known GPU wait (ours: Gpu.idleWait; tfjs: its
// queue is submitted, then a 0.8 x shortest-wait sleep before `await data()`; jax-js: the same after its jitted step
// is dispatched, see WaitEstimate), because Dawn's Node binding
// busy-polls while a promise is pending and that takes a core from lavapipe. --no-idle-waits turns both off
// (SPINESEG_IDLE_WAITS=0 does the same for ours anywhere). Reported per side: wall ms min / median, and
// process CPU ms (ours and tfjs share this process, measured per step; torch reports its own).
//   npx tsx bench/train_ab.ts [--size 160x128] [--batch 2] [--width-mult 1] [--steps 5] [--warmup 1]
//                            [--direct] [--tuned] [--flush-every N,M] [--tfjs] [--jaxjs] [--torch] [--torch-threads 2] [--python python3] [--no-idle-waits] [--json FILE]
import { writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { initGpu, adapterName } from '../src/runtime/gpu.ts';
import { UNet, makeConfig, forwardMacs } from '../src/model/unet.ts';
import { Adam } from '../src/graph/optim.ts';
import { trainStep, type Sample } from '../src/model/train.ts';
import { readParams } from '../src/model/weights.ts';
import { Rng } from '../src/util/random.ts';
import { setConvAlgorithm, setConvChoices } from '../src/kernels/conv_algorithm.ts';
import { applyTuneCache, adapterKey, TUNE_VERSION, type TuneCache } from '../src/kernels/autotune.ts';
import { nodeTuneStore } from '../src/app/tune-store-node.ts';
import { setFusedEpilogues } from '../src/kernels/epilogue.ts';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const flag = (name: string) => process.argv.includes(name);
const [width, height] = arg('--size', '160x128').split('x').map(Number);
const batchSize = Number(arg('--batch', '2'));
const widthMult = Number(arg('--width-mult', '1'));
const steps = Number(arg('--steps', '5'));
const warmup = Number(arg('--warmup', '1'));
const idleWaits = !flag('--no-idle-waits') && process.env.SPINESEG_IDLE_WAITS !== '0';

interface Side {
  name: string;
  step(): Promise<{ ms: number; cpuMs: number }>;
  close?(): void;
}

/**
 * The peers' share of the idle-wait treatment (ours: Gpu.idleWait): sleep 0.8 x the shortest wait seen so far,
 * after at least two, before awaiting the rest. The shortest, not the last: a warm-up wait that includes compiling
 * every pipeline (minutes for jax-js on lavapipe) would otherwise put a peer to sleep for minutes in the next round.
 */
class WaitEstimate {
  private waits: number[] = [];
  record(ms: number): void {
    this.waits.push(ms);
  }
  sleepMs(): number {
    if (this.waits.length < 2) return 0;
    const m = Math.min(...this.waits);
    return m > 4 ? 0.8 * m : 0;
  }
}

async function timed(fn: () => Promise<void>): Promise<{ ms: number; cpuMs: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { ms, cpuMs: (c.user + c.system) / 1000 };
}

async function torchSide(): Promise<Side> {
  const script = fileURLToPath(new URL('./gpu/unet_torch.py', import.meta.url));
  const args = [script, '--device', 'cpu', '--serve', '--size', `${width}x${height}`, '--batch', String(batchSize), '--width-mult', String(widthMult), '--threads', arg('--torch-threads', '2')];
  // --python: e.g. /usr/bin/python3 when Debian's python3-torch is installed but another python3 comes first on PATH
  const child = spawn(arg('--python', 'python3'), args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return {
    name: 'torch',
    async step() {
      child.stdin!.write('step\n');
      const next = await lines.next();
      if (next.done) throw new Error(`bench/gpu/unet_torch.py --serve ended (exit ${child.exitCode}); does \`python3 -c "import torch"\` work?`);
      const r = JSON.parse(next.value) as { ms: number; cpu_ms: number };
      return { ms: r.ms, cpuMs: r.cpu_ms };
    },
    close() {
      child.stdin!.end();
    },
  };
}

/** jax-js on the same Dawn instance, after its correctness check on a small shape; the same wait treatment as tfjs. */
async function jaxSide(config: ReturnType<typeof makeConfig>, initial: Awaited<ReturnType<typeof readParams>>, batch: Sample[]): Promise<Side> {
  const { loadJaxWebgpu } = await import('./jaxjs-baseline.ts');
  const { buildJaxUNet, jaxBatch } = await import('./unet-jaxjs.ts');
  const { checkJaxAgainstOurs, describeCheck, jaxCheckFailure } = await import('./jaxjs-check.ts');
  const jax = await loadJaxWebgpu();
  const check = await checkJaxAgainstOurs(jax, { width: 48, height: 32, widthMult: 0.125 }, syntheticBatch(2, 48, 32, 3));
  console.error(`jax-js check (48x32 x0.125, batch 2, dropout off): ${describeCheck(check)}`);
  const failed = jaxCheckFailure(check);
  if (failed) throw new Error(`jax-js does not compute our training step: ${failed}; not timing it`);
  const jm = buildJaxUNet(jax, config, initial, batchSize);
  const { x, onehot } = jaxBatch(batch, config.classes);
  let seed = 0;
  const waits = new WaitEstimate();
  return {
    name: 'jaxjs',
    step: () =>
      timed(async () => {
        let w0 = 0;
        await jm.step(x, onehot, ++seed, async () => {
          w0 = performance.now();
          if (idleWaits && waits.sleepMs() > 0) await new Promise((r) => setTimeout(r, waits.sleepMs()));
        });
        waits.record(performance.now() - w0);
      }),
    close: () => jm.dispose(),
  };
}

async function main(): Promise<void> {
  const g = await initGpu();
  g.idleWaits = idleWaits;
  const config = makeConfig({ width, height, widthMult });
  const flopsPerStep = 3 * 2 * forwardMacs(config) * batchSize;
  const batch = syntheticBatch(batchSize, width, height, 1);
  const model = new UNet(config);
  const initial = await readParams(model);
  const opt = new Adam(model.trainable());
  let stepNo = 0;
  const defaultFlush = g.flushEvery;
  const ours = (name: string, algorithm: 'direct' | null, flushEvery = defaultFlush, tuned: TuneCache | null = null): Side => ({
    name,
    step: () =>
      timed(async () => {
        if (tuned) applyTuneCache(tuned);
        setConvAlgorithm(algorithm);
        setFusedEpilogues(algorithm === 'direct' ? false : null);
        g.flushEvery = flushEvery;
        await trainStep(model, opt, batch, ++stepNo);
        await g.sync();
        g.flushEvery = defaultFlush;
        setConvAlgorithm(null);
        setFusedEpilogues(null);
        if (tuned) setConvChoices({});
      }),
  });
  const sides: Side[] = [ours('ours', null)];
  if (flag('--direct')) sides.push(ours('ours-direct', 'direct'));
  if (flag('--tuned')) {
    const cache = await nodeTuneStore.load(adapterKey(g.adapter));
    if (!cache || cache.version !== TUNE_VERSION) throw new Error(`--tuned: no current tune cache for this adapter (${nodeTuneStore.where(adapterKey(g.adapter))}); run spineseg tune first`);
    sides.push(ours('ours-tuned', null, defaultFlush, cache));
  }
  for (const n of arg('--flush-every', '').split(',').filter(Boolean).map(Number)) sides.push(ours(`ours-flush${n}`, null, n));
  if (flag('--tfjs')) {
    const { loadTfjsWebgpu } = await import('./tfjs-baseline.ts');
    const { buildTfjsUNet } = await import('./unet-tfjs.ts');
    const tf = await loadTfjsWebgpu();
    const tfm = buildTfjsUNet(tf, config, initial);
    const img = new Float32Array(batchSize * width * height);
    const onehot = new Float32Array(batchSize * width * height * config.classes);
    batch.forEach((s, k) => {
      img.set(s.image, k * s.image.length);
      s.labels.forEach((c, i) => (onehot[(k * s.labels.length + i) * config.classes + c] = 1));
    });
    const x = tf.tensor4d(img, [batchSize, height, width, 1]);
    const y = tf.tensor4d(onehot, [batchSize, height, width, config.classes]);
    let seed = 0;
    const waits = new WaitEstimate();
    const backend = tf.backend() as unknown as { endComputePassEncoder(): void; submitQueue(): void; commandEncoder: unknown };
    sides.push({
      name: 'tfjs',
      step: () =>
        timed(async () => {
          const l = tfm.step(x, y, ++seed);
          const w0 = performance.now();
          if (idleWaits && waits.sleepMs() > 0) {
            // the same treatment as Gpu.idleWait: submit, sleep 0.8 x the last wait, then await (and poll) the rest
            // end tfjs' open compute pass first, as its own read path does, or the submitted buffer is invalid
            backend.endComputePassEncoder();
            if (backend.commandEncoder) backend.submitQueue();
            await new Promise((r) => setTimeout(r, waits.sleepMs()));
          }
          await l.data();
          waits.record(performance.now() - w0);
          l.dispose();
        }),
    });
  }
  if (flag('--jaxjs')) sides.push(await jaxSide(config, initial, batch));
  if (flag('--torch')) sides.push(await torchSide());
  const adapter = adapterName(g.adapter);
  console.error(`U-Net ${width}x${height} x${widthMult}, batch ${batchSize}; ${warmup} warm-up + ${steps} rounds of [${sides.map((s) => s.name).join(', ')}], order rotated per round; idle waits ${idleWaits ? 'on (both WebGPU sides)' : 'off (both)'}; ${adapter}`);
  const wall = new Map(sides.map((s) => [s.name, [] as number[]]));
  const cpu = new Map(sides.map((s) => [s.name, [] as number[]]));
  for (let r = 0; r < warmup + steps; r++) {
    for (let j = 0; j < sides.length; j++) {
      const s = sides[(j + r) % sides.length];
      const t = await s.step();
      if (r >= warmup) {
        wall.get(s.name)!.push(t.ms);
        cpu.get(s.name)!.push(t.cpuMs);
      }
      console.error(`  round ${r}${r < warmup ? ' (warm-up)' : ''} ${s.name}: ${t.ms.toFixed(0)} ms wall, ${t.cpuMs.toFixed(0)} ms CPU`);
    }
  }
  sides.forEach((s) => s.close?.());
  const rows = sides.map((s) => ({
    side: s.name,
    wall_min: Math.min(...wall.get(s.name)!),
    wall_median: median(wall.get(s.name)!),
    cpu_median: median(cpu.get(s.name)!),
    gflops: flopsPerStep / (median(wall.get(s.name)!) * 1e6),
  }));
  const base = rows[0];
  console.log(`\n| side | wall ms min | wall ms median | CPU ms median | GFLOP/s (median) | median wall vs ours |`);
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.side} | ${r.wall_min.toFixed(0)} | ${r.wall_median.toFixed(0)} | ${r.cpu_median.toFixed(0)} | ${r.gflops.toFixed(2)} | ${(r.wall_median / base.wall_median).toFixed(2)}x |`);
  const json = arg('--json', '');
  if (json) writeFileSync(json, JSON.stringify({ adapter, machine: machineInfo(g.adapter), date: new Date().toISOString(), size: `${width}x${height}`, batch: batchSize, widthMult, steps, warmup, idleWaits, rows, samples: Object.fromEntries(sides.map((s) => [s.name, { wall: wall.get(s.name), cpu: cpu.get(s.name) }])) }, null, 2) + '\n');
  opt.dispose();
  model.dispose();
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);

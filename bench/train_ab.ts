// Training steps of the paper's U-Net, several engines interleaved STEP BY STEP in one run (ABAB...,
// the order rotated every round) so that load changes on a shared machine hit every side alike:
//   ours          spineseg with its default conv choices (Winograd where src/kernels/conv_algorithm.ts says)
//   ours-direct   spineseg with every conv on the direct kernels and no fused epilogues (--direct): the engine
//                 before Winograd and fusion (issue 17)
//   ours-tuned    spineseg with this adapter's `spineseg tune` cache applied (--tuned); `ours` uses the built-in choices
//   ours-f2dw     spineseg with the filter gradients that default to Winograd F(4x4) as F(2x2) instead (--f2-filter-grad)
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
// is dispatched, see WaitEstimate), and after such a sleep Dawn polls the rest through a 1 ms timer
// (throttledPolling, src/runtime/gpu.ts), because Dawn's Node binding
// busy-polls while a promise is pending and that takes a core from lavapipe. --no-idle-waits turns both off
// (SPINESEG_IDLE_WAITS=0 does the same for ours anywhere). Reported per side: wall ms min / median, and
// process CPU ms (ours and tfjs share this process, measured per step; torch reports its own).
// Flags are parsed strictly by bench/args.ts (--help lists them); each side's settings are a withSettings scope.
//   npx tsx bench/train_ab.ts [--size 128x160] [--batch 2] [--width-mult 1] [--steps 5] [--warmup 1]
//                            [--direct] [--tuned] [--f2-filter-grad] [--flush-every N,M] [--tfjs] [--jaxjs] [--torch] [--torch-threads 2] [--python python3] [--no-idle-waits] [--json FILE]
import { writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { initGpu, adapterName, throttledPolling } from '../src/runtime/gpu.ts';
import { UNet, makeConfig, forwardMacs, unetConv3x3Shapes } from '../src/model/unet.ts';
import { convChoice, convShapeKey, type ConvChoice } from '../src/kernels/conv_algorithm.ts';
import { Adam } from '../src/graph/optim.ts';
import { trainStep, type Sample } from '../src/model/train.ts';
import { readParams } from '../src/model/weights.ts';
import { Rng } from '../src/util/random.ts';
import { tuneChoices, adapterKey, TUNE_VERSION, type TuneCache } from '../src/kernels/autotune.ts';
import { nodeTuneStore } from '../src/app/tune-store-node.ts';
import { setting, withSettings, type Settings } from '../src/runtime/settings.ts';
import { DEFAULT_MODEL_SIZE } from '../src/cli/options.ts';
import { benchMain, type BenchArgs } from './args.ts';

export const trainAbFlags = {
  '--size': { kind: 'size', doc: 'network input WIDTHxHEIGHT', default: DEFAULT_MODEL_SIZE },
  '--batch': { kind: 'number', doc: 'batch size', default: 2, min: 1, integer: true },
  '--width-mult': { kind: 'number', doc: 'channel width multiplier', default: 1, min: 0.01 },
  '--steps': { kind: 'number', doc: 'timed rounds', default: 5, min: 1, integer: true },
  '--warmup': { kind: 'number', doc: 'warm-up rounds', default: 1, min: 0, integer: true },
  '--direct': { kind: 'boolean', doc: 'also ours with every conv direct and no fused epilogues' },
  '--tuned': { kind: 'boolean', doc: "also ours with this adapter's `spineseg tune` cache" },
  '--f2-filter-grad': { kind: 'boolean', doc: 'also ours with every Winograd filter gradient as F(2x2, 3x3) (the default before F(4x4) filter gradients)' },
  '--flush-every': { kind: 'numbers', doc: 'also ours submitting every N dispatches, per N', min: 0, integer: true },
  '--tfjs': { kind: 'boolean', doc: 'also tfjs-backend-webgpu' },
  '--jaxjs': { kind: 'boolean', doc: 'also jax-js' },
  '--torch': { kind: 'boolean', doc: 'also PyTorch CPU (bench/gpu/unet_torch.py)' },
  '--torch-threads': { kind: 'number', doc: "PyTorch's threads", default: 2, min: 1, integer: true },
  '--python': { kind: 'string', doc: 'the python that has torch', default: 'python3' },
  '--no-idle-waits': { kind: 'boolean', doc: 'plain awaits on both WebGPU sides' },
  '--json': { kind: 'string', doc: 'write the results here' },
} as const;
export type TrainAbOptions = BenchArgs<typeof trainAbFlags>;

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

async function torchSide(o: TrainAbOptions): Promise<Side> {
  const script = fileURLToPath(new URL('./gpu/unet_torch.py', import.meta.url));
  const args = [script, '--device', 'cpu', '--serve', '--size', `${o.size.width}x${o.size.height}`, '--batch', String(o.batch), '--width-mult', String(o.widthMult), '--threads', String(o.torchThreads)];
  // --python: e.g. /usr/bin/python3 when Debian's python3-torch is installed but another python3 comes first on PATH
  const child = spawn(o.python, args, { stdio: ['pipe', 'pipe', 'inherit'] });
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
async function jaxSide(config: ReturnType<typeof makeConfig>, initial: Awaited<ReturnType<typeof readParams>>, batch: Sample[], idleWaits: boolean): Promise<Side> {
  const { loadJaxWebgpu } = await import('./jaxjs-baseline.ts');
  const { buildJaxUNet, jaxBatch } = await import('./unet-jaxjs.ts');
  const { checkJaxAgainstOurs, describeCheck, jaxCheckFailure } = await import('./jaxjs-check.ts');
  const jax = await loadJaxWebgpu();
  const check = await checkJaxAgainstOurs(jax, { width: 48, height: 32, widthMult: 0.125 }, syntheticBatch(2, 48, 32, 3));
  console.error(`jax-js check (48x32 x0.125, batch 2, dropout off): ${describeCheck(check)}`);
  const failed = jaxCheckFailure(check);
  if (failed) throw new Error(`jax-js does not compute our training step: ${failed}; not timing it`);
  const jm = buildJaxUNet(jax, config, initial, batch.length);
  const { x, onehot } = jaxBatch(batch, config.classes);
  let seed = 0;
  const waits = new WaitEstimate();
  return {
    name: 'jaxjs',
    step: () =>
      timed(async () => {
        let w0 = 0;
        let slept = false;
        await jm.step(
          x,
          onehot,
          ++seed,
          async () => {
            w0 = performance.now();
            slept = idleWaits && waits.sleepMs() > 0;
            if (slept) await new Promise((r) => setTimeout(r, waits.sleepMs()));
          },
          // after a sleep, Dawn polls the rest through a 1 ms timer, as in Gpu.idleWait
          (read) => (slept ? throttledPolling(read) : read()),
        );
        waits.record(performance.now() - w0);
      }),
    close: () => jm.dispose(),
  };
}

/** The interleaved run; idle waits (ours and the peers' share) are on unless --no-idle-waits or the idleWaits setting says off. */
export async function run(o: TrainAbOptions): Promise<void> {
  const idleWaits = !o.noIdleWaits && setting('idleWaits');
  await withSettings({ idleWaits }, () => interleaved(o, idleWaits));
}

async function interleaved(o: TrainAbOptions, idleWaits: boolean): Promise<void> {
  const { width, height } = o.size;
  const { batch: batchSize, widthMult, steps, warmup } = o;
  const g = await initGpu();
  const config = makeConfig({ width, height, widthMult });
  const flopsPerStep = 3 * 2 * forwardMacs(config) * batchSize;
  const batch = syntheticBatch(batchSize, width, height, 1);
  const model = new UNet(config);
  const initial = await readParams(model);
  const opt = new Adam(model.trainable());
  let stepNo = 0;
  const ours = (name: string, algorithm: 'direct' | null, flushEvery?: number, tuned: TuneCache | null = null, choices: Record<string, ConvChoice> | null = null): Side => {
    // the side's settings, only inside its steps; 'ours' keeps the process's (SPINESEG_* or defaults)
    const scope: Partial<Settings> = {
      ...(algorithm ? { convAlgorithm: algorithm, fusedEpilogues: false } : {}),
      ...(flushEvery !== undefined ? { flushEvery } : {}),
      ...(tuned ? { convChoices: tuneChoices(tuned) } : {}),
      ...(choices ? { convChoices: choices } : {}),
    };
    return {
      name,
      step: () =>
        timed(() =>
          withSettings(scope, async () => {
            await trainStep(model, opt, batch, ++stepNo);
            await g.sync();
          }),
        ),
    };
  };
  const sides: Side[] = [ours('ours', null)];
  if (o.direct) sides.push(ours('ours-direct', 'direct'));
  if (o.tuned) {
    const cache = await nodeTuneStore.load(adapterKey(g.adapter));
    if (!cache || cache.version !== TUNE_VERSION) throw new Error(`--tuned: no current tune cache for this adapter (${nodeTuneStore.where(adapterKey(g.adapter))}); run spineseg tune first`);
    sides.push(ours('ours-tuned', null, undefined, cache));
  }
  if (o.f2FilterGrad) {
    // the built-in choice of every filter gradient, with F(4x4) replaced by F(2x2)
    const choices: Record<string, ConvChoice> = {};
    for (const s of unetConv3x3Shapes(width, height, batchSize, widthMult)) {
      const c = convChoice('filter-grad', s.N, s.H, s.W, s.C, s.O);
      if (c.algorithm === 'winograd' && c.tile === 4) choices[convShapeKey('filter-grad', s.N, s.H, s.W, s.C, s.O)] = { ...c, tile: 2 };
    }
    console.error(`ours-f2dw: ${Object.keys(choices).length} filter gradients as F(2x2) instead of F(4x4)`);
    sides.push(ours('ours-f2dw', null, undefined, null, choices));
  }
  for (const n of o.flushEvery) sides.push(ours(`ours-flush${n}`, null, n));
  if (o.tfjs) {
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
          const slept = idleWaits && waits.sleepMs() > 0;
          if (slept) {
            // the same treatment as Gpu.idleWait: submit, sleep 0.8 x the last wait, then await the rest with Dawn
            // polling through a 1 ms timer (throttledPolling); end tfjs' open compute pass first, as its own read path
            // does, or the submitted buffer is invalid
            backend.endComputePassEncoder();
            if (backend.commandEncoder) backend.submitQueue();
            await new Promise((r) => setTimeout(r, waits.sleepMs()));
          }
          await (slept ? throttledPolling(() => l.data()) : l.data());
          waits.record(performance.now() - w0);
          l.dispose();
        }),
    });
  }
  if (o.jaxjs) sides.push(await jaxSide(config, initial, batch, idleWaits));
  if (o.torch) sides.push(await torchSide(o));
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
  const json = o.json;
  if (json) writeFileSync(json, JSON.stringify({ adapter, machine: machineInfo(g.adapter), date: new Date().toISOString(), size: `${width}x${height}`, batch: batchSize, widthMult, steps, warmup, idleWaits, rows, samples: Object.fromEntries(sides.map((s) => [s.name, { wall: wall.get(s.name), cpu: cpu.get(s.name) }])) }, null, 2) + '\n');
  opt.dispose();
  model.dispose();
}

benchMain(import.meta, 'bench/train_ab.ts', trainAbFlags, run);

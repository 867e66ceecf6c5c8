// `spineseg bench train`: full training steps (forward, fused loss, backward, Adam) of the paper's U-Net,
// spineseg against the same model in tfjs-backend-webgpu (and jax-js with --jaxjs), in one process on one adapter.
// The benchmark itself is bench/train-core.ts (the web app's Benchmark tab runs the same code); this file
// only brings tfjs up on Node's Dawn instance and writes the JSON.
import { writeFileSync } from 'node:fs';
import { runTrainBench, type TrainBenchOptions as CoreOptions, type TrainBenchResult } from './train-core.ts';
import { loadNodeTuning, nodeTuneStore } from '../src/app/tune-store-node.ts';
import { initGpu } from '../src/runtime/gpu.ts';
import { machineInfo } from './machine.ts';

export type { StepTiming, TrainBenchResult } from './train-core.ts';

export interface TrainBenchOptions extends CoreOptions {
  /** also time PyTorch CPU with this python (bench/gpu/unet_torch.py --device cpu; same model, loss, steps) */
  torch?: string;
}

export async function benchTrain(o: TrainBenchOptions, log: (s: string) => void = console.log): Promise<TrainBenchResult> {
  await initGpu();
  // the per-shape conv choices of `spineseg tune`, when this adapter has a cache (SPINESEG_TUNE_DIR=off: none)
  const tuning = await loadNodeTuning();
  log(tuning ? `conv choices from the tune cache (${Object.keys(tuning.choices).length} shape/pass entries, ${tuning.date})` : 'no tune cache for this adapter: built-in conv choices');
  const result = await runTrainBench(
    o,
    {
      async loadTf() {
        const { loadTfjsWebgpu } = await import('./tfjs-baseline.ts');
        return loadTfjsWebgpu();
      },
      async loadJax() {
        const { loadJaxWebgpu } = await import('./jaxjs-baseline.ts');
        return loadJaxWebgpu();
      },
      tuneStore: nodeTuneStore,
    },
    log,
  );
  // --tune wrote a new cache (runTune): record the date of the one the timed steps used
  const used = o.tune ? await loadNodeTuning() : tuning;
  (result.settings as Record<string, unknown>).tuneCache = used?.date ?? null;
  result.machine = machineInfo(result.adapter);
  if (o.torch) {
    // a separate process after ours (bench/train_ab.ts --torch interleaves step by step instead)
    const { spawnSync } = await import('node:child_process');
    const script = new URL('./gpu/unet_torch.py', import.meta.url).pathname;
    const r = spawnSync(o.torch, [script, '--device', 'cpu', '--threads', '2', '--size', `${o.width}x${o.height}`, '--batch', String(o.batch), '--width-mult', String(o.widthMult), '--steps', String(o.steps), '--warmup', String(o.warmup)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`bench/gpu/unet_torch.py failed (exit ${r.status}): ${(r.stderr || '').trim().split('\n').at(-1)}`);
    const t = JSON.parse(r.stdout) as { ms_per_step: number; ms_min: number; ms_max: number; framework: string };
    const flops = result.flops_per_step;
    const torch = { ms_per_step: t.ms_per_step, ms_min: t.ms_min, ms_max: t.ms_max, images_per_s: (1000 * o.batch) / t.ms_per_step, gflops: flops / t.ms_per_step / 1e6, framework: t.framework };
    (result as unknown as Record<string, unknown>).torch = torch;
    log(`pytorch-cpu  ${t.ms_per_step.toFixed(0).padStart(8)} ms/step (min ${t.ms_min.toFixed(0)}, max ${t.ms_max.toFixed(0)})  ours / torch ${(result.ours.ms_per_step / t.ms_per_step).toFixed(2)}x`);
  }
  if (o.json) writeFileSync(o.json, JSON.stringify(result, null, 2));
  return result;
}

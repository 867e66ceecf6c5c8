// `spineseg bench memory`: a long training run (a small model on the built-in sample, a validation pass every
// 100 steps as epochs do) that samples the GPU buffer pool and the process RSS at the start, step 1, step 100,
// the middle and the end. The aim: pooled bytes and RSS flat (within 5 %) from step 100 to the end.
import { writeFileSync } from 'node:fs';
import { initGpu, adapterName, gpu } from '../src/runtime/gpu.ts';
import { UNet, makeConfig } from '../src/model/unet.ts';
import { Adam } from '../src/graph/optim.ts';
import { trainStep, evaluateModel } from '../src/model/train.ts';
import { loadSliceDataset, patientSplit, sampleDataRoot } from '../src/pipeline/dataset.ts';

export interface MemoryBenchOptions {
  steps: number;
  width: number;
  height: number;
  widthMult: number;
  batch: number;
  data?: string;
  json?: string;
}

export interface MemorySample {
  at: string;
  step: number;
  liveBuffers: number;
  liveBytes: number;
  pooledBytes: number;
  freeBuffers: number;
  bufferCreations: number;
  /** small uniform buffers the device keeps outside the pool (one per distinct parameter block, up to 4096) */
  uniformBuffers: number;
  rssBytes: number;
  heapUsedBytes: number;
  seconds: number;
}

const MiB = (b: number) => (b / 2 ** 20).toFixed(2);

export async function benchMemory(o: MemoryBenchOptions): Promise<{ adapter: string; samples: MemorySample[]; drift: { pooledPct: number; rssPct: number; liveBuffers: number } }> {
  const g = await initGpu();
  const samples = loadSliceDataset(o.data ?? sampleDataRoot(), { width: o.width, height: o.height });
  const { train, val } = patientSplit(samples, { valFraction: 0.25, seed: 7 });
  const model = new UNet(makeConfig({ width: o.width, height: o.height, widthMult: o.widthMult, bnMomentum: 0.9, seed: 7 }));
  const opt = new Adam(model.trainable(), { lr: 1e-3 });
  const t0 = performance.now();
  const points: MemorySample[] = [];
  const sample = async (at: string, step: number) => {
    await gpu().sync();
    // RSS after a collection, so garbage not yet collected does not pass for growth
    (globalThis as { gc?: () => void }).gc?.();
    const s = g.pool.stats();
    const m = process.memoryUsage();
    points.push({ at, step, liveBuffers: s.liveBuffers, liveBytes: s.liveBytes, pooledBytes: s.allocatedBytes, freeBuffers: s.freeBuffers, bufferCreations: s.creations, uniformBuffers: g.cachedUniformBuffers, rssBytes: m.rss, heapUsedBytes: m.heapUsed, seconds: (performance.now() - t0) / 1000 });
  };
  await sample('start (model and optimizer made)', 0);
  const middle = Math.round(o.steps / 2);
  // extra points early on show where the warm-up growth happens (before and after the first validation pass)
  const marks = new Map<number, string>([[middle, 'middle'], [1, 'step 1'], [2, 'step 2'], [10, 'step 10'], [50, 'step 50'], [99, 'step 99 (no validation yet)'], [100, 'step 100 (after the first validation)'], [o.steps, 'end']]);
  for (let step = 1; step <= o.steps; step++) {
    const batch = Array.from({ length: o.batch }, (_, k) => train[(step * o.batch + k * 7) % train.length]);
    const loss = await trainStep(model, opt, batch, step);
    if (!Number.isFinite(loss)) throw new Error(`bench memory: loss ${loss} at step ${step}`);
    // a validation pass every 100 steps, as an epoch ends with one
    if (step % 100 === 0) await evaluateModel(model, val.slice(0, 8), o.batch);
    const mark = marks.get(step);
    if (mark) await sample(mark, step);
    if (step % 100 === 0) process.stderr.write(`\rstep ${step}/${o.steps} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
  process.stderr.write('\n');
  opt.dispose();
  model.dispose();
  const at100 = points.find((p) => p.step === Math.min(100, o.steps))!;
  const end = points.at(-1)!;
  const drift = {
    pooledPct: (100 * (end.pooledBytes - at100.pooledBytes)) / at100.pooledBytes,
    rssPct: (100 * (end.rssBytes - at100.rssBytes)) / at100.rssBytes,
    liveBuffers: end.liveBuffers - at100.liveBuffers,
  };
  const adapter = adapterName(g.adapter);
  console.log(`spineseg bench memory: ${o.steps} training steps, ${o.width}x${o.height}, width x${o.widthMult}, batch ${o.batch}, on ${adapter}`);
  console.log('| point | step | live buffers | live MiB | pooled MiB | free buffers | buffers created | uniform buffers | RSS MiB | JS heap MiB | s |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const p of points) console.log(`| ${p.at} | ${p.step} | ${p.liveBuffers} | ${MiB(p.liveBytes)} | ${MiB(p.pooledBytes)} | ${p.freeBuffers} | ${p.bufferCreations} | ${p.uniformBuffers} | ${MiB(p.rssBytes)} | ${MiB(p.heapUsedBytes)} | ${p.seconds.toFixed(0)} |`);
  console.log(`step ${at100.step} -> ${end.step}: pooled bytes ${drift.pooledPct >= 0 ? '+' : ''}${drift.pooledPct.toFixed(2)} %, RSS ${drift.rssPct >= 0 ? '+' : ''}${drift.rssPct.toFixed(2)} %, live buffers ${drift.liveBuffers >= 0 ? '+' : ''}${drift.liveBuffers} (aim: within 5 %)`);
  const result = { adapter, options: o, samples: points, drift };
  if (o.json) writeFileSync(o.json, JSON.stringify(result, null, 2));
  return result;
}

// GPU metrics pipeline (confusion counts + exact EDT surface distances -> IoU, Dice, P, R, F1, ASD, HD95,
// NSD per class) against the TypeScript reference on the same label maps.
// Baseline: src/reference/metrics.ts with the CPU separable exact EDT (Felzenszwalb-Huttenlocher, float64,
// O(voxels) per axis over the whole image as scipy's distance_transform_edt does; NOT the brute-force
// EDT, which is only for tiny test masks). The GPU side is evaluateCases() end to end: label upload,
// kernels, read back of the confusion counts and the surface distances only.
// Usage: npx tsx bench/metrics.ts [--slices 8] [--volume-slices 16] [--iterations 3] [--json FILE]
import { Bench } from 'tinybench';
import fs, { writeFileSync } from 'node:fs';
import path from 'node:path';
import { initGpu, adapterName } from '../src/runtime/gpu.ts';
import { evaluateCases, type EvalCase } from '../src/metrics/evaluate.ts';
import { readPngLabels } from '../src/metrics/label-files.ts';
import * as ref from '../src/reference/metrics.ts';
import { defaultDataRoot } from '../src/pipeline/dataset.ts';
import { setting } from '../src/runtime/settings.ts';
import { benchMain, type BenchArgs } from './args.ts';

const tau = 1;
const spacing2d: [number, number, number] = [1, 0.6, 0.6];

export const metricsFlags = {
  '--slices': { kind: 'number', doc: '2-D cases', default: 8, min: 1, integer: true },
  '--volume-slices': { kind: 'number', doc: 'slices of the 3-D case', default: 16, min: 1, integer: true },
  '--iterations': { kind: 'number', doc: 'timed iterations', default: 3, min: 1, integer: true },
  '--masks': { kind: 'string', doc: "the 512x640 masks of the SPIDER T2-SPACE PNG export (default: the dataRoot setting's masks/)" },
  '--json': { kind: 'string', doc: 'write the rows here' },
} as const;
export type MetricsOptions = BenchArgs<typeof metricsFlags>;

export async function run(o: MetricsOptions): Promise<void> {
  const { slices, volumeSlices, iterations, json: jsonPath } = o;
  const g = await initGpu();
  // an optional larger benchmark: full-resolution masks of the SPIDER T2-SPACE PNG export (not in the repository)
  const masks = path.resolve(o.masks ?? path.join(defaultDataRoot(undefined, setting('dataRoot')), 'masks'));
  if (!fs.existsSync(path.join(masks, '110_t2_SPACE_slice51.png'))) {
    throw new Error(`${masks}: no 110_t2_SPACE_slice51.png; this benchmark needs the 512x640 masks of the SPIDER T2-SPACE PNG export (SPIDER: Zenodo record 10159290, https://doi.org/10.5281/zenodo.10159290); pass --masks DIR`);
  }
  // patient 110's slices: truth = slice n, "prediction" = slice n + 1 (a realistic, imperfect overlap)
  const first = 51;
  const load = (n: number) => readPngLabels(path.join(masks, `110_t2_SPACE_slice${n}.png`));
  const needed = Math.max(slices, volumeSlices) + 1;
  const loaded = Array.from({ length: needed }, (_, k) => load(first + k));
  const [, H, W] = loaded[0].dims;

  const cases2d: EvalCase[] = Array.from({ length: slices }, (_, k) => ({ name: `slice${first + k}`, pred: loaded[k + 1].data, truth: loaded[k].data, dims: [1, H, W], spacing: spacing2d }));
  const stack = (from: number) => {
    const out = new Uint8Array(volumeSlices * H * W);
    for (let k = 0; k < volumeSlices; k++) out.set(loaded[from + k].data, k * H * W);
    return out;
  };
  const volume: EvalCase = { name: 'patient110', pred: stack(1), truth: stack(0), dims: [volumeSlices, H, W], spacing: [3.3, 0.6, 0.6] };

  /** The TS reference; `crop` first cuts each class to its box (+1 voxel), the trick the GPU side also uses. */
  function referenceEvaluate(cases: EvalCase[], crop = false): number {
    let checksum = 0;
    for (const c of cases) {
      const cm = ref.referenceConfusion(c.pred, c.truth, 4);
      for (let cls = 1; cls < 4; cls++) {
        const o = ref.referenceClassScores(cm, 4, cls);
        let s;
        if (crop) {
          const box = ref.cropToClassBox(c.pred, c.truth, c.dims, cls);
          s = box ? ref.referenceSurfaceScores(box.pred, box.truth, box.shape, c.spacing, 1, tau, ref.separableEdt) : { asd: null };
        } else s = ref.referenceSurfaceScores(c.pred, c.truth, c.dims, c.spacing, cls, tau, ref.separableEdt);
        checksum += (o.dice ?? 0) + (s.asd ?? 0);
      }
    }
    return checksum;
  }

  async function gpuEvaluate(cases: EvalCase[]): Promise<number> {
    const r = await evaluateCases(cases, { tauMm: tau });
    return r.reduce((a, c) => a + c.classes.reduce((b, k) => b + (k.dice ?? 0) + (k.asd ?? 0), 0), 0);
  }

  // the two must agree before they are timed
  const want2d = referenceEvaluate(cases2d);
  const got2d = await gpuEvaluate(cases2d);
  const want3d = referenceEvaluate([volume]);
  const cropped = [referenceEvaluate(cases2d, true), referenceEvaluate([volume], true)];
  if (Math.abs(cropped[0] - want2d) > 1e-9 * want2d || Math.abs(cropped[1] - want3d) > 1e-9 * want3d) throw new Error(`cropped reference disagrees: ${cropped} vs ${want2d}, ${want3d}`);
  const got3d = await gpuEvaluate([volume]);
  if (Math.abs(want2d - got2d) > 1e-3 * Math.abs(want2d) || Math.abs(want3d - got3d) > 1e-3 * Math.abs(want3d)) {
    throw new Error(`GPU and reference disagree: 2-D ${got2d} vs ${want2d}, 3-D ${got3d} vs ${want3d}`);
  }

  // process CPU time (all threads, lavapipe's workers included) beside wall time: on a shared machine the
  // wall-clock ratio moves with the load of other processes, the CPU time much less
  const cpuMs = new Map<string, number[]>();
  function timed(name: string, fn: () => unknown): [string, () => Promise<void>] {
    return [
      name,
      async () => {
        const c0 = process.cpuUsage();
        await fn();
        const c = process.cpuUsage(c0);
        cpuMs.set(name, [...(cpuMs.get(name) ?? []), (c.user + c.system) / 1000]);
      },
    ];
  }
  const bench = new Bench({ iterations, warmupIterations: 1, time: 0, warmupTime: 0 });
  for (const [name, fn] of [
    timed('gpu 2-D', () => gpuEvaluate(cases2d)),
    timed('ts reference 2-D', () => referenceEvaluate(cases2d)),
    timed('ts cropped reference 2-D', () => referenceEvaluate(cases2d, true)),
    timed('gpu 3-D', () => gpuEvaluate([volume])),
    timed('ts reference 3-D', () => referenceEvaluate([volume])),
    timed('ts cropped reference 3-D', () => referenceEvaluate([volume], true)),
  ]) {
    bench.add(name, fn);
  }
  await bench.run();
  const medianCpu = (name: string) => {
    const xs = [...(cpuMs.get(name) ?? [])].sort((a, b) => a - b);
    return xs[Math.floor(xs.length / 2)] ?? NaN;
  };

  const median = (name: string) => {
    const t = bench.tasks.find((x) => x.name === name)!;
    const r = t.result as unknown as { latency?: { p50?: number }; period?: number };
    return r.latency?.p50 ?? r.period ?? NaN;
  };
  const rows = [
    { what: `2-D: ${slices} slices ${H}x${W}`, gpuMs: median('gpu 2-D'), refMs: median('ts reference 2-D'), cropMs: median('ts cropped reference 2-D'), gpuCpu: medianCpu('gpu 2-D'), refCpu: medianCpu('ts reference 2-D'), cropCpu: medianCpu('ts cropped reference 2-D') },
    { what: `3-D: ${volumeSlices}x${H}x${W} volume`, gpuMs: median('gpu 3-D'), refMs: median('ts reference 3-D'), cropMs: median('ts cropped reference 3-D'), gpuCpu: medianCpu('gpu 3-D'), refCpu: medianCpu('ts reference 3-D'), cropCpu: medianCpu('ts cropped reference 3-D') },
  ];
  console.log(`metrics (IoU, Dice, P, R, F1, ASD, HD95, NSD) on ${adapterName(g.adapter)}, median of ${iterations}`);
  console.log('baseline: TS reference with the CPU separable exact EDT (Felzenszwalb-Huttenlocher, float64), single thread;');
  console.log('  "whole image" runs the EDT over every pixel as scipy does; "class box" first crops each class to its box (+1 voxel) as the GPU side does');
  console.log(`  3 classes each; wall = median wall-clock ms, cpu = median process CPU ms (all threads); load average now ${(await import('node:os')).loadavg()[0].toFixed(1)}`);
  console.table(
    rows.map((r) => ({
      case: r.what,
      'gpu wall': r.gpuMs.toFixed(0),
      'ref wall': r.refMs.toFixed(0),
      'speed-up (wall)': `${(r.refMs / r.gpuMs).toFixed(1)}x`,
      'box ref wall': r.cropMs.toFixed(0),
      'vs box ref (wall)': `${(r.cropMs / r.gpuMs).toFixed(1)}x`,
      'gpu cpu': r.gpuCpu.toFixed(0),
      'ref cpu': r.refCpu.toFixed(0),
      'speed-up (cpu)': `${(r.refCpu / r.gpuCpu).toFixed(1)}x`,
    })),
  );
  if (jsonPath) writeFileSync(jsonPath, JSON.stringify({ adapter: g.adapter, loadAverage: (await import('node:os')).loadavg(), rows }, null, 2));
}

benchMain(import.meta, 'bench/metrics.ts', metricsFlags, run);

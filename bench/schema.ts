// The JSON schemas of `spineseg bench train --json` and `bench kernels --json` (also what the web app's Benchmark tab
// downloads), checked field by field: `bench compare` refuses a malformed file naming the file and the field, and the
// browser test checks the page's JSON with the same code. No node: imports.
import type { TrainBenchResult, StepTiming } from './train-core.ts';
import type { KernelBenchResult, KernelRow } from './kernels-core.ts';
import { median } from './stats.ts';

/**
 * A bench JSON's CPU as one line: "AMD EPYC (2 cores; AuthenticAMD family 26 model 2 ...; lavapipe threads 4 (...))"
 * (cpuId, lavapipeThreads: src/app/machine.ts; results recorded before 2026-12-07 have no thread count).
 */
export function describeCpu(m: { cpu: string; cores: number; cpuId?: string | null; lavapipeThreads?: string | null }): string {
  return `${m.cpu} (${m.cores} cores${m.cpuId ? `; ${m.cpuId}` : ''}${m.lavapipeThreads ? `; lavapipe threads ${m.lavapipeThreads}` : ''})`;
}

export class BenchSchemaError extends Error {}

type Obj = Record<string, unknown>;

const shown = (v: unknown) => (v === undefined ? 'nothing' : JSON.stringify(v)?.slice(0, 60) ?? String(v));

class Checker {
  constructor(private file: string) {}

  fail(field: string, want: string, v: unknown): never {
    throw new BenchSchemaError(`${this.file}: field '${field}' must be ${want}, found ${shown(v)}`);
  }

  object(v: unknown, field: string): Obj {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(field, 'an object', v);
    return v as Obj;
  }

  string(o: Obj, key: string, path: string, nonEmpty = false): string {
    const v = o[key];
    if (typeof v !== 'string' || (nonEmpty && v.length === 0)) this.fail(path + key, nonEmpty ? 'a non-empty string' : 'a string', v);
    return v;
  }

  positive(o: Obj, key: string, path: string, { integer = false, zero = false } = {}): number {
    const v = o[key];
    const ok = typeof v === 'number' && Number.isFinite(v) && (zero ? v >= 0 : v > 0) && (!integer || Number.isInteger(v));
    if (!ok) this.fail(path + key, `a${integer ? 'n integer' : ' finite number'} ${zero ? '>= 0' : '> 0'}`, v);
    return v as number;
  }

  timing(v: unknown, field: string): StepTiming {
    const o = this.object(v, field);
    for (const k of ['ms_per_step', 'ms_min', 'ms_max', 'images_per_s', 'gflops']) this.positive(o, k, `${field}.`);
    if (!((o.ms_min as number) <= (o.ms_per_step as number) && (o.ms_per_step as number) <= (o.ms_max as number))) this.fail(`${field}.ms_per_step`, `between ms_min (${o.ms_min}) and ms_max (${o.ms_max})`, o.ms_per_step);
    return o as unknown as StepTiming;
  }
}

/** Checks a parsed `bench train --json` result; throws BenchSchemaError naming `file` and the first bad field. */
export function checkTrainResult(v: unknown, file: string): TrainBenchResult {
  const c = new Checker(file);
  const r = c.object(v, '(top level)');
  const a = c.object(r.adapter, 'adapter');
  c.string(a, 'name', 'adapter.', true);
  for (const k of ['vendor', 'architecture', 'device', 'description', 'backend']) c.string(a, k, 'adapter.');
  if (!Array.isArray(a.features) || a.features.some((f) => typeof f !== 'string')) c.fail('adapter.features', 'an array of strings', a.features);
  const limits = c.object(a.limits, 'adapter.limits');
  for (const k of Object.keys(limits)) c.positive(limits, k, 'adapter.limits.', { zero: true });
  c.string(r, 'date', '', true);
  const s = c.object(r.settings, 'settings');
  const size = c.string(s, 'size', 'settings.', true);
  if (!/^\d+x\d+$/.test(size)) c.fail('settings.size', 'WIDTHxHEIGHT', size);
  c.positive(s, 'batch', 'settings.', { integer: true });
  c.positive(s, 'widthMult', 'settings.');
  c.positive(s, 'steps', 'settings.', { integer: true });
  c.positive(s, 'warmup', 'settings.', { integer: true, zero: true });
  c.string(s, 'convVariant', 'settings.', true);
  c.string(s, 'matmulVariant', 'settings.', true);
  c.positive(r, 'flops_per_step', '');
  c.positive(r, 'peak_pool_bytes', '', { zero: true });
  const ours = c.timing(r.ours, 'ours');
  if (r.tfjs === null) {
    if (r.ratio !== null) c.fail('ratio', 'null when tfjs is null', r.ratio);
  } else {
    const tfjs = c.timing(r.tfjs, 'tfjs');
    const ratio = c.positive(r, 'ratio', '');
    const expected = tfjs.ms_per_step / ours.ms_per_step;
    if (Math.abs(ratio - expected) > 1e-6 * expected) c.fail('ratio', `tfjs.ms_per_step / ours.ms_per_step = ${expected}`, ratio);
  }
  if (r.jaxjs !== undefined && r.jaxjs !== null) {
    const jaxjs = c.timing(r.jaxjs, 'jaxjs');
    const ratio = c.positive(r, 'jaxjsRatio', '');
    const expected = jaxjs.ms_per_step / ours.ms_per_step;
    if (Math.abs(ratio - expected) > 1e-6 * expected) c.fail('jaxjsRatio', `jaxjs.ms_per_step / ours.ms_per_step = ${expected}`, ratio);
  } else if (r.jaxjsRatio !== undefined && r.jaxjsRatio !== null) c.fail('jaxjsRatio', 'null when jaxjs is absent', r.jaxjsRatio);
  if (r.profile !== null && !Array.isArray(r.profile)) c.fail('profile', 'null or an array', r.profile);
  return r as unknown as TrainBenchResult;
}

/** Checks a parsed `bench kernels --json` result. */
export function checkKernelResult(v: unknown, file: string): KernelBenchResult {
  const c = new Checker(file);
  const r = c.object(v, '(top level)');
  c.string(r, 'adapter', '', true);
  c.string(r, 'variant', '', true);
  c.string(r, 'date', '', true);
  if (!Array.isArray(r.rows) || r.rows.length === 0) c.fail('rows', 'a non-empty array', r.rows);
  (r.rows as unknown[]).forEach((row, i) => {
    const o = c.object(row, `rows[${i}]`);
    for (const k of ['kernel', 'shape', 'where']) c.string(o, k, `rows[${i}].`, true);
    for (const k of ['ours_ms', 'tfjs_ms', 'ratio', 'gflops', 'tfjs_gflops']) c.positive(o, k, `rows[${i}].`);
  });
  return r as unknown as KernelBenchResult;
}

/** What bench/gpu/unet_torch.py writes: the same U-Net's training step in PyTorch (fp32 eager) on CUDA. */
export interface TorchResult {
  framework: string;
  device: string;
  size: string;
  batch: number;
  width_mult: number;
  ms_per_step: number;
  ms_min: number;
  ms_max: number;
  images_per_s: number;
}

export function checkTorchResult(v: unknown, file: string): TorchResult {
  const c = new Checker(file);
  const r = c.object(v, '(top level)');
  c.string(r, 'framework', '', true);
  c.string(r, 'device', '', true);
  const size = c.string(r, 'size', '', true);
  if (!/^\d+x\d+$/.test(size)) c.fail('size', 'WIDTHxHEIGHT', size);
  c.positive(r, 'batch', '', { integer: true });
  c.positive(r, 'width_mult', '');
  for (const k of ['ms_per_step', 'ms_min', 'ms_max', 'images_per_s']) c.positive(r, k, '');
  return r as unknown as TorchResult;
}

/**
 * An interleaved run of several sides (bench/train_ab.ts, bench/predict_ab.ts, bench/predict_peers.ts), reduced to
 * one row per side: median and minimum wall ms and median process CPU ms over its samples, first side = baseline.
 */
export interface InterleavedResult {
  what: 'training step' | 'prediction';
  adapter: string;
  /** the CPU model and core count where the JSON records them (every JSON since bench/machine.ts) */
  cpu: string | null;
  date: string;
  settings: string;
  rows: { side: string; wall_median: number; wall_min: number; cpu_median: number | null; samples: number }[];
}

/** Checks train_ab / predict_ab / predict_peers JSONs: each side's samples are positive numbers, the summary rows agree. */
export function checkInterleavedResult(v: unknown, file: string): InterleavedResult {
  const c = new Checker(file);
  const r = c.object(v, '(top level)');
  const adapter = c.string(r, 'adapter', '', true);
  const date = c.string(r, 'date', '', true);
  const machine = r.machine === undefined ? null : c.object(r.machine, 'machine');
  const cpu = machine ? describeCpu({ cpu: c.string(machine, 'cpu', 'machine.', true), cores: c.positive(machine, 'cores', 'machine.', { integer: true }), cpuId: typeof machine.cpuId === 'string' ? machine.cpuId : null, lavapipeThreads: typeof machine.lavapipeThreads === 'string' ? machine.lavapipeThreads : null }) : null;
  const samples = (o: Obj, path: string, key: string): number[] => {
    const xs = o[key];
    if (!Array.isArray(xs) || xs.length === 0 || xs.some((x) => typeof x !== 'number' || !Number.isFinite(x) || x <= 0)) c.fail(path + key, 'a non-empty array of numbers > 0', xs);
    return xs as number[];
  };
  const row = (side: string, wall: number[], cpuMs: number[] | null) => ({ side, wall_median: median(wall), wall_min: Math.min(...wall), cpu_median: cpuMs ? median(cpuMs) : null, samples: wall.length });
  let rows: InterleavedResult['rows'];
  let what: InterleavedResult['what'];
  let settings: string;
  if (Array.isArray(r.sides)) {
    // bench/predict_ab.ts: sides [{ name, wall, cpu }]
    what = 'prediction';
    settings = `${c.string(r, 'size', '', true)} slice`;
    rows = (r.sides as unknown[]).map((s, i) => {
      const o = c.object(s, `sides[${i}]`);
      return row(c.string(o, 'name', `sides[${i}].`, true), samples(o, `sides[${i}].`, 'wall'), samples(o, `sides[${i}].`, 'cpu'));
    });
  } else {
    // bench/train_ab.ts and bench/predict_peers.ts: rows [{ side, ... }] and samples { side: { wall, cpu } }
    if (!Array.isArray(r.rows) || r.rows.length === 0) c.fail('rows', 'a non-empty array', r.rows);
    const all = c.object(r.samples, 'samples');
    what = r.kind === 'predict-peers' ? 'prediction' : 'training step';
    settings =
      r.kind === 'predict-peers'
        ? `${c.positive(r, 'slices', '', { integer: true })} slices, model ${c.string(r, 'model', '', true)}`
        : `${c.string(r, 'size', '', true)}, batch ${c.positive(r, 'batch', '', { integer: true })}, width x${c.positive(r, 'widthMult', '')}`;
    rows = (r.rows as unknown[]).map((x, i) => {
      const o = c.object(x, `rows[${i}]`);
      const side = c.string(o, 'side', `rows[${i}].`, true);
      const s = c.object(all[side], `samples.${side}`);
      // the page records no process CPU time: cpu null
      const out = row(side, samples(s, `samples.${side}.`, 'wall'), s.cpu === null ? null : samples(s, `samples.${side}.`, 'cpu'));
      const med = c.positive(o, 'wall_median', `rows[${i}].`);
      if (Math.abs(med - out.wall_median) > 1e-6 * med) c.fail(`rows[${i}].wall_median`, `the median of samples.${side}.wall = ${out.wall_median}`, med);
      return out;
    });
  }
  return { what, adapter, cpu, date, settings, rows };
}

export type BenchResult =
  | { kind: 'train'; file: string; result: TrainBenchResult }
  | { kind: 'kernels'; file: string; result: KernelBenchResult }
  | { kind: 'torch'; file: string; result: TorchResult }
  | { kind: 'interleaved'; file: string; result: InterleavedResult };

/** Parses one result file's text: a train, kernels, PyTorch or interleaved result, told apart by its fields. */
export function parseBenchResult(text: string, file: string): BenchResult {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new BenchSchemaError(`${file}: not JSON (${(e as Error).message})`);
  }
  const o = new Checker(file).object(v, '(top level)');
  if (('samples' in o || 'sides' in o) && !('ours' in o)) return { kind: 'interleaved', file, result: checkInterleavedResult(o, file) };
  if ('rows' in o && !('ours' in o)) return { kind: 'kernels', file, result: checkKernelResult(o, file) };
  if ('framework' in o && !('ours' in o)) return { kind: 'torch', file, result: checkTorchResult(o, file) };
  return { kind: 'train', file, result: checkTrainResult(o, file) };
}

export type { KernelRow };

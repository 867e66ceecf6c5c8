// Per-adapter autotuner of the 3x3 convolutions: times every way to compute each pass of each layer
// shape of a model (direct register / workgroup-tiled implicit GEMM, Winograd with either GEMM thread
// mapping) on the current adapter and keeps the fastest per shape and pass (src/kernels/conv_algorithm.ts
// uses them). The result is cached per adapter behind a small storage interface: a file in Node
// (src/app/tune-store-node.ts), IndexedDB in the browser (src/app/tune-store-browser.ts).
import { gpu, adapterName, type AdapterDescription } from '../runtime/gpu.ts';
import { Tensor } from '../runtime/tensor.ts';
import { conv2dForward, conv2dInputGrad, conv2dFilterGrad, type ConvVariant } from './conv2d.ts';
import { winogradForward, winogradInputGrad, winogradFilterGrad, winogradFits, laneWorkgroup, subgroupGemm, type WinogradLanes } from './winograd.ts';
import { convShapeKey, type ConvChoice, type ConvPass } from './conv_algorithm.ts';
import { provideSettings } from '../runtime/settings.ts';

/** Bump when kernels change enough that old timings mislead. */
export const TUNE_VERSION = 3; // 2: F(4x4, 3x3) candidates (a version-1 cache never timed them); 3: the subgroup kernels (channel lanes timed before them lost where they now win)

export interface ConvShape3x3 {
  N: number;
  H: number;
  W: number;
  C: number;
  O: number;
}

export interface TuneEntry extends ConvChoice {
  /** median ms of every candidate, by name */
  ms: Record<string, number>;
}

export interface TuneCache {
  version: number;
  adapter: string;
  date: string;
  /** what the ms were measured as (older caches: wall) */
  metric?: TuneMetric;
  choices: Record<string, TuneEntry>;
}

/** Where tuning results live: a file per adapter in Node, an IndexedDB record in the browser. */
export interface TuneStore {
  /** human-readable location, e.g. the file path */
  where(adapterKey: string): string;
  load(adapterKey: string): Promise<TuneCache | null>;
  save(adapterKey: string, cache: TuneCache): Promise<void>;
  /** deletes the adapter's cache; nothing stored is not an error */
  remove(adapterKey: string): Promise<void>;
}

/** Stable hex key of an adapter (vendor, architecture, device, description, backend) and the tuner version. */
export function adapterKey(a: AdapterDescription): string {
  const text = JSON.stringify([a.vendor, a.architecture, a.device, a.description, a.backend, TUNE_VERSION]);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  let h2 = 0x12345678;
  for (let i = text.length - 1; i >= 0; i--) h2 = Math.imul(h2 ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0') + h2.toString(16).padStart(8, '0');
}

interface Candidate {
  name: string;
  choice: ConvChoice;
  run(): Tensor;
}

function candidates(pass: ConvPass, s: ConvShape3x3, x: Tensor, w: Tensor, dy: Tensor): Candidate[] {
  const out: Candidate[] = [];
  for (const variant of ['register', 'tiled'] as ConvVariant[]) {
    const opts = { variant, algorithm: 'direct' as const };
    const run = pass === 'forward' ? () => conv2dForward(x, w, null, opts) : pass === 'input-grad' ? () => conv2dInputGrad(dy, w, opts) : () => conv2dFilterGrad(x, dy, [3, 3], opts);
    out.push({ name: `direct-${variant}`, choice: { algorithm: 'direct', variant }, run });
  }
  if (!winogradFits(s.N, s.H, s.W, s.C, s.O)) return out;
  if (pass === 'filter-grad') {
    out.push({ name: 'winograd', choice: { algorithm: 'winograd' }, run: () => winogradFilterGrad(x, dy) });
    out.push({ name: 'winograd4', choice: { algorithm: 'winograd', tile: 4 }, run: () => winogradFilterGrad(x, dy, { tile: 4 }) });
    return out;
  }
  const [K, N] = pass === 'forward' ? [s.C, s.O] : [s.O, s.C];
  const lanes: WinogradLanes[] = K % 4 === 0 && N % 4 === 0 ? ['rows', 'channels'] : ['rows'];
  // tile sizes F(2x2) / F(4x4), thread mappings, and for channel lanes workgroups of 8 and 32 threads and the layer's
  // width (min(64, columns / 4)) besides the built-in size (`laneWorkgroup`: 8 on CPU adapters, the width elsewhere):
  // more, smaller workgroups balance better across few CPU threads, but each size is a pipeline of its own to compile
  const byWidth = Math.min(64, Math.ceil(N / 4));
  const builtIn = laneWorkgroup(byWidth);
  // the subgroup GEMM (subgroupGemm) has one workgroup size of its own: no other sizes to time
  const otherSizes = subgroupGemm() ? [] : [...new Set([8, 32, byWidth])].filter((s) => s !== builtIn && s <= byWidth);
  for (const tile of [2, 4] as const) {
    const family = tile === 2 ? 'winograd' : 'winograd4';
    for (const l of lanes) {
      const sizes = l === 'channels' ? [undefined, ...otherSizes] : [undefined];
      for (const wgx of sizes) {
        const opts = { lanes: l, ...(tile === 4 ? { tile } : {}), ...(wgx ? { wgx } : {}) };
        const run = pass === 'forward' ? () => winogradForward(x, w, null, opts) : () => winogradInputGrad(dy, w, opts);
        out.push({ name: `${family}-${l}${wgx ? `-wg${wgx}` : ''}`, choice: { algorithm: 'winograd', ...opts }, run });
      }
    }
  }
  return out;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * What a candidate is ranked by: wall time (what a user waits for on an idle machine), or the process's
 * CPU time (Node only; on a CPU adapter such as lavapipe that is the work done, and it stays meaningful
 * when other jobs load the machine, where wall time mostly measures the scheduler).
 */
export type TuneMetric = 'wall' | 'cpu';

function clock(metric: TuneMetric): () => number {
  if (metric === 'cpu') {
    if (typeof process === 'undefined' || !process.cpuUsage) throw new Error('tune metric cpu needs Node (process.cpuUsage)');
    return () => {
      const c = process.cpuUsage();
      return (c.user + c.system) / 1000;
    };
  }
  return () => performance.now();
}

/**
 * Times every candidate of every pass of each shape: one untimed run (pipeline compilation), then
 * `reps` rounds in rotated order, GPU completion awaited per run; keeps the lowest median.
 */
export async function tuneConvShapes(shapes: ConvShape3x3[], reps = 3, log: (line: string) => void = () => {}, metric: TuneMetric = 'wall'): Promise<TuneCache> {
  const now = clock(metric);
  const g = gpu();
  const choices: Record<string, TuneEntry> = {};
  for (const s of shapes) {
    const fill = (n: number) => new Float32Array(n).map((_, i) => ((i * 7919) % 13) / 13 - 0.5);
    const x = Tensor.fromData(fill(s.N * s.H * s.W * s.C), [s.N, s.H, s.W, s.C]);
    const w = Tensor.fromData(fill(9 * s.C * s.O).map((v) => v / Math.sqrt(9 * s.C)), [3, 3, s.C, s.O]);
    const dy = Tensor.fromData(fill(s.N * s.H * s.W * s.O), [s.N, s.H, s.W, s.O]);
    for (const pass of ['forward', 'input-grad', 'filter-grad'] as ConvPass[]) {
      const cands = candidates(pass, s, x, w, dy);
      const times = cands.map(() => [] as number[]);
      for (const c of cands) c.run().dispose();
      await g.sync();
      for (let r = 0; r < reps; r++) {
        for (let j = 0; j < cands.length; j++) {
          const i = (j + r) % cands.length;
          const t0 = now();
          const t = cands[i].run();
          await g.sync();
          times[i].push(now() - t0);
          t.dispose();
        }
      }
      const ms = Object.fromEntries(cands.map((c, i) => [c.name, median(times[i])]));
      const best = cands.reduce((a, b) => (ms[b.name] < ms[a.name] ? b : a));
      const key = convShapeKey(pass, s.N, s.H, s.W, s.C, s.O);
      choices[key] = { ...best.choice, ms };
      log(`${key.padEnd(36)} ${best.name.padEnd(18)} ${cands.map((c) => `${c.name} ${ms[c.name].toFixed(1)}`).join(', ')} ms`);
    }
    [x, w, dy].forEach((t) => t.dispose());
  }
  return { version: TUNE_VERSION, adapter: adapterName(g.adapter), date: new Date().toISOString(), metric, choices };
}

/** A cache's choices without their timings: the value of the `convChoices` setting it stands for. */
export function tuneChoices(cache: TuneCache): Record<string, ConvChoice> {
  const plain: Record<string, ConvChoice> = {};
  for (const [k, e] of Object.entries(cache.choices)) {
    const c: ConvChoice = { algorithm: e.algorithm };
    if (e.variant !== undefined) c.variant = e.variant;
    if (e.lanes !== undefined) c.lanes = e.lanes;
    if (e.tile !== undefined) c.tile = e.tile;
    if (e.wgx !== undefined) c.wgx = e.wgx;
    plain[k] = c;
  }
  return plain;
}

/** Applies a cache's choices to this process: the `convChoices` setting, from the 'tune cache' (conv_algorithm.ts reads it). */
export function applyTuneCache(cache: TuneCache): void {
  provideSettings({ convChoices: tuneChoices(cache) }, 'tune cache');
}

/** Loads this adapter's cache from `store` and applies it; null when there is none (or it is stale). */
export async function loadTuning(store: TuneStore): Promise<TuneCache | null> {
  const cache = await store.load(adapterKey(gpu().adapter));
  if (!cache || cache.version !== TUNE_VERSION) return null;
  applyTuneCache(cache);
  return cache;
}

/** Checks a parsed cache file's shape; throws one line naming the field. */
export function validateTuneCache(v: unknown, where: string): TuneCache {
  const c = v as TuneCache;
  if (!c || typeof c !== 'object') throw new Error(`${where}: not a JSON object`);
  if (typeof c.version !== 'number') throw new Error(`${where}: field 'version' is ${JSON.stringify(c.version)}, expected a number`);
  if (!c.choices || typeof c.choices !== 'object') throw new Error(`${where}: field 'choices' is missing`);
  for (const [k, e] of Object.entries(c.choices)) {
    if (e.algorithm !== 'direct' && e.algorithm !== 'winograd') throw new Error(`${where}: choices['${k}'].algorithm is ${JSON.stringify(e.algorithm)}, expected 'direct' or 'winograd'`);
    if (e.variant !== undefined && e.variant !== 'register' && e.variant !== 'tiled') throw new Error(`${where}: choices['${k}'].variant is ${JSON.stringify(e.variant)}`);
    if (e.lanes !== undefined && e.lanes !== 'rows' && e.lanes !== 'channels') throw new Error(`${where}: choices['${k}'].lanes is ${JSON.stringify(e.lanes)}`);
    if (e.tile !== undefined && e.tile !== 2 && e.tile !== 4) throw new Error(`${where}: choices['${k}'].tile is ${JSON.stringify(e.tile)}, expected 2 or 4`);
    if (e.wgx !== undefined && !(Number.isInteger(e.wgx) && e.wgx >= 1 && e.wgx <= 256)) throw new Error(`${where}: choices['${k}'].wgx is ${JSON.stringify(e.wgx)}, expected an integer in 1..256`);
  }
  return c;
}

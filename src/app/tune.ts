// `spineseg tune` as a workflow the CLI (and the web app) share: the 3x3 conv shapes of a U-Net
// configuration, timed by the autotuner on this adapter, merged into the adapter's cache.
import { initGpu } from '../runtime/gpu.ts';
import { unetConv3x3Shapes } from '../model/unet.ts';
import { tuneConvShapes, adapterKey, applyTuneCache, TUNE_VERSION, type TuneCache, type TuneEntry, type TuneStore, type TuneMetric } from '../kernels/autotune.ts';
import type { ConvPass } from '../kernels/conv_algorithm.ts';
import { provideSettings } from '../runtime/settings.ts';

/** The U-Net's distinct 3x3 conv shapes, the tuner's work list: declared once, with the model (src/model/unet.ts). */
export { unetConv3x3Shapes };

export interface TuneOptions {
  width: number;
  height: number;
  batch: number;
  widthMult: number;
  reps: number;
  metric?: TuneMetric;
}

export interface TuneResult {
  /** this adapter's cache after the run: earlier choices of other shapes merged with this run's */
  cache: TuneCache;
  /** where the cache was stored (a file path, an IndexedDB record) */
  where: string;
  /** the adapter key the cache is stored under */
  key: string;
  /** the shape/pass keys this run measured, in the order it measured them */
  tuned: string[];
}

/** Tunes the model's shapes, merges them into this adapter's cache in `store`, applies and returns it. */
export async function runTune(o: TuneOptions, store: TuneStore, log: (line: string) => void = console.log): Promise<TuneResult> {
  const g = await initGpu();
  const key = adapterKey(g.adapter);
  const shapes = unetConv3x3Shapes(o.width, o.height, o.batch, o.widthMult);
  log(`tuning ${shapes.length} 3x3 conv shapes x 3 passes (U-Net ${o.width}x${o.height}, batch ${o.batch}, width x${o.widthMult}), ${o.reps} timed runs per candidate, ranked by ${o.metric ?? 'wall'} time`);
  const fresh = await tuneConvShapes(shapes, o.reps, log, o.metric ?? 'wall');
  const old = await store.load(key).catch(() => null);
  const cache: TuneCache = { ...fresh, choices: { ...(old && old.version === TUNE_VERSION ? old.choices : {}), ...fresh.choices } };
  await store.save(key, cache);
  applyTuneCache(cache);
  return { cache, where: store.where(key), key, tuned: Object.keys(fresh.choices) };
}

/** This adapter's stored cache (null when there is none, or it is of an older tuner version), its key and location. */
export async function storedTune(store: TuneStore): Promise<{ cache: TuneCache | null; where: string; key: string }> {
  const g = await initGpu();
  const key = adapterKey(g.adapter);
  const cache = await store.load(key);
  return { cache: cache && cache.version === TUNE_VERSION ? cache : null, where: store.where(key), key };
}

/**
 * Deletes this adapter's cache from `store` and drops the tuned choices from this process, so the built-in
 * defaults (src/kernels/conv_algorithm.ts) apply again; returns where the cache was.
 */
export async function forgetTune(store: TuneStore): Promise<string> {
  const g = await initGpu();
  const key = adapterKey(g.adapter);
  await store.remove(key);
  provideSettings({ convChoices: undefined }, 'tune cache');
  return store.where(key);
}

/** One shape and pass of a cache, as the tune table shows it. */
export interface TuneRow {
  /** activations N x H x W x C -> O channels */
  shape: string;
  pass: ConvPass;
  /** the candidate kept: direct-register, direct-tiled, winograd[4]-rows, winograd[4]-channels[-wg8|-wg32] or winograd */
  chosen: string;
  /** median ms of the kept candidate and of every candidate, by name */
  chosenMs: number;
  ms: Record<string, number>;
}

/** The candidate name (as tuneConvShapes names them) of a cached choice. */
export function choiceName(e: TuneEntry): string {
  if (e.algorithm === 'direct') return `direct-${e.variant ?? 'register'}`;
  const family = e.tile === 4 ? 'winograd4' : 'winograd';
  return e.lanes ? `${family}-${e.lanes}${e.wgx ? `-wg${e.wgx}` : ''}` : family;
}

/** The choices of `keys` (default: all, in the cache's order) as table rows; a key the cache lacks is an error. */
export function tuneRows(cache: TuneCache, keys: string[] = Object.keys(cache.choices)): TuneRow[] {
  return keys.map((k) => {
    const e = cache.choices[k];
    if (!e) throw new Error(`tune cache of ${cache.adapter}: no choice for '${k}'`);
    const space = k.indexOf(' ');
    const chosen = choiceName(e);
    return { shape: k.slice(space + 1), pass: k.slice(0, space) as ConvPass, chosen, chosenMs: e.ms[chosen] ?? Number.NaN, ms: e.ms };
  });
}

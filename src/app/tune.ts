// `spineseg tune` as a workflow the CLI (and the web app) share: the 3x3 conv shapes of a U-Net
// configuration, timed by the autotuner on this adapter, merged into the adapter's cache.
import { initGpu } from '../runtime/gpu.ts';
import { layerList, makeConfig } from '../model/unet.ts';
import { tuneConvShapes, adapterKey, applyTuneCache, TUNE_VERSION, type ConvShape3x3, type TuneCache, type TuneStore, type TuneMetric } from '../kernels/autotune.ts';

/** The distinct stride-1 3x3 conv shapes of the U-Net at this input size, batch and width, with the layers using each. */
export function unetConv3x3Shapes(width: number, height: number, batch: number, widthMult = 1): (ConvShape3x3 & { where: string })[] {
  const seen = new Map<string, ConvShape3x3 & { where: string }>();
  for (const L of layerList(makeConfig({ width, height, widthMult }))) {
    if (L.kind !== 'Conv2D 3x3') continue;
    const [, , C, O] = L.params[0].shape;
    const [H, W] = L.outShape;
    const key = `${batch}x${H}x${W}x${C}->${O}`;
    const s = seen.get(key);
    if (s) s.where += `, ${L.name}`;
    else seen.set(key, { N: batch, H, W, C, O, where: L.name });
  }
  return [...seen.values()];
}

export interface TuneOptions {
  width: number;
  height: number;
  batch: number;
  widthMult: number;
  reps: number;
  metric?: TuneMetric;
}

/** Tunes the model's shapes, merges them into this adapter's cache in `store`, applies and returns it. */
export async function runTune(o: TuneOptions, store: TuneStore, log: (line: string) => void = console.log): Promise<{ cache: TuneCache; where: string }> {
  const g = await initGpu();
  const key = adapterKey(g.adapter);
  const shapes = unetConv3x3Shapes(o.width, o.height, o.batch, o.widthMult);
  log(`tuning ${shapes.length} 3x3 conv shapes x 3 passes (U-Net ${o.width}x${o.height}, batch ${o.batch}, width x${o.widthMult}), ${o.reps} timed runs per candidate, ranked by ${o.metric ?? 'wall'} time`);
  const fresh = await tuneConvShapes(shapes, o.reps, log, o.metric ?? 'wall');
  const old = await store.load(key).catch(() => null);
  const cache: TuneCache = { ...fresh, choices: { ...(old && old.version === TUNE_VERSION ? old.choices : {}), ...fresh.choices } };
  await store.save(key, cache);
  applyTuneCache(cache);
  return { cache, where: store.where(key) };
}

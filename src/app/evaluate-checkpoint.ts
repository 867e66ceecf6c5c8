// A checkpoint against a data folder at the data's ORIGINAL resolution: the patients of its recorded
// split, each slice predicted from the original PNG (probabilities resampled to the slice's grid),
// optionally post-processed, and scored with the paper's Table 2 metrics (src/metrics).
import fs from 'node:fs';
import path from 'node:path';
import { listSlicePairs, loadSliceDataset, parseSliceName, type Sample } from '../pipeline/dataset.ts';
import { applyPostprocess, type PostprocessBlock } from '../pipeline/postprocess.ts';
import { predictSlices, thresholdSpacing, type SegmentationNet, type SliceConfidence, type TtaMode, type Upsampling } from '../model/predict.ts';
import { evaluateCases, summarize, type CaseResult, type Table2Row } from '../metrics/evaluate.ts';

export interface RecordedSplit {
  train: string[];
  val: string[];
  test: string[];
}

/** A missing data folder: say where SPIDER comes from and how to point --data at it. */
export function requireDataFolder(data: string, option = '--data'): void {
  if (fs.existsSync(path.join(data, 'images')) && fs.existsSync(path.join(data, 'masks'))) return;
  throw new Error(
    `${data}: no images/ and masks/ here. The repository holds only data/sample (96 slices at 128x160); the full SPIDER ` +
      'data set (van der Graaf et al. 2024, CC BY 4.0) is Zenodo record 10159290 (https://doi.org/10.5281/zenodo.10159290): ' +
      `download it, run \`spineseg prepare --input SPIDER_DIR --out DIR\` (or use a folder of images/ + masks/ PNG slices), and pass ${option} DIR`,
  );
}

/**
 * Train / validation / test patients of a checkpoint's config on `data`: the recorded lists, and when the
 * config predates the three-way split (no `split.test`), every patient of the folder in neither list is a
 * test patient (such runs were trained on a copy of the data without them).
 */
export function recordedSplit(config: { split?: { train?: unknown; val?: unknown; test?: unknown } }, configFile: string, data: string): RecordedSplit {
  const list = (v: unknown, field: string): string[] => {
    if (!Array.isArray(v) || !v.every((p) => typeof p === 'string')) throw new Error(`${configFile}: field split.${field} = ${JSON.stringify(v)}: expected a list of patient ids`);
    return v as string[];
  };
  const train = list(config.split?.train, 'train');
  const val = list(config.split?.val, 'val');
  if (config.split?.test !== undefined) return { train, val, test: list(config.split.test, 'test') };
  requireDataFolder(data);
  const seen = new Set([...train, ...val]);
  const all = [...new Set(listSlicePairs(data).map((p) => parseSliceName(p.imageFile).patient))];
  return { train, val, test: all.filter((p) => !seen.has(p)).sort() };
}

export interface PatientPrediction {
  sample: Sample;
  /** predicted classes at the slice's original size, before post-processing */
  raw: Uint8Array;
  /** after the block's steps (raw when there is no block) */
  labels: Uint8Array;
}

/** The original-resolution slices of `patients` (no canvas padding, no resize). */
export function loadOriginalSlices(data: string, patients: readonly string[]): Sample[] {
  requireDataFolder(data);
  const samples = loadSliceDataset(data, { patients, canvas: null });
  const found = new Set(samples.map((s) => s.patient));
  const missing = patients.filter((p) => !found.has(p));
  if (missing.length) throw new Error(`${data}: no slices of patient(s) ${missing.join(', ')} (a checkpoint trained on another data folder?)`);
  return samples;
}

/** Predicts every sample at its own size (with test-time augmentation when given); post-processing (2-D, per slice) when a block is given. */
export async function predictOriginal(
  nets: SegmentationNet | readonly SegmentationNet[],
  samples: readonly Sample[],
  o: { upsampling?: Upsampling; postprocess?: PostprocessBlock | null; batchSize?: number; tta?: TtaMode; onSliceConfidence?: (slice: number, c: SliceConfidence) => void } = {},
): Promise<PatientPrediction[]> {
  const raw = await predictSlices(nets, [...samples], o.batchSize ?? 4, undefined, o.upsampling ?? 'probabilities', undefined, { tta: o.tta, onSliceConfidence: o.onSliceConfidence });
  const grid = (Array.isArray(nets) ? (nets as readonly SegmentationNet[])[0]! : (nets as SegmentationNet)).config;
  return samples.map((sample, i) => {
    if (!o.postprocess) return { sample, raw: raw[i]!, labels: raw[i]! };
    const px = thresholdSpacing(o.postprocess.unit, sample, grid.width, grid.height, sample.spacing);
    return { sample, raw: raw[i]!, labels: applyPostprocess(raw[i]!, [1, sample.height, sample.width], [1, px[0], px[1]], o.postprocess, false) };
  });
}

/** Table 2 metrics (GPU) of predictions against their samples' truth, slice by slice. */
export async function scorePredictions(preds: readonly { sample: Sample; labels: Uint8Array }[], tauMm?: number): Promise<{ cases: CaseResult[]; summary: Table2Row[] }> {
  const cases = await evaluateCases(
    preds.map((p) => ({ name: p.sample.file, pred: p.labels, truth: p.sample.labels, dims: [1, p.sample.height, p.sample.width] as const, spacing: [1, p.sample.spacing[0], p.sample.spacing[1]] as const })),
    { tauMm },
  );
  return { cases, summary: summarize(cases) };
}

/** Whether the folder's slices carry pixel spacing (prepare's meta/ sidecars); PNG exports do not. */
export function hasSpacing(data: string): boolean {
  return fs.existsSync(path.join(data, 'meta'));
}

/** "512x620" or "512x620, 512x640": the original sizes of the samples. */
export function sizesOf(samples: readonly Sample[]): string {
  return [...new Set(samples.map((s) => `${s.width}x${s.height}`))].join(', ');
}

// Segmenting a stack of slices, the one chain behind `spineseg predict` (src/app/predict-files.ts) and the web
// page: volumes are reoriented to sagittal slices by their direction matrix (intensities clipped to the nonzero
// 0.5/99.5 percentiles), PNG slices are /255 grey images segmented as they are; the networks' probabilities
// (averaged over an ensemble and the test-time flips) are resampled to each slice and argmaxed, a checkpoint's
// post-processing runs in 3-D on volumes and in 2-D on slices, and the classes are counted. Node-free.
import { predictSlices, thresholdSpacing, type SegmentationNet, type SliceConfidence, type SliceImage, type TtaMode } from '../model/predict.ts';
import type { OrientationReport } from '../pipeline/orientation.ts';
import type { Volume } from '../pipeline/volume.ts';
import { CLASS_DISPLAY_NAMES } from '../pipeline/labels.ts';
import { applyPostprocess, type PostprocessBlock } from '../pipeline/postprocess.ts';
import { sagittalSlices, labelsInInputGeometry } from './volume-slices.ts';

/** One network, or several whose probabilities are averaged (an ensemble). */
export type Nets = SegmentationNet | readonly SegmentationNet[];

export const CLASS_LABELS: readonly string[] = CLASS_DISPLAY_NAMES;

export interface SegmentInput {
  kind: 'volume' | 'slices';
  name: string;
  /** what the model sees and a viewer shows: sagittal slices (volumes) or the PNGs as given */
  slices: Array<SliceImage & { name: string }>;
  /** mm per column and per row of a slice, and between slices; absent for PNG slices of unknown size (the CLI's) */
  spacing?: { col: number; row: number; thickness: number };
  /** volumes: the input as read and how it was reoriented */
  volume?: Volume;
  sagittal?: Volume;
  report?: OrientationReport;
}

export interface Segmentation {
  input: SegmentInput;
  /** one label map (classes 0..3) per slice, at the slice's size */
  labels: Uint8Array[];
  /** voxels (pixels) per class over all slices */
  counts: number[];
  /** per slice: the members' agreement and entropy per class (src/model/predict.ts); absent for a SEG read from disk */
  confidence?: SliceConfidence[];
  /** per slice, on its grid: 1 where the members (networks x TTA views) voted different classes (src/model/predict.ts) */
  contested?: Uint8Array[];
  seconds: number;
}

export interface SegmentOptions {
  batchSize: number;
  /** a checkpoint's post-processing block (3-D on volumes, 2-D on slices); null or absent: none */
  postprocess?: PostprocessBlock | null;
  /** test-time augmentation (src/model/predict.ts); default none */
  tta?: TtaMode;
  onProgress?: (done: number, total: number) => void;
  /** each slice's class probabilities on its own grid, after ensemble and TTA averaging, before the argmax */
  onSliceProbabilities?: (slice: number, probabilities: Float32Array) => void;
}

const firstNet = (nets: Nets): SegmentationNet => (Array.isArray(nets) ? (nets as readonly SegmentationNet[])[0]! : (nets as SegmentationNet));

/** A volume as the model sees it: sagittal slices in the volume's reoriented order. */
export function volumeInput(name: string, vol: Volume): SegmentInput {
  const { sagittal: sag, report, slices: stack } = sagittalSlices(vol);
  const n = stack.length;
  const slices = stack.map((s, k) => ({ ...s, name: `${name} sagittal ${k + 1}/${n}` }));
  return { kind: 'volume', name, slices, spacing: { col: sag.spacing[0], row: sag.spacing[1], thickness: sag.spacing[2] }, volume: vol, sagittal: sag, report };
}

/** PNG slices as given; `spacing` in mm when the user gave one (the page), absent when unknown (the CLI). */
export function sliceInput(pngs: ReadonlyArray<SliceImage & { name: string }>, spacing?: { pixelMm: number; thicknessMm: number }): SegmentInput {
  if (pngs.length === 0) throw new Error('no PNG slices');
  const slices = pngs.map((p) => ({ image: p.image, width: p.width, height: p.height, name: p.name }));
  const name = pngs.length === 1 ? pngs[0]!.name : `${pngs.length} PNG slices`;
  return { kind: 'slices', name, slices, ...(spacing ? { spacing: { col: spacing.pixelMm, row: spacing.pixelMm, thickness: spacing.thicknessMm } } : {}) };
}

/** Pixels per class; adds into `into` when given. */
export function countClasses(labels: ArrayLike<number>, into: number[] = [0, 0, 0, 0]): number[] {
  for (let i = 0; i < labels.length; i++) into[labels[i]!]!++;
  return into;
}

/** A checkpoint's post-processing on a segmented stack: one [slices, rows, columns] volume for volumes (3-D), slice by slice otherwise. */
export function postprocessStack(input: SegmentInput, labels: Uint8Array[], block: PostprocessBlock, net: { width: number; height: number }): Uint8Array[] {
  const sp = input.spacing;
  if (block.unit === 'mm2' && !sp) throw new Error(`${input.name}: the checkpoint's post-processing thresholds are in mm² but a PNG slice has no pixel spacing; pass --no-postprocess`);
  const mm = sp ? ([sp.row, sp.col] as const) : undefined;
  const thickness = sp?.thickness ?? 1;
  const first = input.slices[0]!;
  const sameSize = input.slices.every((s) => s.width === first.width && s.height === first.height);
  if (input.kind === 'volume' && sameSize) {
    const { width: w, height: h } = first;
    const joined = new Uint8Array(w * h * labels.length);
    labels.forEach((l, k) => joined.set(l, k * w * h));
    const px = thresholdSpacing(block.unit, first, net.width, net.height, mm);
    const done = applyPostprocess(joined, [labels.length, h, w], [thickness, px[0], px[1]], block, true);
    return labels.map((_, k) => done.subarray(k * w * h, (k + 1) * w * h));
  }
  return labels.map((l, k) => {
    const s = input.slices[k]!;
    const px = thresholdSpacing(block.unit, s, net.width, net.height, mm);
    return applyPostprocess(l, [1, s.height, s.width], [thickness, px[0], px[1]], block, false);
  });
}

/** Segments the input with one network or an ensemble, post-processes and counts. */
export async function segment(nets: Nets, input: SegmentInput, o: SegmentOptions): Promise<Segmentation> {
  const t0 = performance.now();
  const net = firstNet(nets).config;
  // refused before any GPU work
  if (o.postprocess?.unit === 'mm2' && !input.spacing) throw new Error(`${input.name}: the checkpoint's post-processing thresholds are in mm² but a PNG slice has no pixel spacing; pass --no-postprocess`);
  const confidence: SliceConfidence[] = [];
  const contested: Uint8Array[] = [];
  let labels = await predictSlices(nets, input.slices, o.batchSize, (done) => o.onProgress?.(done, input.slices.length), 'probabilities', o.onSliceProbabilities, {
    tta: o.tta ?? 'none',
    onSliceConfidence: (k, c) => (confidence[k] = c),
    onSliceDisagreement: (k, c) => (contested[k] = c),
  });
  if (o.postprocess) labels = postprocessStack(input, labels, o.postprocess, net);
  const counts = [0, 0, 0, 0];
  for (const l of labels) countClasses(l, counts);
  return { input, labels, counts, confidence, contested, seconds: (performance.now() - t0) / 1000 };
}

/** The label volume in the input's own array order, origin, spacing and direction (what `spineseg predict` writes). */
export function labelVolume(seg: Segmentation): Volume<Uint8Array> {
  const { volume: vol, sagittal, report } = seg.input;
  if (!vol || !sagittal || !report) throw new Error('labelVolume: the input is not a volume');
  return labelsInInputGeometry(vol, { sagittal, report }, seg.labels);
}

/** Per-slice maps joined into one [slices, rows, columns] array (volumes: all slices share a size). */
function joinSlices(seg: Segmentation, maps: readonly Uint8Array[]): Uint8Array {
  const { width: w, height: h } = seg.input.slices[0]!;
  const joined = new Uint8Array(w * h * maps.length);
  maps.forEach((l, k) => joined.set(l, k * w * h));
  return joined;
}

/** The sagittal stack's label maps joined into one [slices, rows, columns] array (volumes: all slices share a size). */
export function joinedLabels(seg: Segmentation): Uint8Array {
  return joinSlices(seg, seg.labels);
}

/** The members' disagreement masks joined like joinedLabels; null when the segmentation has none for every slice. */
export function joinedDisagreement(seg: Segmentation): Uint8Array | null {
  const u = seg.contested;
  if (!u || u.length !== seg.labels.length || u.some((m, k) => !m || m.length !== seg.labels[k]!.length)) return null;
  return joinSlices(seg, u);
}

export interface ClassMeasure {
  name: string;
  /** pixels in the shown slice and its area (mm^2) */
  slicePixels: number;
  sliceAreaMm2: number;
  /** voxels over all slices and their volume (mm^3) */
  totalVoxels: number;
  volumeMm3: number;
}

/** Per class: pixels and area in one slice, voxels and volume over all (spacing 1 mm when the input has none). */
export function measures(seg: Segmentation, sliceIndex: number): ClassMeasure[] {
  const { col, row, thickness } = seg.input.spacing ?? { col: 1, row: 1, thickness: 1 };
  const inSlice = countClasses(seg.labels[sliceIndex] ?? []);
  return CLASS_LABELS.map((name, c) => ({
    name,
    slicePixels: inSlice[c]!,
    sliceAreaMm2: inSlice[c]! * col * row,
    totalVoxels: seg.counts[c]!,
    volumeMm3: seg.counts[c]! * col * row * thickness,
  }));
}

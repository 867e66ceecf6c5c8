// Segmentation of what the user dropped, the same chain as `spineseg predict` (src/app/predict-files.ts):
// volumes are reoriented to sagittal slices by their direction matrix, intensities clipped to the nonzero
// 0.5/99.5 percentiles, segmented slice by slice with predictSlices, and the label map is put back in the
// input's own array order with its geometry. PNG slices are /255 grey images segmented as they are.
import { predictSlices, thresholdSpacing, type SliceImage } from '../../src/model/predict.ts';
import type { UNet } from '../../src/model/unet.ts';
import type { OrientationReport } from '../../src/pipeline/orientation.ts';
import type { Volume } from '../../src/pipeline/volume.ts';
import { sagittalSlices, labelsInInputGeometry } from '../../src/app/volume-slices.ts';
import type { ImageSlice } from './files.ts';
import { CLASS_DISPLAY_NAMES } from '../../src/pipeline/labels.ts';
import { applyPostprocess, type PostprocessBlock } from '../../src/pipeline/postprocess.ts';

export const CLASS_LABELS: readonly string[] = CLASS_DISPLAY_NAMES;

export interface SegmentInput {
  kind: 'volume' | 'slices';
  name: string;
  /** what the model sees and the viewer shows: sagittal slices (volumes) or the PNGs as given */
  slices: Array<SliceImage & { name: string }>;
  /** mm per column and per row of a slice, and between slices */
  spacing: { col: number; row: number; thickness: number };
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
  seconds: number;
}

export function volumeInput(name: string, vol: Volume): SegmentInput {
  const { sagittal: sag, report, slices: stack } = sagittalSlices(vol);
  const n = stack.length;
  const slices = stack.map((s, k) => ({ ...s, name: `${name} sagittal ${k + 1}/${n}` }));
  return { kind: 'volume', name, slices, spacing: { col: sag.spacing[0], row: sag.spacing[1], thickness: sag.spacing[2] }, volume: vol, sagittal: sag, report };
}

export function sliceInput(pngs: ImageSlice[], pixelMm: number, thicknessMm: number): SegmentInput {
  if (pngs.length === 0) throw new Error('no PNG slices');
  const slices = pngs.map((p) => ({ image: p.image, width: p.width, height: p.height, name: p.name }));
  const name = pngs.length === 1 ? pngs[0].name : `${pngs.length} PNG slices`;
  return { kind: 'slices', name, slices, spacing: { col: pixelMm, row: pixelMm, thickness: thicknessMm } };
}

export function countClasses(labels: ArrayLike<number>, into: number[] = [0, 0, 0, 0]): number[] {
  for (let i = 0; i < labels.length; i++) into[labels[i]]++;
  return into;
}

/** Segments the input; a checkpoint's post-processing block is applied as `spineseg predict` does (3-D on volumes, 2-D on slices). */
export async function segment(model: UNet, input: SegmentInput, batchSize = 4, onProgress?: (done: number, total: number) => void, postprocess?: PostprocessBlock | null): Promise<Segmentation> {
  const t0 = performance.now();
  let labels = await predictSlices(model, input.slices, batchSize, (done) => onProgress?.(done, input.slices.length));
  if (postprocess) {
    const { col, row, thickness } = input.spacing;
    const sameSize = input.slices.every((s) => s.width === input.slices[0].width && s.height === input.slices[0].height);
    if (input.kind === 'volume' && sameSize) {
      const { width: w, height: h } = input.slices[0];
      const joined = new Uint8Array(w * h * labels.length);
      labels.forEach((l, k) => joined.set(l, k * w * h));
      const px = thresholdSpacing(postprocess.unit, { width: w, height: h }, model.config.width, model.config.height, [row, col]);
      const done = applyPostprocess(joined, [labels.length, h, w], [thickness, px[0], px[1]], postprocess, true);
      labels = labels.map((_, k) => done.subarray(k * w * h, (k + 1) * w * h));
    } else {
      labels = labels.map((l, k) => {
        const px = thresholdSpacing(postprocess.unit, input.slices[k], model.config.width, model.config.height, [row, col]);
        return applyPostprocess(l, [1, input.slices[k].height, input.slices[k].width], [thickness, px[0], px[1]], postprocess, false);
      });
    }
  }
  const counts = [0, 0, 0, 0];
  for (const l of labels) countClasses(l, counts);
  return { input, labels, counts, seconds: (performance.now() - t0) / 1000 };
}

/** The label volume in the input's own array order, origin, spacing and direction (what `spineseg predict` writes). */
export function labelVolume(seg: Segmentation): Volume<Uint8Array> {
  const { volume: vol, sagittal, report } = seg.input;
  if (!vol || !sagittal || !report) throw new Error('labelVolume: the input is not a volume');
  return labelsInInputGeometry(vol, { sagittal, report }, seg.labels);
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

export function measures(seg: Segmentation, sliceIndex: number): ClassMeasure[] {
  const { col, row, thickness } = seg.input.spacing;
  const inSlice = countClasses(seg.labels[sliceIndex] ?? []);
  return CLASS_LABELS.map((name, c) => ({
    name,
    slicePixels: inSlice[c],
    sliceAreaMm2: inSlice[c] * col * row,
    totalVoxels: seg.counts[c],
    volumeMm3: seg.counts[c] * col * row * thickness,
  }));
}

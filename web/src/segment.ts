// Segmentation of what the user dropped, the same chain as `spineseg predict` (src/model/predict-files.ts):
// volumes are reoriented to sagittal slices by their direction matrix, intensities clipped to the nonzero
// 0.5/99.5 percentiles, segmented slice by slice with predictSlices, and the label map is put back in the
// input's own array order with its geometry. PNG slices are /255 grey images segmented as they are.
import { predictSlices, type SliceImage } from '../../src/model/predict.ts';
import type { UNet } from '../../src/model/unet.ts';
import type { OrientationReport } from '../../src/pipeline/orientation.ts';
import type { Volume } from '../../src/pipeline/volume.ts';
import { sagittalSlices, labelsInInputGeometry } from '../../src/model/volume-slices.ts';
import type { ImageSlice } from './files.ts';
import { CLASS_DISPLAY_NAMES } from '../../src/pipeline/labels.ts';

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

export async function segment(model: UNet, input: SegmentInput, batchSize = 4, onProgress?: (done: number, total: number) => void): Promise<Segmentation> {
  const t0 = performance.now();
  const labels = await predictSlices(model, input.slices, batchSize, (done) => onProgress?.(done, input.slices.length));
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

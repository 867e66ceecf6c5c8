/**
 * Volume + mask -> sagittal 2-D slices at a fixed in-plane size.
 * Images: bilinear, then intensity normalisation: clip to the 0.5th and 99.5th percentiles of the volume's nonzero
 * voxels (zero is air/padding in MRI and would drag the low percentile) and scale linearly to [0, 1].
 * Masks: nearest neighbour, so no class is ever invented at a boundary.
 */
import { PipelineError } from './errors.ts';
import { mapSpiderLabels, type LabelMapOptions } from './labels.ts';
import { reorientToSagittal, type OrientationReport } from './orientation.ts';
import { resizeBilinear, resizeNearest } from './resample.ts';
import { indexToPhysical, voxelCount, type Vec3, type Volume } from './volume.ts';

export const DEFAULT_SLICE_WIDTH = 512;
export const DEFAULT_SLICE_HEIGHT = 640;
/** Smallest in-plane extent (voxels) that still makes a slice worth resampling. */
export const MIN_IN_PLANE_VOXELS = 8;

export interface SliceSource {
  imageFile: string;
  maskFile: string;
  /** Index along the sagittal axis after reorientation (0 = rightmost). */
  sagittalIndex: number;
  sagittalCount: number;
}

export interface SagittalSlice {
  /** height*width, row-major, rows superior -> inferior, columns anterior -> posterior, values in [0, 1]. */
  image: Float32Array;
  /** height*width classes 0-3. */
  labels: Uint8Array;
  /** height*width SPIDER codes rendered as grey (min(code, 255)), the input APTA expects; only when requested. */
  renderedMask?: Uint8Array;
  width: number;
  height: number;
  /** Pixel size after resampling: [row (superior-inferior) mm, column (anterior-posterior) mm]. */
  spacing: [number, number];
  sliceThicknessMm: number;
  /** Physical (LPS) centre of pixel (0, 0) and the 3-D direction of columns, rows and slice normal. */
  origin: Vec3;
  direction: number[];
  source: SliceSource;
}

export interface ExtractOptions extends LabelMapOptions {
  imageFile: string;
  maskFile: string;
  width?: number;
  height?: number;
  /** Also return the grey rendering of the raw codes for APTA. */
  renderMask?: boolean;
  lowPercentile?: number;
  highPercentile?: number;
}

export interface ExtractionResult {
  slices: SagittalSlice[];
  orientation: OrientationReport;
  /** Intensities mapped to 0 and 1. */
  intensityWindow: [number, number];
}

/** Linear-interpolated percentile (p in [0, 100]) of an ascending array. */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return 0;
  const pos = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** The [low, high] percentile window of the nonzero voxels. */
export function nonzeroPercentileWindow(data: ArrayLike<number>, low = 0.5, high = 99.5): [number, number] {
  let n = 0;
  for (let i = 0; i < data.length; i++) if (data[i] !== 0) n++;
  const values = new Float32Array(n);
  n = 0;
  for (let i = 0; i < data.length; i++) if (data[i] !== 0) values[n++] = data[i]!;
  values.sort();
  return [percentileOfSorted(values, low), percentileOfSorted(values, high)];
}

/** Clips to the window and scales to [0, 1]; a flat window gives zeros. */
export function normaliseIntensity(values: Float32Array, window: [number, number]): Float32Array {
  const [lo, hi] = window;
  const scale = hi > lo ? 1 / (hi - lo) : 0;
  for (let i = 0; i < values.length; i++) values[i] = Math.min(1, Math.max(0, (values[i]! - lo) * scale));
  return values;
}

/** Mask and image must describe the same voxels: same size, spacing, origin and direction. */
export function checkSameGeometry(image: Volume, mask: Volume, imageFile: string, maskFile: string): void {
  const fail = (field: string, a: readonly number[], b: readonly number[]) =>
    new PipelineError(`${maskFile}: ${field} [${b.map((v) => +v.toFixed(6)).join(' ')}] does not match ${imageFile} ${field} [${a.map((v) => +v.toFixed(6)).join(' ')}]`, {
      file: maskFile,
      field,
      value: b,
    });
  if (image.size.some((s, i) => s !== mask.size[i])) throw fail('size', image.size, mask.size);
  if (image.spacing.some((s, i) => Math.abs(s - mask.spacing[i]!) > 1e-4 * Math.max(1, s))) throw fail('spacing', image.spacing, mask.spacing);
  const tolMm = 1e-3 * Math.max(...image.spacing);
  if (image.origin.some((s, i) => Math.abs(s - mask.origin[i]!) > tolMm)) throw fail('origin', image.origin, mask.origin);
  if (image.direction.some((s, i) => Math.abs(s - mask.direction[i]!) > 1e-4)) throw fail('direction', image.direction, mask.direction);
}

/** Extracts every sagittal slice of a volume pair. */
export function extractSagittalSlices(image: Volume, mask: Volume, options: ExtractOptions): ExtractionResult {
  const { imageFile, maskFile } = options;
  const width = options.width ?? DEFAULT_SLICE_WIDTH;
  const height = options.height ?? DEFAULT_SLICE_HEIGHT;
  checkSameGeometry(image, mask, imageFile, maskFile);
  const classes = mapSpiderLabels(mask.data, maskFile, options);
  const rendered = options.renderMask ? renderGreyCodes(mask.data) : undefined;
  const { volume: img, report } = reorientToSagittal(image);
  const { volume: cls } = reorientToSagittal({ ...mask, data: classes });
  const ren = rendered ? reorientToSagittal({ ...mask, data: rendered }).volume : undefined;
  const [nCol, nRow, nSlice] = img.size;
  if (nCol < MIN_IN_PLANE_VOXELS || nRow < MIN_IN_PLANE_VOXELS) {
    throw new PipelineError(`${imageFile}: size [${image.size.join(' ')}] gives sagittal slices of ${nCol}x${nRow} voxels, below the ${MIN_IN_PLANE_VOXELS}x${MIN_IN_PLANE_VOXELS} minimum`, {
      file: imageFile,
      field: 'size',
      value: image.size,
    });
  }
  const window = nonzeroPercentileWindow(image.data, options.lowPercentile ?? 0.5, options.highPercentile ?? 99.5);
  const plane = nCol * nRow;
  const colMm = (img.spacing[0] * nCol) / width;
  const rowMm = (img.spacing[1] * nRow) / height;
  const slices: SagittalSlice[] = [];
  for (let k = 0; k < nSlice; k++) {
    const part = img.data.subarray(k * plane, (k + 1) * plane);
    const resized = normaliseIntensity(resizeBilinear(part, nCol, nRow, width, height), window);
    const labels = resizeNearest(cls.data.subarray(k * plane, (k + 1) * plane), nCol, nRow, width, height);
    const slice: SagittalSlice = {
      image: resized,
      labels,
      width,
      height,
      spacing: [rowMm, colMm],
      sliceThicknessMm: img.spacing[2],
      // the centre of output pixel (0,0) sits half an output pixel inside the input's outer edge
      origin: indexToPhysical(img, [-0.5 + (0.5 * nCol) / width, -0.5 + (0.5 * nRow) / height, k]),
      direction: [...img.direction],
      source: { imageFile, maskFile, sagittalIndex: k, sagittalCount: nSlice },
    };
    if (ren) slice.renderedMask = resizeNearest(ren.data.subarray(k * plane, (k + 1) * plane), nCol, nRow, width, height);
    slices.push(slice);
  }
  return { slices, orientation: report, intensityWindow: window };
}

/** SPIDER codes as the grey values a naive 8-bit export shows (the paper's "16 classes, vertebrae invisible"). */
export function renderGreyCodes(codes: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(codes.length);
  for (let i = 0; i < codes.length; i++) out[i] = Math.max(0, Math.min(255, Math.round(codes[i]!)));
  return out;
}

/**
 * A 2-D PNG pair (already a sagittal slice with rows superior -> inferior, 8-bit windowed by its exporter) at the
 * fixed size: image / 255 then bilinear; mask classes nearest. Spacing is unknown in PNG, so it is reported in
 * source pixels.
 */
export function extractPngSlice(image: Volume, classes: Volume<Uint8Array>, options: { imageFile: string; maskFile: string; width?: number; height?: number }): SagittalSlice {
  const width = options.width ?? DEFAULT_SLICE_WIDTH;
  const height = options.height ?? DEFAULT_SLICE_HEIGHT;
  checkSameGeometry(image, classes, options.imageFile, options.maskFile);
  const [w, h] = image.size;
  if (w < MIN_IN_PLANE_VOXELS || h < MIN_IN_PLANE_VOXELS || image.size[2] !== 1) {
    throw new PipelineError(`${options.imageFile}: size [${image.size.join(' ')}] is not a 2-D slice of at least ${MIN_IN_PLANE_VOXELS}x${MIN_IN_PLANE_VOXELS} pixels`, {
      file: options.imageFile,
      field: 'size',
      value: image.size,
    });
  }
  const scaled = new Float32Array(voxelCount(image.size));
  for (let i = 0; i < scaled.length; i++) scaled[i] = image.data[i]! / 255;
  const resized = resizeBilinear(scaled, w, h, width, height);
  for (let i = 0; i < resized.length; i++) resized[i] = Math.min(1, Math.max(0, resized[i]!));
  return {
    image: resized,
    labels: resizeNearest(classes.data, w, h, width, height),
    width,
    height,
    spacing: [(image.spacing[1] * h) / height, (image.spacing[0] * w) / width],
    sliceThicknessMm: image.spacing[2],
    origin: [...image.origin],
    direction: [...image.direction],
    source: { imageFile: options.imageFile, maskFile: options.maskFile, sagittalIndex: 0, sagittalCount: 1 },
  };
}

// Volumes to the model's sagittal slices and back (pure: Node and the browser share it). A volume is
// reoriented by its direction matrix, its intensities clipped to the nonzero 0.5/99.5 percentiles, and
// split into row-major slices; label slices go back into the input's own array order and geometry.
import { reorientToSagittal, permuteFlipVolume, type OrientationReport } from '../pipeline/orientation.ts';
import { nonzeroPercentileWindow, normaliseIntensity } from '../pipeline/extract.ts';
import type { Volume, VoxelArray } from '../pipeline/volume.ts';
import type { SliceImage } from '../model/predict.ts';

export interface SagittalStack {
  /** the reoriented volume: axis 0 columns (A->P), axis 1 rows (S->I), axis 2 sagittal slices */
  sagittal: Volume;
  report: OrientationReport;
  slices: SliceImage[];
}

export function sagittalSlices(vol: Volume): SagittalStack {
  const { volume: sagittal, report } = reorientToSagittal(vol);
  const [w, h, n] = sagittal.size;
  const values = normaliseIntensity(Float32Array.from(sagittal.data as ArrayLike<number>), nonzeroPercentileWindow(sagittal.data as ArrayLike<number>));
  const slices = Array.from({ length: n }, (_, k) => ({ image: values.subarray(k * w * h, (k + 1) * w * h), width: w, height: h }));
  return { sagittal, report, slices };
}

/** Label slices of a SagittalStack as a volume in the input's array order, origin, spacing and direction. */
export function labelsInInputGeometry(input: Volume, stack: Pick<SagittalStack, 'sagittal' | 'report'>, labels: Uint8Array[]): Volume<Uint8Array> {
  const [w, h, n] = stack.sagittal.size;
  if (labels.length !== n) throw new Error(`${labels.length} label slices for a volume of ${n} sagittal slices`);
  const data = new Uint8Array(w * h * n);
  labels.forEach((l, k) => data.set(l, k * w * h));
  return sagittalInInputGeometry(input, stack, data);
}

/** Any voxel array in the sagittal stack layout back in the input's array order and geometry. */
export function sagittalInInputGeometry<T extends VoxelArray>(input: Volume, stack: Pick<SagittalStack, 'sagittal' | 'report'>, data: T): Volume<T> {
  const { sagittal, report } = stack;
  // invert the permutation and flips of the reorientation
  const inv: [number, number, number] = [0, 0, 0];
  const invFlips: [boolean, boolean, boolean] = [false, false, false];
  report.permutation.forEach((p, t) => {
    inv[p] = t;
    invFlips[p] = report.flips[t];
  });
  const sagLabels: Volume<T> = { ...sagittal, data };
  const back = report.changed ? permuteFlipVolume(sagLabels, inv, invFlips) : sagLabels;
  return { data: back.data, size: [...input.size], spacing: [...input.spacing], origin: [...input.origin], direction: [...input.direction] };
}

/**
 * Orientation from geometry, never from array order.
 * Physical space is LPS (ITK): +x left, +y posterior, +z superior.
 * The sagittal stack layout used for extraction: array axis 0 = image columns running anterior -> posterior,
 * axis 1 = image rows running superior -> inferior (head at the top, like the paper's PNGs),
 * axis 2 = sagittal slices running right -> left. A slice k is then one contiguous row-major 2-D image.
 */
import { PipelineError } from './errors.ts';
import { axisDirection, indexToPhysical, type Vec3, type Volume, type VoxelArray } from './volume.ts';

export type AcquisitionPlane = 'sagittal' | 'coronal' | 'axial';

export interface OrientationReport {
  /** Array axis of the input whose direction is closest to left-right. */
  sagittalAxis: number;
  /** Plane of the acquired slices, from the axis with the coarsest spacing. */
  acquisitionPlane: AcquisitionPlane;
  /** permutation[t] = input array axis that became output axis t (0 columns A->P, 1 rows S->I, 2 slices R->L). */
  permutation: [number, number, number];
  /** flips[t] = output axis t runs opposite to its input axis. */
  flips: [boolean, boolean, boolean];
  /** Largest angle (degrees) between an input axis and the physical axis it was assigned to. */
  obliqueDegrees: number;
  /** True when the data had to be permuted or flipped. */
  changed: boolean;
  description: string;
}

/** The array axis whose physical direction is closest to left-right (largest |x| component). */
export function sagittalAxis(direction: readonly number[]): number {
  let best = 0;
  let bestValue = -1;
  for (let j = 0; j < 3; j++) {
    const v = Math.abs(direction[j]!);
    if (v > bestValue) {
      bestValue = v;
      best = j;
    }
  }
  return best;
}

/** For each physical axis (x, y, z) the array axis that runs along it: greedy on the largest |direction| entry. */
export function physicalToArrayAxes(direction: readonly number[]): [number, number, number] {
  const out: [number, number, number] = [-1, -1, -1];
  const usedArray = new Set<number>();
  for (let step = 0; step < 3; step++) {
    let best = -1;
    let bestP = -1;
    let bestJ = -1;
    for (let p = 0; p < 3; p++) {
      if (out[p] !== -1) continue;
      for (let j = 0; j < 3; j++) {
        if (usedArray.has(j)) continue;
        const v = Math.abs(direction[p * 3 + j]!);
        if (v > best) {
          best = v;
          bestP = p;
          bestJ = j;
        }
      }
    }
    out[bestP] = bestJ;
    usedArray.add(bestJ);
  }
  return out;
}

/** Plane of acquisition: the physical axis of the array axis with the coarsest spacing (array axis 2 on ties). */
export function acquisitionPlane(direction: readonly number[], spacing: readonly number[]): AcquisitionPlane {
  let sliceAxis = 2;
  for (let j = 0; j < 3; j++) if (spacing[j]! > spacing[sliceAxis]! * 1.05) sliceAxis = j;
  const d = axisDirection(direction, sliceAxis).map(Math.abs);
  const p = d.indexOf(Math.max(...d));
  return (['sagittal', 'coronal', 'axial'] as const)[p]!;
}

/** How to bring a volume with this geometry to the sagittal stack layout. */
export function planSagittalReorientation(direction: readonly number[], spacing: readonly number[]): OrientationReport {
  const arrayOf = physicalToArrayAxes(direction);
  // target axis t: which physical axis it follows and which sign it should have along it
  const targets: Array<{ physical: number; sign: number }> = [
    { physical: 1, sign: 1 }, // columns: anterior -> posterior = +y
    { physical: 2, sign: -1 }, // rows: superior -> inferior = -z
    { physical: 0, sign: 1 }, // slices: right -> left = +x
  ];
  const permutation = targets.map((t) => arrayOf[t.physical]!) as [number, number, number];
  const flips = targets.map((t, i) => Math.sign(direction[t.physical * 3 + permutation[i]!]!) !== t.sign) as [boolean, boolean, boolean];
  let oblique = 0;
  targets.forEach((t, i) => {
    const c = Math.min(1, Math.abs(direction[t.physical * 3 + permutation[i]!]!));
    oblique = Math.max(oblique, (Math.acos(c) * 180) / Math.PI);
  });
  const sag = sagittalAxis(direction);
  const plane = acquisitionPlane(direction, spacing);
  const changed = permutation.some((p, i) => p !== i) || flips.some((f) => f);
  const parts: string[] = [`${plane} acquisition`, `sagittal axis = array axis ${sag}`];
  if (permutation.some((p, i) => p !== i)) parts.push(`axes permuted (${permutation.join(',')})`);
  const flipped = ['columns (A->P)', 'rows (S->I)', 'slices (R->L)'].filter((_, i) => flips[i]);
  if (flipped.length > 0) parts.push(`flipped ${flipped.join(', ')}`);
  if (!changed) parts.push('already in sagittal layout');
  if (oblique > 1) parts.push(`oblique by ${oblique.toFixed(1)} deg (nearest axes used, no resampling)`);
  return { sagittalAxis: sag, acquisitionPlane: plane, permutation, flips, obliqueDegrees: oblique, changed, description: parts.join('; ') };
}

/**
 * Output axis t is input axis permutation[t], reversed when flips[t]. Geometry follows so every voxel keeps
 * its physical position.
 */
export function permuteFlipVolume<T extends VoxelArray>(
  vol: Volume<T>,
  permutation: readonly number[],
  flips: readonly boolean[],
): Volume<T> {
  const sorted = [...permutation].sort();
  if (sorted.join(',') !== '0,1,2') {
    throw new PipelineError(`permutation ${permutation.join(',')} is not a permutation of 0,1,2`, { field: 'permutation', value: permutation });
  }
  const inStride = [1, vol.size[0], vol.size[0] * vol.size[1]];
  const size = permutation.map((p) => vol.size[p]!) as Vec3;
  const spacing = permutation.map((p) => vol.spacing[p]!) as Vec3;
  const direction = new Array<number>(9);
  const startIndex = [0, 0, 0];
  const step = [0, 0, 0];
  let base = 0;
  for (let t = 0; t < 3; t++) {
    const p = permutation[t]!;
    const s = flips[t] ? -1 : 1;
    for (let r = 0; r < 3; r++) direction[r * 3 + t] = vol.direction[r * 3 + p]! * s || 0; // no -0 in reports
    if (flips[t]) {
      startIndex[p] = vol.size[p]! - 1;
      base += (vol.size[p]! - 1) * inStride[p]!;
    }
    step[t] = s * inStride[p]!;
  }
  const origin = indexToPhysical(vol, startIndex);
  const Ctor = vol.data.constructor as new (n: number) => T;
  const data = new Ctor(vol.data.length);
  let o = 0;
  for (let c = 0; c < size[2]; c++) {
    const bc = base + c * step[2]!;
    for (let b = 0; b < size[1]; b++) {
      let src = bc + b * step[1]!;
      for (let a = 0; a < size[0]; a++) {
        data[o++] = vol.data[src]!;
        src += step[0]!;
      }
    }
  }
  return { data, size, spacing, origin, direction };
}

/** Brings a volume to the sagittal stack layout and says what was done. */
export function reorientToSagittal<T extends VoxelArray>(vol: Volume<T>): { volume: Volume<T>; report: OrientationReport } {
  const report = planSagittalReorientation(vol.direction, vol.spacing);
  const volume = report.changed ? permuteFlipVolume(vol, report.permutation, report.flips) : vol;
  return { volume, report };
}

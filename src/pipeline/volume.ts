/** Voxel storage types a Volume may hold (what itk-wasm returns for scalar images). */
export type VoxelArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array;

export type Vec3 = [number, number, number];

/**
 * A 3-D scalar image with its geometry, x fastest in memory.
 * direction is row-major 3x3 in ITK convention: column j is the physical (LPS) direction of array axis j,
 * so physical(i) = origin + direction * (spacing .* i).
 */
export interface Volume<T extends VoxelArray = VoxelArray> {
  data: T;
  size: Vec3;
  spacing: Vec3;
  origin: Vec3;
  direction: number[];
}

export function voxelCount(size: readonly number[]): number {
  return size.reduce((a, b) => a * b, 1);
}

/** Physical direction (LPS unit vector) of array axis j. */
export function axisDirection(direction: readonly number[], axis: number): Vec3 {
  return [direction[axis]!, direction[3 + axis]!, direction[6 + axis]!];
}

/** Physical position of a continuous index. */
export function indexToPhysical(vol: Pick<Volume, 'origin' | 'spacing' | 'direction'>, index: readonly number[]): Vec3 {
  const out: Vec3 = [vol.origin[0], vol.origin[1], vol.origin[2]];
  for (let r = 0; r < 3; r++) {
    let sum = out[r]!;
    for (let c = 0; c < 3; c++) sum += vol.direction[r * 3 + c]! * vol.spacing[c]! * index[c]!;
    out[r] = sum;
  }
  return out;
}

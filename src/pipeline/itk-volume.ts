// itk-wasm's Image to a Volume (pure, shared by Node IO and the web app): scalar pixels only, geometry
// copied from ITK's row-major direction, and what itk-wasm returned checked against its own header
// (size, spacing, voxel count, finite floats), each failure a PipelineError naming the file.
import type { Image } from 'itk-wasm';
import { PipelineError, fieldError } from './errors.ts';
import { voxelCount, type Vec3, type Volume, type VoxelArray } from './volume.ts';

export function itkImageToVolume(file: string, image: Image): Volume {
  const t = image.imageType;
  // 'Scalar' is itk-wasm's PixelTypes.Scalar, compared as text so that Node loads itk-wasm only when it reads a volume
  if (t.pixelType !== 'Scalar' || t.components !== 1) {
    throw fieldError(file, 'pixelType', `${t.pixelType} x${t.components}`, 'only scalar single-component images are supported');
  }
  if (t.dimension !== 2 && t.dimension !== 3) throw fieldError(file, 'dimension', t.dimension, 'must be 2 or 3');
  const n = t.dimension;
  const size: Vec3 = [1, 1, 1];
  const spacing: Vec3 = [1, 1, 1];
  const origin: Vec3 = [0, 0, 0];
  const direction = [1, 0, 0, 0, 1, 0, 0, 0, 1];
  for (let i = 0; i < n; i++) {
    size[i] = image.size[i]!;
    spacing[i] = image.spacing[i]!;
    origin[i] = image.origin[i]!;
    for (let j = 0; j < n; j++) direction[i * 3 + j] = Number(image.direction[i * n + j]);
  }
  size.forEach((s, i) => {
    if (!Number.isInteger(s) || s < 1) throw fieldError(file, 'size', size, `dimension ${i} is not a positive integer`);
  });
  spacing.forEach((s, i) => {
    if (!(s > 0)) throw fieldError(file, 'spacing', spacing, `spacing ${i} must be positive`);
  });
  const data = image.data as VoxelArray | null;
  if (data === null) throw new PipelineError(`${file}: itk-wasm returned no pixel data`, { file, field: 'data' });
  if (data.length !== voxelCount(size)) {
    throw fieldError(file, 'size', size, `needs ${voxelCount(size)} voxels but itk-wasm returned ${data.length}`);
  }
  if (data instanceof Float32Array || data instanceof Float64Array) {
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i]!)) {
        throw fieldError(file, 'pixel', data[i], `at voxel ${i} (x ${i % size[0]}, y ${Math.floor(i / size[0]) % size[1]}, z ${Math.floor(i / (size[0] * size[1]))}) is not finite`);
      }
    }
  }
  return { data, size, spacing, origin, direction };
}


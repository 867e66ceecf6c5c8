/**
 * Image files to Volumes and back, through @itk-wasm/image-io in Node.
 * Every file is checked before itk-wasm sees it (header, size budget, data length) and what comes back is
 * checked again (dimension, pixel type, size, NaN), so failures are PipelineErrors that name the file.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { Image, ImageType } from 'itk-wasm';
import { PipelineError, fieldError } from './errors.ts';
import { DEFAULT_SIZE_BUDGET_BYTES, parseMetaImageHeader, type MetaImageHeader } from './mha.ts';
import { mapGreyLevels, mapSpiderLabels, type LabelMapOptions } from './labels.ts';
import { voxelCount, type Volume, type VoxelArray } from './volume.ts';
import { itkImageToVolume } from './itk-volume.ts';
import { writeFileAtomicWith } from './atomic-write.ts';
import { PNG_SIGNATURE, checkPngHeader } from './png.ts';

export interface ReadImageOptions {
  /** Largest voxel data accepted, in bytes (uncompressed). */
  sizeBudgetBytes?: number;
}

export type ImageFormat = 'mha' | 'nifti' | 'png';

/** Format from the file name; undefined for anything the pipeline does not read. */
export function imageFormat(file: string): ImageFormat | undefined {
  const lower = file.toLowerCase();
  if (lower.endsWith('.mha')) return 'mha';
  if (lower.endsWith('.nii.gz') || lower.endsWith('.nii')) return 'nifti';
  if (lower.endsWith('.png')) return 'png';
  return undefined;
}

function describeFailure(err: unknown): string {
  if (typeof err === 'number') return `itk-wasm aborted with code ${err}`;
  if (err instanceof Error) return err.message.split('\n')[0]!;
  return String(err);
}

/**
 * itk-wasm and its image IO, loaded on first use: they take ~0.2 s to import, which a PNG `predict` (the common case)
 * never needs.
 */
export async function itkModules(): Promise<{ core: typeof import('itk-wasm'); io: typeof import('@itk-wasm/image-io') }> {
  const [core, io] = await Promise.all([import('itk-wasm'), import('@itk-wasm/image-io')]);
  return { core, io };
}

async function itkRead(file: string, informationOnly = false): Promise<Image> {
  const { io } = await itkModules();
  try {
    return await io.readImageNode(file, informationOnly ? { informationOnly: true } : {});
  } catch (err) {
    throw new PipelineError(`${file}: itk-wasm could not read the image (${describeFailure(err)})`, { file, field: 'file' });
  }
}

function statFile(file: string): fs.Stats {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new PipelineError(`${file}: file does not exist`, { file, field: 'path' });
  }
  if (!stat.isFile()) throw new PipelineError(`${file}: is not a regular file`, { file, field: 'path' });
  if (stat.size === 0) throw new PipelineError(`${file}: file is empty (0 bytes)`, { file, field: 'size', value: 0 });
  return stat;
}

/** Reads and validates a MetaImage header (and, for compressed data, that the zlib stream inflates to the right size). */
export function checkMetaImageFile(file: string, options: ReadImageOptions = {}): MetaImageHeader {
  const stat = statFile(file);
  const budget = options.sizeBudgetBytes ?? DEFAULT_SIZE_BUDGET_BYTES;
  const fd = fs.openSync(file, 'r');
  let head: Buffer;
  try {
    head = Buffer.alloc(Math.min(stat.size, 64 * 1024));
    fs.readSync(fd, head, 0, head.length, 0);
  } finally {
    fs.closeSync(fd);
  }
  const header = parseMetaImageHeader(file, head, stat.size, { sizeBudgetBytes: budget });
  if (header.compressed) {
    const all = fs.readFileSync(file);
    const stream = all.subarray(header.dataOffset, header.dataOffset + header.compressedDataSize!);
    let inflated: Buffer;
    try {
      inflated = zlib.inflateSync(stream, { maxOutputLength: header.dataBytes + 1 });
    } catch (err) {
      throw fieldError(file, 'CompressedData', 'True', `pixel data does not inflate (${describeFailure(err)}): corrupt compressed data`);
    }
    if (inflated.length !== header.dataBytes) {
      throw fieldError(file, 'CompressedData', 'True', `pixel data inflates to ${inflated.length} bytes, DimSize and ElementType need ${header.dataBytes}`);
    }
  }
  return header;
}

/** Samples per pixel of each PNG colour type as ITK reads it (a palette is expanded to RGB). */
const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 3, 4: 2, 6: 4 };

/**
 * The PNG signature, then what the IHDR chunk claims (png.ts's checkPngHeader, from the first 33 bytes) held to the
 * size budget: no decoder runs before a PNG is known to fit (ITK widens depths below 8 to a byte per sample).
 */
function checkPngFile(file: string, budget: number): void {
  const fd = fs.openSync(file, 'r');
  const head = Buffer.alloc(33);
  let got = 0;
  try {
    got = fs.readSync(fd, head, 0, 33, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (!PNG_SIGNATURE.every((b, i) => head[i] === b)) {
    throw fieldError(file, 'signature', [...head.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(''), 'not a PNG file');
  }
  const { width, height, depth, colourType } = checkPngHeader(file, head.subarray(0, got));
  const channels = PNG_CHANNELS[colourType];
  if (channels === undefined) throw fieldError(file, 'colour type', colourType, 'expected 0, 2, 3, 4 or 6');
  const bytes = width * height * channels * (depth > 8 ? 2 : 1);
  if (bytes > budget) throw fieldError(file, 'dim', [width, height], `${bytes} bytes of voxel data exceed the size budget of ${budget} bytes`);
}

/** An RGB(A) export of a grey image (R = G = B everywhere, as some of the shared PNGs are) becomes scalar. */
function greyFromRgb(file: string, image: Image, core: typeof import('itk-wasm')): Image {
  const t = image.imageType;
  const data = image.data;
  if ((t.components !== 3 && t.components !== 4) || !(data instanceof Uint8Array)) return image;
  const n = data.length / t.components;
  const grey = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const r = data[i * t.components]!;
    if (data[i * t.components + 1] !== r || data[i * t.components + 2] !== r) {
      throw fieldError(file, 'pixel', i, `colour ${t.pixelType} image (R, G, B differ); expected a grey image`);
    }
    grey[i] = r;
  }
  const out = new core.Image(new core.ImageType(t.dimension, t.componentType, core.PixelTypes.Scalar, 1));
  Object.assign(out, { size: image.size, spacing: image.spacing, origin: image.origin, direction: image.direction, data: grey });
  return out;
}

async function toVolume(file: string, itkImage: Image): Promise<Volume> {
  return itkImageToVolume(file, greyFromRgb(file, itkImage, (await itkModules()).core));
}

/** Reads a .mha (raw or compressed), .nii/.nii.gz or .png image into a Volume (2-D images get size z = 1); every format is held to the size budget before its voxels are read. */
export async function readImage(file: string, options: ReadImageOptions = {}): Promise<Volume> {
  const format = imageFormat(file);
  if (format === undefined) {
    throw fieldError(file, 'extension', path.extname(file), 'unsupported image file; expected .mha, .nii, .nii.gz or .png');
  }
  const budget = options.sizeBudgetBytes ?? DEFAULT_SIZE_BUDGET_BYTES;
  statFile(file);
  if (format === 'mha') checkMetaImageFile(file, { sizeBudgetBytes: budget });
  if (format === 'png') checkPngFile(file, budget);
  if (format === 'nifti') {
    const info = await itkRead(file, true);
    const bytesPer = componentBytes(info.imageType.componentType) * info.imageType.components;
    const bytes = voxelCount(info.size) * bytesPer;
    if (bytes > budget) throw fieldError(file, 'dim', info.size, `${bytes} bytes of voxel data exceed the size budget of ${budget} bytes`);
  }
  return toVolume(file, await itkRead(file));
}

function componentBytes(type: string): number {
  const m = /(\d+)$/.exec(type);
  return m ? Number(m[1]) / 8 : 8;
}

export interface ReadLabelsOptions extends ReadImageOptions, LabelMapOptions {
  /** 'spider' codes (volumes), 'grey' PNG levels 0/76/150/29, or 'auto' (png -> grey, otherwise spider). */
  encoding?: 'spider' | 'grey' | 'auto';
}

/** Reads a mask and maps it to classes 0-3 (Uint8Array), keeping its geometry. */
export async function readLabels(file: string, options: ReadLabelsOptions = {}): Promise<Volume<Uint8Array>> {
  const vol = await readImage(file, options);
  const encoding = options.encoding === undefined || options.encoding === 'auto' ? (imageFormat(file) === 'png' ? 'grey' : 'spider') : options.encoding;
  const data = encoding === 'grey' ? mapGreyLevels(vol.data, file, options) : mapSpiderLabels(vol.data, file, options);
  return { ...vol, data };
}

function componentTypeOf(data: VoxelArray, core: typeof import('itk-wasm')): string {
  const { IntTypes, FloatTypes } = core;
  if (data instanceof Uint8Array) return IntTypes.UInt8;
  if (data instanceof Int8Array) return IntTypes.Int8;
  if (data instanceof Int16Array) return IntTypes.Int16;
  if (data instanceof Uint16Array) return IntTypes.UInt16;
  if (data instanceof Int32Array) return IntTypes.Int32;
  if (data instanceof Uint32Array) return IntTypes.UInt32;
  if (data instanceof Float32Array) return FloatTypes.Float32;
  return FloatTypes.Float64;
}

export interface WriteImageOptions {
  /** zlib-compress the pixel data where the format allows it (.mha). */
  compress?: boolean;
}

/**
 * Writes a Volume to .mha, .nii.gz or .png through a temp file in the same folder and a rename, so a reader never
 * sees half a file. .png needs a 2-D (size z = 1) Uint8Array volume.
 */
export async function writeImage(vol: Volume, file: string, options: WriteImageOptions = {}): Promise<void> {
  const format = imageFormat(file);
  if (format === undefined) throw fieldError(file, 'extension', path.extname(file), 'cannot write; expected .mha, .nii.gz or .png');
  if (vol.data.length !== voxelCount(vol.size)) {
    throw fieldError(file, 'size', vol.size, `needs ${voxelCount(vol.size)} voxels but the data holds ${vol.data.length}`);
  }
  const dimension = format === 'png' ? 2 : 3;
  if (format === 'png' && (vol.size[2] !== 1 || !(vol.data instanceof Uint8Array))) {
    throw fieldError(file, 'size', vol.size, 'a .png must be a 2-D (z = 1) 8-bit image');
  }
  const { core, io } = await itkModules();
  const componentType = componentTypeOf(vol.data, core) as ConstructorParameters<typeof ImageType>[1];
  const image = new core.Image(new core.ImageType(dimension, componentType, core.PixelTypes.Scalar, 1));
  image.size = vol.size.slice(0, dimension);
  image.spacing = vol.spacing.slice(0, dimension);
  image.origin = vol.origin.slice(0, dimension);
  const direction = new Float64Array(dimension * dimension);
  for (let i = 0; i < dimension; i++) for (let j = 0; j < dimension; j++) direction[i * dimension + j] = vol.direction[i * 3 + j]!;
  image.direction = direction;
  image.data = vol.data;
  try {
    await writeFileAtomicWith(file, async (tmp) => {
      await io.writeImageNode(image, tmp, { useCompression: options.compress ?? false });
    });
  } catch (err) {
    if (err instanceof PipelineError) throw err;
    throw new PipelineError(`${file}: could not write the image (${describeFailure(err)})`, { file, field: 'file' });
  }
}

/** Writes text through a temp file and a rename (the one helper in ./atomic-write.ts, under its older name here). */
export { writeFileAtomic as writeTextAtomic } from './atomic-write.ts';

// Grey PNG slices and masks (pure: the Node loaders and the web app share it).
import { decode } from 'fast-png';
import { PipelineError, fieldError } from './errors.ts';

/** Decodes an 8-bit grey PNG (or an RGB(A) one whose channels agree), as masks are; anything else is an error naming `file`. */
export function decodeGreyPngBytes(file: string, bytes: Uint8Array, maxPixels = MAX_PNG_PIXELS): { data: Uint8Array; width: number; height: number } {
  const png = decodePng(file, bytes, maxPixels);
  if (png.depth !== 8) throw fieldError(file, 'bit depth', png.depth, 'expected 8-bit PNG');
  if (png.channels === 1) return { data: png.data as Uint8Array, width: png.width, height: png.height };
  if (png.channels === 3 || png.channels === 4) {
    // an RGB(A) export of a grey image: accept it only when the three channels agree
    const grey = new Uint8Array(png.width * png.height);
    for (let i = 0; i < grey.length; i++) {
      const r = png.data[i * png.channels]!;
      if (png.data[i * png.channels + 1] !== r || png.data[i * png.channels + 2] !== r) {
        throw fieldError(file, 'pixel', i, 'colour PNG; expected grey (R = G = B)');
      }
      grey[i] = r;
    }
    return { data: grey, width: png.width, height: png.height };
  }
  throw fieldError(file, 'channels', png.channels, 'expected a grey PNG');
}

/** Pixels an image's header may claim before it is refused undecoded (64 Mpx; an MRI slice is well under 1 Mpx). */
export const MAX_PNG_PIXELS = 64 * 2 ** 20;

export const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Checks what a PNG claims before decoding a byte of it: not empty, the PNG signature, an IHDR chunk, a size
 * of at least 1x1 and at most `maxPixels`. Returns the claimed size, bit depth and colour type (IHDR's bytes 24, 25).
 */
export function checkPngHeader(file: string, bytes: Uint8Array, maxPixels = MAX_PNG_PIXELS): { width: number; height: number; depth: number; colourType: number } {
  if (bytes.length === 0) throw fieldError(file, 'file size', 0, 'empty file; expected a PNG image');
  if (bytes.length < 8 || PNG_SIGNATURE.some((b, i) => bytes[i] !== b)) throw new PipelineError(`${file}: not a PNG image (no PNG signature in its first 8 bytes)`, { file, field: 'signature' });
  if (bytes.length < 33) throw fieldError(file, 'file size', bytes.length, 'truncated PNG (too short for its IHDR header)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = String.fromCharCode(bytes[12]!, bytes[13]!, bytes[14]!, bytes[15]!);
  if (type !== 'IHDR') throw fieldError(file, 'first chunk', type, 'expected IHDR (damaged PNG)');
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  if (width === 0 || height === 0) throw fieldError(file, 'size', `${width}x${height}`, 'expected at least 1x1 pixels');
  if (width * height > maxPixels) throw fieldError(file, 'size', `${width}x${height}`, `${width * height} pixels exceed the budget of ${maxPixels}`);
  return { width, height, depth: bytes[24]!, colourType: bytes[25]! };
}

function decodePng(file: string, bytes: Uint8Array, maxPixels: number): ReturnType<typeof decode> {
  checkPngHeader(file, bytes, maxPixels);
  try {
    return decode(bytes);
  } catch (err) {
    throw new PipelineError(`${file}: truncated or damaged PNG (${err instanceof Error ? err.message : String(err)})`, { file, field: 'file' });
  }
}

/** Rec. 601 luma weights: grey = 0.299 R + 0.587 G + 0.114 B, so R = G = B gives that grey exactly. */
const LUMA = [0.299, 0.587, 0.114] as const;

/**
 * Any PNG an MRI viewer exports (bit depth 1-16; grey, grey+alpha, RGB, RGBA or palette) as grey intensity in
 * [0, 1]: value / (2^depth - 1), colour by luma. Alpha is ignored (viewers export opaque slices). Errors name `file`.
 */
export function decodeIntensityPngBytes(file: string, bytes: Uint8Array, maxPixels = MAX_PNG_PIXELS): { image: Float32Array; width: number; height: number; depth: number } {
  const png = decodePng(file, bytes, maxPixels);
  const { width, height, depth, channels } = png;
  const n = width * height;
  const image = new Float32Array(n);
  const data = png.data;
  if (png.palette) {
    if (depth > 8) throw fieldError(file, 'bit depth', depth, 'with a palette; PNG allows 1, 2, 4 or 8');
    const pal = png.palette.map((c) => (LUMA[0] * c[0]! + LUMA[1] * c[1]! + LUMA[2] * c[2]!) / 255);
    const idx = unpackSamples(file, data as Uint8Array, width, height, depth);
    for (let i = 0; i < n; i++) {
      const v = pal[idx[i]!];
      if (v === undefined) throw fieldError(file, 'palette index', idx[i], `expected < ${pal.length} (palette size)`);
      image[i] = v;
    }
    return { image, width, height, depth };
  }
  const max = 2 ** depth - 1;
  if (depth < 8) {
    if (channels !== 1) throw fieldError(file, 'bit depth', depth, `with ${channels} channels; PNG allows depth < 8 only for grey or palette`);
    const v = unpackSamples(file, data as Uint8Array, width, height, depth);
    for (let i = 0; i < n; i++) image[i] = v[i]! / max;
    return { image, width, height, depth };
  }
  if (data.length < n * channels) throw fieldError(file, 'pixel data', `${data.length} samples`, `${n * channels} for ${width}x${height}x${channels} (truncated PNG)`);
  if (channels === 1 || channels === 2) {
    for (let i = 0; i < n; i++) image[i] = data[i * channels]! / max;
  } else if (channels === 3 || channels === 4) {
    for (let i = 0; i < n; i++) {
      const o = i * channels;
      image[i] = (LUMA[0] * data[o]! + LUMA[1] * data[o + 1]! + LUMA[2] * data[o + 2]!) / max;
    }
  } else throw fieldError(file, 'channels', channels, 'expected 1-4');
  // luma of R = G = B can land a hair above 1
  for (let i = 0; i < n; i++) if (image[i]! > 1) image[i] = 1;
  return { image, width, height, depth };
}

/** Unpacks 1/2/4-bit samples (rows padded to whole bytes) to one value per pixel; 8-bit passes through. */
function unpackSamples(file: string, packed: Uint8Array, width: number, height: number, depth: number): Uint8Array {
  if (depth === 8) {
    if (packed.length < width * height) throw fieldError(file, 'pixel data', `${packed.length} samples`, `${width * height} (truncated PNG)`);
    return packed;
  }
  const stride = Math.ceil((width * depth) / 8);
  if (packed.length < stride * height) throw fieldError(file, 'pixel data', `${packed.length} bytes`, `${stride * height} for ${width}x${height} at ${depth} bits (truncated PNG)`);
  const out = new Uint8Array(width * height);
  const perByte = 8 / depth;
  const mask = (1 << depth) - 1;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const byte = packed[y * stride + Math.floor(x / perByte)]!;
      out[y * width + x] = (byte >> (8 - depth * ((x % perByte) + 1))) & mask;
    }
  return out;
}

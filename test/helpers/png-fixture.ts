// PNG bytes built by tests: any channel count and bit depth fast-png writes, with a palette when given, and the
// packing of 1/2/4-bit samples (PNG's layout).
import { encode } from 'fast-png';

export type PngDepth = 1 | 2 | 4 | 8 | 16;
export type PngChannels = 1 | 2 | 3 | 4;

export function png(width: number, height: number, channels: PngChannels, depth: PngDepth, data: ArrayLike<number>, palette?: number[][]): Uint8Array {
  const typed = depth === 16 ? Uint16Array.from(data) : Uint8Array.from(data);
  return encode({ width, height, channels, depth, data: typed, ...(palette ? { palette } : {}) });
}

/** 1/2/4-bit grey samples packed MSB first, rows padded to whole bytes (PNG's layout). */
export function pack(values: number[], width: number, height: number, depth: 1 | 2 | 4): number[] {
  const stride = Math.ceil((width * depth) / 8);
  const out = new Array(stride * height).fill(0);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out[y * stride + Math.floor((x * depth) / 8)] |= values[y * width + x]! << (8 - depth - ((x * depth) % 8));
  return out;
}

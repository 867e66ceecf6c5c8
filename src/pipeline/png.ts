// Grey PNG slices and masks (pure: the Node loaders and the web app share it).
import { decode } from 'fast-png';
import { PipelineError, fieldError } from './errors.js';

/** Decodes an 8-bit grey PNG (or an RGB(A) one whose channels agree); anything else is an error naming `file`. */
export function decodeGreyPngBytes(file: string, bytes: Uint8Array): { data: Uint8Array; width: number; height: number } {
  let png: ReturnType<typeof decode>;
  try {
    png = decode(bytes);
  } catch (err) {
    throw new PipelineError(`${file}: not a readable PNG (${err instanceof Error ? err.message : String(err)})`, { file, field: 'file' });
  }
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

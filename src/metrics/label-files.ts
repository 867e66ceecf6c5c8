// Label images for `spineseg evaluate`: PNG masks (grey levels 0/76/150/29 as in the shared SPIDER PNGs,
// or class indices 0..3), or volumes (.mha / .nii.gz through src/pipeline/io.ts, SPIDER codes mapped to
// classes). PNGs are decoded with fast-png directly. Errors name the file and what was wrong.
import fs from 'node:fs';
import path from 'node:path';
import { decode } from 'fast-png';
import { CLASS_TO_GREY } from '../pipeline/labels.ts';
import { checkPngHeader } from '../pipeline/png.ts';

/** Grey level of each class in the shared PNG masks (index = class). */
/** Grey level of each class in the PNG masks (one table: src/pipeline/labels.ts). */
export const MASK_GREY_LEVELS = CLASS_TO_GREY;

export interface LabelImage {
  file: string;
  /** class indices, [D, H, W] row-major */
  data: Uint8Array;
  dims: [number, number, number];
  /** mm [slice, row, column] when the file (or a sidecar) says so */
  spacing: [number, number, number] | null;
}

export const LABEL_EXTENSIONS = ['.png', '.mha', '.nii', '.nii.gz'];

export function isLabelFile(name: string): boolean {
  const lower = name.toLowerCase();
  return LABEL_EXTENSIONS.some((e) => lower.endsWith(e));
}

/** Name without the image extension (a.nii.gz -> a). */
export function stem(name: string): string {
  const lower = name.toLowerCase();
  const ext = LABEL_EXTENSIONS.filter((e) => lower.endsWith(e)).sort((a, b) => b.length - a.length)[0] ?? path.extname(name);
  return name.slice(0, name.length - ext.length);
}

/** Label files of a directory, sorted by name. */
export function listLabelFiles(dir: string, option: string): string[] {
  let entries: string[];
  try {
    if (!fs.statSync(dir).isDirectory()) throw new Error(`${option} ${dir}: is not a directory`);
    entries = fs.readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${option} ${dir}: directory does not exist`);
    throw e;
  }
  const files = entries.filter(isLabelFile).sort();
  if (files.length === 0) throw new Error(`${option} ${dir}: no label images (${LABEL_EXTENSIONS.join(', ')})`);
  return files;
}

/** Maps decoded PNG values to classes: grey levels if any of 76/150/29 occurs, else class indices 0..numClasses-1. */
export function pngToClasses(values: ArrayLike<number>, file: string, numClasses = 4): Uint8Array {
  const seen = new Set<number>();
  for (let i = 0; i < values.length; i++) seen.add(values[i]);
  const grey = [...seen].some((v) => v !== 0 && (MASK_GREY_LEVELS as readonly number[]).includes(v));
  const out = new Uint8Array(values.length);
  if (grey) {
    const lut = new Map<number, number>(MASK_GREY_LEVELS.map((g, c) => [g, c]));
    for (const v of seen) if (!lut.has(v)) throw new Error(`${file}: grey level ${v} is not a class (mask grey levels are ${MASK_GREY_LEVELS.join('/')} for classes 0..3)`);
    for (let i = 0; i < values.length; i++) out[i] = lut.get(values[i])!;
  } else {
    for (const v of seen) if (v >= numClasses) throw new Error(`${file}: value ${v} is neither a mask grey level (${MASK_GREY_LEVELS.join('/')}) nor a class index 0..${numClasses - 1}`);
    for (let i = 0; i < values.length; i++) out[i] = values[i];
  }
  return out;
}

/** Reads a PNG label image (first channel of grey / grey+alpha; RGB must have equal channels). */
export function readPngLabels(file: string, numClasses = 4): LabelImage {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new Error(`${file}: cannot read (${(e as Error).message})`);
  }
  checkPngHeader(file, bytes);
  let png;
  try {
    png = decode(bytes);
  } catch (e) {
    throw new Error(`${file}: not a readable PNG (${(e as Error).message})`);
  }
  const { width, height, channels, data } = png;
  let values: ArrayLike<number> = data;
  if (channels > 1) {
    const first = new Uint16Array(width * height);
    const colour = channels >= 3;
    for (let i = 0; i < width * height; i++) {
      first[i] = data[i * channels];
      if (colour && (data[i * channels + 1] !== first[i] || data[i * channels + 2] !== first[i])) throw new Error(`${file}: colour PNG with differing channels at pixel ${i % width},${Math.floor(i / width)}; label images must be grey`);
    }
    values = first;
  }
  return { file, data: pngToClasses(values, file, numClasses), dims: [1, height, width], spacing: sidecarSpacing(file) };
}

/** [rowMm, colMm] from `<name>.json` beside the image ({"spacing": [rowMm, colMm]}), null when there is none. */
export function sidecarSpacing(file: string): [number, number, number] | null {
  const json = path.join(path.dirname(file), `${stem(path.basename(file))}.json`);
  if (!fs.existsSync(json)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(json, 'utf8'));
  } catch (e) {
    throw new Error(`${json}: not valid JSON (${(e as Error).message})`);
  }
  const sp = (parsed as { spacing?: unknown }).spacing;
  if (!Array.isArray(sp) || sp.length !== 2 || !sp.every((v) => typeof v === 'number' && v > 0 && Number.isFinite(v))) {
    throw new Error(`${json}: spacing = ${JSON.stringify(sp)}: expected [rowMm, colMm], two positive numbers`);
  }
  return [1, sp[0], sp[1]];
}

/** Reads a volume label file through the pipeline's reader (SPIDER codes -> classes, spacing from the header). */
export async function readVolumeLabels(file: string): Promise<LabelImage> {
  const io = await import('../pipeline/io.ts');
  const vol = await io.readLabels(file);
  const [x, y, z] = vol.size;
  return { file, data: vol.data, dims: [z, y, x], spacing: [vol.spacing[2], vol.spacing[1], vol.spacing[0]] };
}

export async function readLabelImage(file: string, numClasses = 4): Promise<LabelImage> {
  return file.toLowerCase().endsWith('.png') ? readPngLabels(file, numClasses) : readVolumeLabels(file);
}

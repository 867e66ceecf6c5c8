/**
 * One dataset interface for 2-D slice folders: the shared PNG set, data/sample, and `spineseg prepare` output
 * (all `images/<patient>_<sequence>_slice<n>.png` + `masks/<same>`, masks in grey 0/76/150/29; prepare also writes
 * `meta/<same>.json` with the pixel spacing). PNGs are decoded with fast-png (pure JS, fast, no wasm start-up).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PipelineError, fieldError } from './errors.ts';
import { decodeGreyPngBytes, decodeIntensityPngBytes } from './png.ts';
import { mapGreyLevels, type UnknownLabelPolicy } from './labels.ts';
import { cropOrPadCentred, resizeArea, resizeNearest } from './resample.ts';
import { seededRandom, shuffleInPlace } from '../util/random.ts';

export interface Sample {
  patient: string;
  sequence: string;
  file: string;
  /** height*width, row-major, values in [0, 1]. */
  image: Float32Array;
  /** height*width classes 0-3. */
  labels: Uint8Array;
  height: number;
  width: number;
  /** [row mm, column mm]; source pixels when the folder has no spacing metadata. */
  spacing: [number, number];
}

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The shared PNG set beside the repository, or `configured`: the `dataRoot` setting ($SPINESEG_DATA,
 * src/runtime/settings.ts), which callers above the pipeline pass in (the pipeline reads no settings).
 */
export function defaultDataRoot(repoRoot: string = REPO_ROOT, configured: string | null = null): string {
  return configured ?? path.resolve(repoRoot, '../shared/data/spider-t2space-png');
}

/** The small sample bundled with the repository. */
export function sampleDataRoot(repoRoot: string = REPO_ROOT): string {
  return path.resolve(repoRoot, 'data/sample');
}

// slice names are parsed node-free (the page names dropped patients the same way): src/pipeline/split.ts
export { parseSliceName } from './split.ts';
import { parseSliceName } from './split.ts';

export interface LoadOptions {
  /** Target width x height after canvas fit; omit to keep the canvas size. */
  width?: number;
  height?: number;
  /**
   * Slices within 5% of this canvas are centre-cropped/zero-padded to it (the shared set's 512x620 -> 512x640);
   * other sizes are left alone. Default 512x640; null never pads.
   */
  canvas?: { width: number; height: number } | null;
  /** Keep only these patients. */
  patients?: readonly string[];
  /** Load at most this many slices per patient (evenly spaced), for quick runs. */
  maxSlicesPerPatient?: number;
  unknownLabels?: UnknownLabelPolicy;
}

/** Reads and decodes an 8-bit grey PNG file; anything else is an error naming the file. */
export function decodeGreyPng(file: string): { data: Uint8Array; width: number; height: number } {
  return decodeGreyPngBytes(file, readFileNamed(file));
}

/** Reads an MRI slice PNG of any bit depth / colour type as grey intensity in [0, 1]; errors name the file. */
export function decodeIntensityPng(file: string): { image: Float32Array; width: number; height: number } {
  return decodeIntensityPngBytes(file, readFileNamed(file));
}

function readFileNamed(file: string): Uint8Array {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new PipelineError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file, field: 'file' });
  }
}

/** Lists image/mask pairs of a slice folder; unpaired or unnamed files are errors. */
export function listSlicePairs(root: string): Array<{ imageFile: string; maskFile: string; name: string }> {
  const imagesDir = path.join(root, 'images');
  const masksDir = path.join(root, 'masks');
  for (const d of [imagesDir, masksDir]) {
    if (!fs.existsSync(d) || !fs.statSync(d).isDirectory()) throw new PipelineError(`${d}: folder does not exist`, { file: d, field: 'folder' });
  }
  const images = fs.readdirSync(imagesDir).filter((f) => !f.startsWith('.')).sort();
  const masks = new Set(fs.readdirSync(masksDir).filter((f) => !f.startsWith('.')));
  if (images.length === 0) throw new PipelineError(`${imagesDir}: folder holds no images`, { file: imagesDir, field: 'folder' });
  for (const m of masks) {
    if (!images.includes(m)) throw new PipelineError(`${path.join(masksDir, m)}: mask has no image ${path.join(imagesDir, m)}`, { file: path.join(masksDir, m), field: 'image' });
  }
  return images.map((name) => {
    parseSliceName(path.join(imagesDir, name));
    if (!masks.has(name)) throw new PipelineError(`${path.join(imagesDir, name)}: image has no mask ${path.join(masksDir, name)}`, { file: path.join(imagesDir, name), field: 'mask' });
    return { imageFile: path.join(imagesDir, name), maskFile: path.join(masksDir, name), name };
  });
}

function readSpacing(root: string, name: string): [number, number] | undefined {
  const meta = path.join(root, 'meta', name.replace(/\.png$/, '.json'));
  if (!fs.existsSync(meta)) return undefined;
  const json = JSON.parse(fs.readFileSync(meta, 'utf8')) as { spacing?: unknown };
  const s = json.spacing;
  if (!Array.isArray(s) || s.length !== 2 || !s.every((v) => typeof v === 'number' && v > 0)) throw fieldError(meta, 'spacing', JSON.stringify(s), 'expected [row mm, column mm]');
  return [s[0] as number, s[1] as number];
}

/** Loads one image/mask pair as a Sample. */
export function loadSlicePair(root: string, pair: { imageFile: string; maskFile: string; name: string }, options: LoadOptions = {}): Sample {
  const { patient, sequence } = parseSliceName(pair.imageFile);
  const img = decodeIntensityPng(pair.imageFile);
  const msk = decodeGreyPng(pair.maskFile);
  if (img.width !== msk.width || img.height !== msk.height) {
    throw new PipelineError(`${pair.maskFile}: size ${msk.width}x${msk.height} does not match ${pair.imageFile} size ${img.width}x${img.height}`, { file: pair.maskFile, field: 'size' });
  }
  if (img.width < 8 || img.height < 8) throw fieldError(pair.imageFile, 'size', `${img.width}x${img.height}`, 'too small to be a slice (minimum 8x8)');
  let labels: Uint8Array = mapGreyLevels(msk.data, pair.maskFile, { unknownLabels: options.unknownLabels });
  let image: Float32Array = img.image;
  let width = img.width;
  let height = img.height;
  let spacing = readSpacing(root, pair.name) ?? [1, 1];
  const canvas = options.canvas === undefined ? { width: 512, height: 640 } : options.canvas;
  const nearCanvas = canvas !== null && Math.abs(canvas.width - width) <= 0.05 * canvas.width && Math.abs(canvas.height - height) <= 0.05 * canvas.height;
  if (canvas && nearCanvas && (canvas.width !== width || canvas.height !== height)) {
    image = cropOrPadCentred(image, width, height, canvas.width, canvas.height);
    labels = cropOrPadCentred(labels, width, height, canvas.width, canvas.height);
    width = canvas.width;
    height = canvas.height;
  }
  const tw = options.width ?? width;
  const th = options.height ?? height;
  if (tw !== width || th !== height) {
    image = resizeArea(image, width, height, tw, th);
    labels = resizeNearest(labels, width, height, tw, th);
    spacing = [(spacing[0] * height) / th, (spacing[1] * width) / tw];
    width = tw;
    height = th;
  }
  return { patient, sequence, file: pair.imageFile, image, labels, height, width, spacing };
}

/** Loads a slice folder (shared PNG set, data/sample or prepare output). */
export function loadSliceDataset(root: string, options: LoadOptions = {}): Sample[] {
  let pairs = listSlicePairs(root);
  if (options.patients) {
    const keep = new Set(options.patients);
    pairs = pairs.filter((p) => keep.has(parseSliceName(p.imageFile).patient));
  }
  if (options.maxSlicesPerPatient !== undefined) {
    const byPatient = new Map<string, typeof pairs>();
    for (const p of pairs) {
      const id = parseSliceName(p.imageFile).patient;
      byPatient.set(id, [...(byPatient.get(id) ?? []), p]);
    }
    const limit = options.maxSlicesPerPatient;
    pairs = [...byPatient.values()].flatMap((list) => (list.length <= limit ? list : Array.from({ length: limit }, (_, i) => list[Math.floor(((i + 0.5) * list.length) / limit)]!)));
  }
  return pairs.map((p) => loadSlicePair(root, p, options));
}

// the patient-wise splits are node-free (the page splits dropped data with them): src/pipeline/split.ts
export { patientSplit, patientSplit3, type SplitOptions, type Split3Options, type Split3 } from './split.ts';

export interface Batch {
  /** [n, height, width, 1] NHWC. */
  images: Float32Array;
  /** [n, height, width] class indices. */
  labels: Uint32Array;
  n: number;
  height: number;
  width: number;
  /** Files of the samples in this batch, in order. */
  files: string[];
}

export interface BatchOptions {
  shuffle?: boolean;
  seed?: number;
  /** Drop a last batch smaller than batchSize. */
  dropLast?: boolean;
}

/** CPU-side batches in sample order (or a seeded shuffle); all samples must share one size. */
export function* batches(samples: readonly Sample[], batchSize: number, options: BatchOptions = {}): Generator<Batch> {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new PipelineError(`batchSize = ${batchSize}: must be a positive integer`, { field: 'batchSize', value: batchSize });
  if (samples.length === 0) return;
  const { height, width } = samples[0]!;
  for (const s of samples) {
    if (s.height !== height || s.width !== width) throw fieldError(s.file, 'size', `${s.width}x${s.height}`, `differs from ${samples[0]!.file} (${width}x${height}); load with a fixed width and height`);
  }
  const order = samples.map((_, i) => i);
  if (options.shuffle) shuffleInPlace(order, seededRandom(options.seed ?? 0));
  const plane = height * width;
  for (let start = 0; start < order.length; start += batchSize) {
    const n = Math.min(batchSize, order.length - start);
    if (n < batchSize && options.dropLast) return;
    const images = new Float32Array(n * plane);
    const labels = new Uint32Array(n * plane);
    const files: string[] = [];
    for (let b = 0; b < n; b++) {
      const s = samples[order[start + b]!]!;
      images.set(s.image, b * plane);
      labels.set(s.labels, b * plane);
      files.push(s.file);
    }
    yield { images, labels, n, height, width, files };
  }
}

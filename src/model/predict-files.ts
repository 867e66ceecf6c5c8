// Prediction on files (Node): PNG slices or .mha/.nii.gz volumes in, label maps out with the input's size
// and, for volumes, its origin, spacing and direction. Volumes are reoriented to sagittal slices by
// their direction matrix, segmented slice by slice and put back in the input's own array order.
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { writeFileAtomic } from './checkpoint.ts';
import { basename, join } from 'node:path';
import { readImage, writeImage, imageFormat } from '../pipeline/io.ts';
import { decodeGreyPng, decodeIntensityPng } from '../pipeline/dataset.ts';
import { classesToGreyLevels, mapGreyLevels } from '../pipeline/labels.ts';
import { sagittalSlices, labelsInInputGeometry } from './volume-slices.ts';
import { predictSlices } from './predict.ts';
import { comparisonPng } from './overlay.ts';
import type { UNet } from './unet.ts';

export interface PredictFilesOptions {
  output: string;
  overlay: boolean;
  /** folder of true masks (same file names) to draw beside the prediction */
  truth?: string;
  batchSize: number;
  onProgress?: (done: number, total: number, file: string) => void;
}

export interface PredictedFile {
  input: string;
  output: string;
  /** pixels (or voxels) per class */
  counts: number[];
  reoriented?: string;
}

/** The image files an --input path names: one file, or every supported image in a folder. */
export function listInputs(input: string): string[] {
  if (!existsSync(input)) throw new Error(`${input}: no such file or folder`);
  if (statSync(input).isFile()) {
    if (!imageFormat(input)) throw new Error(`${input}: not a .png, .mha, .nii or .nii.gz image`);
    return [input];
  }
  const files = readdirSync(input).filter((f) => imageFormat(f)).sort().map((f) => join(input, f));
  if (files.length === 0) throw new Error(`${input}: the folder holds no .png, .mha, .nii or .nii.gz images`);
  return files;
}

function countClasses(labels: ArrayLike<number>, classes = 4): number[] {
  const c = new Array(classes).fill(0);
  for (let i = 0; i < labels.length; i++) c[labels[i]]++;
  return c;
}

async function predictPng(model: UNet, file: string, o: PredictFilesOptions): Promise<PredictedFile> {
  const png = decodeIntensityPng(file);
  // the truth is checked before anything is written
  let truth: Uint8Array | null = null;
  const truthFile = o.overlay && o.truth ? join(o.truth, basename(file)) : null;
  if (truthFile && existsSync(truthFile)) {
    const t = decodeGreyPng(truthFile);
    if (t.width !== png.width || t.height !== png.height) throw new Error(`${truthFile}: size ${t.width}x${t.height} differs from ${file} (${png.width}x${png.height})`);
    truth = mapGreyLevels(t.data, truthFile);
  }
  const image = png.image;
  const [labels] = await predictSlices(model, [{ image, width: png.width, height: png.height }], 1);
  const out = join(o.output, basename(file));
  writeFileAtomic(out, (await import('fast-png')).encode({ width: png.width, height: png.height, data: classesToGreyLevels(labels), channels: 1, depth: 8 }));
  if (o.overlay) writeFileAtomic(join(o.output, 'overlays', basename(file)), comparisonPng(image, labels, truth, png.width, png.height));
  return { input: file, output: out, counts: countClasses(labels) };
}

async function predictVolume(model: UNet, file: string, o: PredictFilesOptions): Promise<PredictedFile> {
  const vol = await readImage(file);
  const stack = sagittalSlices(vol);
  const labels = await predictSlices(model, stack.slices, o.batchSize);
  const back = labelsInInputGeometry(vol, stack, labels);
  const name = basename(file);
  const out = join(o.output, name);
  await writeImage(back, out, { compress: true });
  if (o.overlay) {
    const mid = Math.floor(stack.slices.length / 2);
    const s = stack.slices[mid];
    const stem = name.replace(/\.(mha|nii\.gz|nii)$/, '');
    writeFileAtomic(join(o.output, 'overlays', `${stem}_slice${mid}.png`), comparisonPng(s.image, labels[mid], null, s.width, s.height));
  }
  return { input: file, output: out, counts: countClasses(back.data), reoriented: stack.report.changed ? stack.report.description : undefined };
}

export async function predictFiles(model: UNet, inputs: string[], o: PredictFilesOptions): Promise<PredictedFile[]> {
  // every PNG is decoded once up front, so a damaged one stops the run before anything is written
  for (const file of inputs) if (imageFormat(file) === 'png') decodeIntensityPng(file);
  mkdirSync(o.output, { recursive: true });
  if (o.overlay) mkdirSync(join(o.output, 'overlays'), { recursive: true });
  const results: PredictedFile[] = [];
  for (const [i, file] of inputs.entries()) {
    const fmt = imageFormat(file);
    results.push(fmt === 'png' ? await predictPng(model, file, o) : await predictVolume(model, file, o));
    o.onProgress?.(i + 1, inputs.length, file);
  }
  return results;
}


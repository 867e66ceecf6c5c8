// Prediction on files (Node): PNG slices or .mha/.nii.gz volumes in, label maps out with the input's size
// and, for volumes, its origin, spacing and direction. Volumes are reoriented to sagittal slices by
// their direction matrix, segmented slice by slice and put back in the input's own array order.
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { writeFileAtomic } from '../model/checkpoint.ts';
import { basename, join } from 'node:path';
import { readImage, writeImage, imageFormat } from '../pipeline/io.ts';
import { decodeGreyPng, decodeIntensityPng } from '../pipeline/dataset.ts';
import { classesToGreyLevels, mapGreyLevels } from '../pipeline/labels.ts';
import { labelsInInputGeometry } from './volume-slices.ts';
import type { SliceConfidence, TtaMode } from '../model/predict.ts';
import { segment, sliceInput, volumeInput, countClasses, joinedLabels, joinedDisagreement, type Nets } from './segment.ts';
import { comparisonPng } from './overlay.ts';
import type { PostprocessBlock } from '../pipeline/postprocess.ts';
import { sagittalLabelGrid } from './levels.ts';
import { writeLevels } from './levels-files.ts';
import type { LevelsReport } from './levels-table.ts';
import { indexToPhysical, type Volume } from '../pipeline/volume.ts';
import type { DicomSource } from '../pipeline/dicom.ts';
import { labelStats, type ClassStats } from './stats.ts';
import { volumeOutputs, type VolumeFormat } from './volume-outputs.ts';

export interface PredictFilesOptions {
  output: string;
  overlay: boolean;
  /** folder of true masks (same file names) to draw beside the prediction */
  truth?: string;
  batchSize: number;
  /** a checkpoint's post-processing (2-D on PNG slices, 3-D on volumes); null or absent: none */
  postprocess?: PostprocessBlock | null;
  /** also label the spine levels (src/app/levels.ts): SPIDER-coded maps in <output>/levels/, <stem>.levels.json/.csv, a levels overlay */
  levels?: boolean;
  onProgress?: (done: number, total: number, file: string) => void;
  /** volumes: 'nii.gz' or 'mha' (default: the input's own format, nii.gz for DICOM), or 'seg' (DICOM input only) */
  format?: VolumeFormat;
  /** volumes: also the class probabilities on the input grid (after ensemble averaging, before argmax and post-processing) as a 4-D float image */
  saveProbabilities?: boolean;
  /** the SEG's segment algorithm name and software version (format 'seg') */
  algorithmName?: string;
  /** test-time augmentation (src/model/predict.ts); default none */
  tta?: TtaMode;
}

export interface PredictedFile {
  input: string;
  output: string;
  /** pixels (or voxels) per class */
  counts: number[];
  reoriented?: string;
  /** with the `levels` option: the levels and their measurements */
  levels?: LevelsReport;
  /** per class: voxel count, mm³ (mm² in 2-D with a spacing), slices present */
  stats: ClassStats[];
  /** further files written for this input (probabilities, SEG) */
  extra?: string[];
  /** per segmented slice (sagittal slices of a volume): the members' agreement and entropy per class */
  confidence: SliceConfidence[];
}

/**
 * The image files an --input path names: one file, or every supported image in a folder. Every PNG is decoded once
 * here, so a damaged one stops a run before a model is loaded or anything is written.
 */
export function listInputs(input: string): string[] {
  if (!existsSync(input)) throw new Error(`${input}: no such file or folder`);
  if (statSync(input).isFile() && !imageFormat(input)) throw new Error(`${input}: not a .png, .mha, .nii or .nii.gz image`);
  const files = statSync(input).isFile() ? [input] : readdirSync(input).filter((f) => imageFormat(f)).sort().map((f) => join(input, f));
  if (files.length === 0) throw new Error(`${input}: the folder holds no .png, .mha, .nii or .nii.gz images`);
  for (const file of files) if (imageFormat(file) === 'png') decodeIntensityPng(file);
  return files;
}

async function predictPng(model: Nets, file: string, o: PredictFilesOptions): Promise<PredictedFile> {
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
  const seg = await segment(model, sliceInput([{ ...png, name: file }]), { batchSize: 1, postprocess: o.postprocess, tta: o.tta });
  const labels = seg.labels[0]!;
  const out = join(o.output, basename(file));
  writeFileAtomic(out, (await import('fast-png')).encode({ width: png.width, height: png.height, data: classesToGreyLevels(labels), channels: 1, depth: 8 }));
  if (o.overlay) writeFileAtomic(join(o.output, 'overlays', basename(file)), comparisonPng(image, labels, truth, png.width, png.height));
  // PNG slices carry no spacing: level measurements are in pixels
  const levels = o.levels
    ? (await writeLevels({ output: o.output, file: basename(file), stem: basename(file).replace(/\.png$/i, ''), grid: { labels, dims: [1, png.height, png.width], spacing: [1, 1, 1], unit: 'px' }, images: [image], contested: joinedDisagreement(seg),
        writeCodes: async (codes, path) => writeFileAtomic(path, (await import('fast-png')).encode({ width: png.width, height: png.height, data: codes, channels: 1, depth: 8 })) })).report
    : undefined;
  return { input: file, output: out, counts: countClasses(labels), levels, stats: labelStats(labels, [png.width, png.height, 1], null), confidence: seg.confidence ?? [] };
}

async function predictVolume(model: Nets, file: string, o: PredictFilesOptions): Promise<PredictedFile> {
  return predictVolumeData(model, await readImage(file), file, o);
}

/**
 * Predicts a volume read from `file` (a DICOM series: its source, for the SEG and the default format) and writes
 * the label map and the outputs o asks for.
 */
export async function predictVolumeData(model: Nets, vol: Volume, file: string, o: PredictFilesOptions, dicom?: DicomSource): Promise<PredictedFile> {
  const input = volumeInput(file, vol);
  const stack = { sagittal: input.sagittal!, report: input.report!, slices: input.slices };
  const sliceProbabilities: Float32Array[] = [];
  const seg = await segment(model, input, { batchSize: o.batchSize, postprocess: o.postprocess, tta: o.tta, onSliceProbabilities: o.saveProbabilities ? (k, p) => (sliceProbabilities[k] = p) : undefined });
  const labels = seg.labels;
  const back = labelsInInputGeometry(vol, stack, labels);
  const outputs = volumeOutputs(file, o, dicom);
  const name = outputs.name;
  const out = join(o.output, outputs.labels);
  outputs.checkLabels(back.data);
  if (outputs.format !== 'seg') await writeImage(back, out, { compress: true });
  if (o.overlay) {
    const mid = Math.floor(stack.slices.length / 2);
    const s = stack.slices[mid];
    const stem = name.replace(/\.(mha|nii\.gz|nii)$/, '');
    writeFileAtomic(join(o.output, 'overlays', `${stem}_slice${mid}.png`), comparisonPng(s.image, labels[mid], null, s.width, s.height));
  }
  let levels: LevelsReport | undefined;
  let levelCodes: Uint8Array | undefined;
  if (o.levels) {
    const [w, h] = stack.sagittal.size;
    const joined = joinedLabels(seg);
    const written = await writeLevels({
      output: o.output, file: name, stem: name.replace(/\.(mha|nii\.gz|nii)$/, ''), grid: sagittalLabelGrid(joined, stack.sagittal), images: stack.slices.map((s) => s.image),
      writeCodes: (codes, path) => {
        const inInput = labelsInInputGeometry(vol, stack, labels.map((_, k) => codes.subarray(k * w * h, (k + 1) * w * h)));
        levelCodes = inInput.data;
        return writeImage(inInput, path, { compress: true });
      },
      centroidOf: ([slice, row, col]) => indexToPhysical(stack.sagittal, [col, row, slice]).map((v) => Math.round(v * 100) / 100),
      contested: joinedDisagreement(seg),
    });
    levels = written.report;
  }
  const extra = await outputs.writeExtra({ labels: back, levelCodes, stack, sliceProbabilities, input: vol });
  return { input: file, output: out, counts: countClasses(back.data), reoriented: stack.report.changed ? stack.report.description : undefined, levels, stats: labelStats(back.data, back.size, back.spacing), extra, confidence: seg.confidence ?? [] };
}

/** Predicts `inputs` (as listInputs returns them: PNGs already known to decode) into o.output. */
export async function predictFiles(model: Nets, inputs: string[], o: PredictFilesOptions): Promise<PredictedFile[]> {
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


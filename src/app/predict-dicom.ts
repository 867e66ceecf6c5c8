// `predict` and `inspect` input (Node): PNG slices and .mha/.nii(.gz) volumes as before (listInputs), or DICOM: a
// folder searched recursively or a list of files, one series chosen (src/pipeline/dicom.ts) and decoded before any
// model is loaded, so a bad series is the only line a run prints.
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { chooseSeries, seriesToVolume, type DicomSeries, type DicomSource, type SeriesChoice } from '../pipeline/dicom.ts';
import { imageFormat } from '../pipeline/io.ts';
import { DEFAULT_SIZE_BUDGET_BYTES } from '../pipeline/mha.ts';
import type { Volume } from '../pipeline/volume.ts';
import { memoryBudgetBytes } from '../model/checkpoint.ts';
import { scanDicom, skippedLine, type DicomScan } from './dicom-input.ts';
import { listInputs, predictVolumeData, type PredictedFile, type PredictFilesOptions } from './predict-files.ts';
import type { SegmentationNet } from '../model/predict.ts';

export interface DicomInput {
  kind: 'dicom';
  scan: DicomScan;
  series: DicomSeries;
  volume: Volume<Float32Array>;
  source: DicomSource;
  /** the name the outputs take: series-<SeriesNumber> */
  name: string;
  /** "skipped N non-DICOM files", or null */
  skipped: string | null;
}

export type PredictInput = { kind: 'files'; files: string[] } | DicomInput;

/** The largest volume a DICOM series may decode to: the image budget, or less when the memory budget is smaller. */
export function dicomBudgetBytes(): number {
  return Math.min(DEFAULT_SIZE_BUDGET_BYTES, memoryBudgetBytes());
}

/** Image files (a file, or a folder with image files at its top level) stay files; anything else is read as DICOM. */
function isImageInput(paths: readonly string[]): boolean {
  if (paths.length !== 1) return false;
  const p = paths[0]!;
  if (!existsSync(p)) return true; // listInputs names the missing path
  if (statSync(p).isFile()) return imageFormat(p) !== undefined;
  return readdirSync(p).some((f) => imageFormat(f) !== undefined);
}

/** Reads the DICOM series under `paths` (see the module comment); `onFile` reports the files read. */
export function readDicomInput(paths: readonly string[], choice: SeriesChoice, onFile?: (done: number, total: number) => void): DicomInput {
  const budget = dicomBudgetBytes();
  const scan = scanDicom(paths, { sizeBudgetBytes: budget }, onFile);
  const series = chooseSeries(scan.series, scan.source, choice);
  const { volume, source } = seriesToVolume(series, { sizeBudgetBytes: budget });
  return { kind: 'dicom', scan, series, volume, source, name: `series-${series.number || series.uid}`, skipped: skippedLine(scan) };
}

/** What --input names: image files, or one DICOM series. */
export function resolvePredictInput(paths: readonly string[], choice: SeriesChoice, onFile?: (done: number, total: number) => void): PredictInput {
  if (isImageInput(paths)) {
    if (choice.series !== undefined) throw new Error(`series = ${JSON.stringify(choice.series)}: a DICOM series was asked for, but ${paths[0]} holds .png/.mha/.nii(.gz) images`);
    return { kind: 'files', files: listInputs(paths[0]!) };
  }
  return readDicomInput(paths, choice, onFile);
}

/** Predicts the chosen series into o.output: the label map (or SEG), probabilities and levels as o asks. */
export async function predictDicom(model: SegmentationNet | readonly SegmentationNet[], input: DicomInput, o: PredictFilesOptions): Promise<PredictedFile> {
  mkdirSync(o.output, { recursive: true });
  if (o.overlay) mkdirSync(join(o.output, 'overlays'), { recursive: true });
  const result = await predictVolumeData(model, input.volume, join(basename(input.scan.source), input.name), o, input.source);
  o.onProgress?.(1, 1, input.name);
  return result;
}

// `spineseg predict` flags for DICOM and volume outputs (--series, --allow-modality, --format,
// --save-probabilities, --stats), checked before a model is loaded, and the --stats file.
import { extname } from 'node:path';
import { resolvePredictInput, type PredictInput } from '../app/predict-dicom.ts';
import type { PredictedFile } from '../app/predict-files.ts';
import { formatStats, type StatsContext } from '../app/stats.ts';
import { VOLUME_FORMATS, type VolumeFormat } from '../app/volume-outputs.ts';
import { writeFileAtomic } from '../model/checkpoint.ts';

export interface DicomFlags {
  series?: string;
  allowModality?: boolean;
  format?: string;
  saveProbabilities?: boolean;
  stats?: string;
}

export function checkOutputFlags(f: DicomFlags): void {
  if (f.format !== undefined && !VOLUME_FORMATS.includes(f.format as VolumeFormat)) throw new Error(`--format ${f.format}: expected one of ${VOLUME_FORMATS.join(', ')}`);
  if (f.stats !== undefined && !/^\.(json|csv)$/i.test(extname(f.stats))) throw new Error(`--stats ${f.stats}: the extension must be .json or .csv`);
}

/** Fills in the skipped-files line and the progress of a large DICOM folder on stderr. */
export function resolveCliInput(paths: string[], f: DicomFlags): PredictInput {
  const tty = process.stderr.isTTY;
  const input = resolvePredictInput(paths, { series: f.series, allowModality: f.allowModality }, tty ? (done, total) => done % 50 === 0 && process.stderr.write(`\rread ${done}/${total} files`) : undefined);
  if (tty) process.stderr.write('\r'.padEnd(40) + '\r');
  if (input.kind === 'files') {
    if (f.format === 'seg') throw new Error(`--format seg: needs DICOM input (a SEG references its source images); ${paths[0]} holds .png/.mha/.nii(.gz) images`);
    const png = input.files.find((file) => /\.png$/i.test(file));
    if (png && (f.format !== undefined || f.saveProbabilities)) throw new Error(`${png}: --format and --save-probabilities are for volumes; PNG slices give PNG label maps`);
    return input;
  }
  console.error(`DICOM: series ${input.series.number} (${input.series.uid}) "${input.series.description}", ${input.source.geometry.plane}, ${input.volume.size.join('x')} voxels of ${input.volume.spacing.map((v) => +v.toFixed(3)).join(' x ')} mm${input.skipped ? `; ${input.skipped}` : ''}`);
  return input;
}

export function writeStats(file: string, results: readonly PredictedFile[], ctx: StatsContext): void {
  writeFileAtomic(file, formatStats(file, results.map((r) => ({ input: r.input, output: r.output, classes: r.stats, confidence: r.confidence })), ctx));
}

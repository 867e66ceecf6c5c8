/** The prepare workflow: SPIDER volumes (or a PNG slice folder) -> filtered 2-D sagittal slices + report (`spineseg prepare`, the demo). */
import fs from 'node:fs';
import path from 'node:path';
import { encode } from 'fast-png';
import { PipelineError, fieldError } from '../pipeline/errors.ts';
import { imageFormat, readImage, readLabels } from '../pipeline/io.ts';
import { classesToGreyLevels, type UnknownLabelPolicy } from '../pipeline/labels.ts';
import { extractPngSlice, extractSagittalSlices, type SagittalSlice } from '../pipeline/extract.ts';
import { addAgreements, apta as runApta, compareClassMaps, type AptaAgreement } from '../pipeline/apta.ts';
import {
  DEFAULT_IMBALANCE_RULE,
  DEFAULT_IMBALANCE_THRESHOLD,
  FilterTally,
  IMBALANCE_RULES,
  classCounts,
  filterSlice,
  table1Rows,
  type ImbalanceRule,
} from '../pipeline/filter.ts';
import { parseSliceName } from '../pipeline/dataset.ts';
import { replaceDirAtomic } from '../pipeline/atomic-write.ts';
import { formatPrepareReport, summariseSequences, type DroppedSlice, type PrepareReport, type ReorientedFile } from '../pipeline/report.ts';

export interface PrepareOptions {
  input: string;
  out: string;
  width?: number;
  height?: number;
  apta?: boolean;
  imbalanceRule?: ImbalanceRule;
  imbalanceThreshold?: number;
  unknownLabels?: UnknownLabelPolicy;
  /** Replace an existing --out folder (only once the new one is complete). */
  overwrite?: boolean;
  sizeBudgetBytes?: number;
  onProgress?: (done: number, total: number, file: string) => void;
  warn?: (message: string) => void;
}

const VOLUME_NAME = /^(.+?)_(t1|t2|t2_SPACE)\.(mha|nii|nii\.gz)$/;

interface InputPair {
  imageFile: string;
  maskFile: string;
  name: string;
  patient: string;
  sequence: string;
}

/** Image/mask pairs of an input folder; every problem names the file. */
export function listInputPairs(input: string): { mode: 'volumes' | 'png'; pairs: InputPair[] } {
  if (!fs.existsSync(input) || !fs.statSync(input).isDirectory()) throw fieldError(input, '--input', input, 'is not a folder');
  const imagesDir = path.join(input, 'images');
  const masksDir = path.join(input, 'masks');
  for (const d of [imagesDir, masksDir]) {
    if (!fs.existsSync(d) || !fs.statSync(d).isDirectory()) throw new PipelineError(`${d}: folder does not exist (expected images/ and masks/ under --input)`, { file: d, field: 'folder' });
  }
  const images = fs.readdirSync(imagesDir).filter((f) => !f.startsWith('.')).sort();
  const masks = fs.readdirSync(masksDir).filter((f) => !f.startsWith('.')).sort();
  if (images.length === 0) throw new PipelineError(`${imagesDir}: folder holds no images`, { file: imagesDir, field: 'folder' });
  for (const f of [...images.map((n) => path.join(imagesDir, n)), ...masks.map((n) => path.join(masksDir, n))]) {
    if (imageFormat(f) === undefined) throw fieldError(f, 'extension', path.extname(f), 'not an image file; expected .mha, .nii, .nii.gz or .png');
  }
  const imageSet = new Set(images);
  const maskSet = new Set(masks);
  for (const m of masks) if (!imageSet.has(m)) throw new PipelineError(`${path.join(masksDir, m)}: mask has no image ${path.join(imagesDir, m)}`, { file: path.join(masksDir, m), field: 'image' });
  for (const i of images) if (!maskSet.has(i)) throw new PipelineError(`${path.join(imagesDir, i)}: image has no mask ${path.join(masksDir, i)}`, { file: path.join(imagesDir, i), field: 'mask' });
  const formats = new Set(images.map((f) => (imageFormat(f) === 'png' ? 'png' : 'volumes')));
  if (formats.size > 1) throw new PipelineError(`${imagesDir}: mixes PNG slices and volumes; use one kind per input folder`, { file: imagesDir, field: 'format' });
  const mode = formats.has('png') ? 'png' : 'volumes';
  const pairs = images.map((name) => {
    const imageFile = path.join(imagesDir, name);
    let patient: string;
    let sequence: string;
    if (mode === 'png') ({ patient, sequence } = parseSliceName(imageFile));
    else {
      const m = VOLUME_NAME.exec(name);
      if (!m) throw fieldError(imageFile, 'file name', name, 'expected <id>_<t1|t2|t2_SPACE>.mha (SPIDER naming)');
      patient = m[1]!;
      sequence = m[2]!;
    }
    return { imageFile, maskFile: path.join(masksDir, name), name, patient, sequence };
  });
  return { mode, pairs };
}
function writeSlicePng(file: string, width: number, height: number, data: Uint8Array): void {
  fs.writeFileSync(file, encode({ width, height, data, channels: 1, depth: 8 }));
}

function to8bit(image: Float32Array): Uint8Array {
  const out = new Uint8Array(image.length);
  for (let i = 0; i < image.length; i++) out[i] = Math.round(255 * image[i]!);
  return out;
}

/** Runs the whole preparation; the output folder appears only when everything succeeded. */
export async function runPrepare(options: PrepareOptions): Promise<PrepareReport> {
  const started = Date.now();
  const width = options.width ?? 512;
  const height = options.height ?? 640;
  const rule = options.imbalanceRule ?? DEFAULT_IMBALANCE_RULE;
  if (!IMBALANCE_RULES.includes(rule)) throw fieldError('command line', '--imbalance-rule', rule, `expected one of ${IMBALANCE_RULES.join(', ')}`);
  const threshold = options.imbalanceThreshold ?? DEFAULT_IMBALANCE_THRESHOLD;
  if (!Number.isFinite(threshold)) throw fieldError('command line', '--imbalance-threshold', threshold, 'must be a number');
  const unknownLabels = options.unknownLabels ?? 'error';
  if (unknownLabels !== 'error' && unknownLabels !== 'background') throw fieldError('command line', '--unknown-labels', unknownLabels, 'expected error or background');
  const input = path.resolve(options.input);
  const out = path.resolve(options.out);
  const { mode, pairs } = listInputPairs(input);
  if (fs.existsSync(out) && !options.overwrite) throw fieldError(out, '--out', out, 'already exists (use --overwrite to replace it)');
  const warnings: string[] = [];
  const warn = (m: string) => {
    warnings.push(m);
    options.warn?.(m);
  };
  const useApta = options.apta === true && mode === 'volumes';
  if (options.apta && mode === 'png') warn('APTA skipped: PNG masks are already in 4 grey levels (APTA output), not rendered SPIDER codes');

  const tmp = path.join(path.dirname(out), `.${path.basename(out)}.tmp-${process.pid}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  for (const d of ['images', 'masks', 'meta']) fs.mkdirSync(path.join(tmp, d), { recursive: true });
  const tally = new FilterTally();
  const settings = { rule, threshold };
  const dropped: DroppedSlice[] = [];
  const reoriented: ReorientedFile[] = [];
  const agreements: AptaAgreement[] = [];
  let total = 0;
  let kept = 0;
  try {
    for (let p = 0; p < pairs.length; p++) {
      const pair = pairs[p]!;
      let slices: SagittalSlice[];
      let extra: Record<string, unknown> = {};
      if (mode === 'volumes') {
        const image = await readImage(pair.imageFile, { sizeBudgetBytes: options.sizeBudgetBytes });
        const mask = await readImage(pair.maskFile, { sizeBudgetBytes: options.sizeBudgetBytes });
        const result = extractSagittalSlices(image, mask, { imageFile: pair.imageFile, maskFile: pair.maskFile, width, height, renderMask: useApta, unknownLabels, warn });
        slices = result.slices;
        extra = { orientation: result.orientation.description, intensityWindow: result.intensityWindow };
        if (result.orientation.changed || result.orientation.acquisitionPlane !== 'sagittal') {
          const o = result.orientation;
          reoriented.push({ file: pair.imageFile, acquisitionPlane: o.acquisitionPlane, permutation: o.permutation, flips: o.flips, description: o.description });
        }
      } else {
        const image = await readImage(pair.imageFile, { sizeBudgetBytes: options.sizeBudgetBytes });
        const classes = await readLabels(pair.maskFile, { encoding: 'grey', unknownLabels, warn, sizeBudgetBytes: options.sizeBudgetBytes });
        slices = [extractPngSlice(image, classes, { imageFile: pair.imageFile, maskFile: pair.maskFile, width, height })];
      }
      for (const slice of slices) {
        total++;
        let labels = slice.labels;
        if (useApta && slice.renderedMask) {
          const aptaClasses = runApta(slice.renderedMask, slice.width, slice.height).classes;
          agreements.push(compareClassMaps(aptaClasses, slice.labels));
          labels = aptaClasses;
        }
        const counts = classCounts(labels);
        const verdict = filterSlice(counts, settings);
        tally.add(pair.sequence, counts, verdict);
        const outName = mode === 'png' ? pair.name : `${pair.patient}_${pair.sequence}_slice${slice.source.sagittalIndex}.png`;
        if (!verdict.keep) {
          dropped.push({ file: outName, sagittalIndex: slice.source.sagittalIndex, step: verdict.step, reason: verdict.reason });
          continue;
        }
        kept++;
        writeSlicePng(path.join(tmp, 'images', outName), slice.width, slice.height, to8bit(slice.image));
        writeSlicePng(path.join(tmp, 'masks', outName), slice.width, slice.height, classesToGreyLevels(labels));
        const meta = {
          patient: pair.patient,
          sequence: pair.sequence,
          spacing: slice.spacing,
          spacingUnit: mode === 'png' ? 'source pixels (PNG has no spacing)' : 'mm',
          sliceThicknessMm: slice.sliceThicknessMm,
          origin: slice.origin,
          direction: slice.direction,
          source: { ...slice.source, imageFile: path.relative(input, slice.source.imageFile), maskFile: path.relative(input, slice.source.maskFile) },
          labels: useApta ? 'apta' : 'exact',
          classCounts: counts,
          ...extra,
        };
        fs.writeFileSync(path.join(tmp, 'meta', outName.replace(/\.png$/, '.json')), JSON.stringify(meta, null, 1) + '\n');
      }
      options.onProgress?.(p + 1, pairs.length, pair.name);
    }
    const report: PrepareReport = {
      input,
      out,
      mode,
      size: { width, height },
      settings: { imbalanceRule: rule, imbalanceThreshold: threshold, apta: useApta, unknownLabels },
      inputPairs: pairs.length,
      slices: { total, kept, droppedStep1: dropped.filter((d) => d.step === 1).length, droppedStep2: dropped.filter((d) => d.step === 2).length },
      table1: table1Rows(tally, rule),
      perSequence: summariseSequences(tally),
      reoriented,
      dropped,
      apta: useApta ? addAgreements(agreements) : null,
      warnings,
      seconds: (Date.now() - started) / 1000,
    };
    fs.writeFileSync(path.join(tmp, 'report.json'), JSON.stringify(report, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 1) + '\n');
    fs.writeFileSync(path.join(tmp, 'report.md'), formatPrepareReport(report));
    replaceDirAtomic(tmp, out, `${tmp}.old`);
    return report;
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

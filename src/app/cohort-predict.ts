// `predict` over a cohort: one shard's studies, each predicted with predictFiles into a .partial folder that is
// renamed into place with its stats.csv and done.json when complete. Finished studies (same inputs, model and
// settings) are skipped, so a killed or rescheduled shard, rerun, finishes the rest; a study that fails is
// listed in the shard's failures.csv and the shard goes on.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readImage, imageFormat } from '../pipeline/io.ts';
import { formatCsv } from '../pipeline/csv.ts';
import { REPO_ROOT } from '../pipeline/dataset.ts';
import { describePostprocess, type PostprocessBlock } from '../pipeline/postprocess.ts';
import { resolveCheckpointDir, writeFileAtomic } from '../model/checkpoint.ts';
import { gpu } from '../runtime/gpu.ts';
import type { RunConfig } from './session.ts';
import { expandEnsembles, loadPredictor, postprocessOf, type LoadedPredictor } from './checkpoints.ts';
import { predictFiles, type PredictedFile } from './predict-files.ts';
import { predictDicom, resolvePredictInput } from './predict-dicom.ts';
import {
  clearPartial, hashInputs, sha256File, hashTree, partialDir, publishStudy, readDone, shardDir, shardStudies, staleBecause, studyDir, writeCohortList, writeFailures,
  DONE_FORMAT, type Cohort, type DoneMarker, type Shard, type Study, type StudyFailure, type StudyIdentity,
} from './cohort.ts';

export interface CohortPredictOptions {
  cohort: Cohort;
  shard: Shard | null;
  output: string;
  /** the run's checkpoint folders (an ensemble when several), for studies whose manifest row names none */
  checkpoints: string[];
  /** apply the checkpoint's post-processing block */
  postprocess: boolean;
  overlay: boolean;
  /** also name and measure the spine levels (predictFiles' `levels`) */
  levels: boolean;
  batchSize: number;
  /** redo finished studies too */
  overwrite: boolean;
  /** one line per event (the CLI prints them to stderr) */
  log: (line: string) => void;
  onFileProgress?: (done: number, total: number, file: string) => void;
}

export interface CohortPredictResult {
  /** this shard's studies */
  studies: number;
  predicted: string[];
  skipped: string[];
  failures: StudyFailure[];
  failuresFile: string;
}

/** A checkpoint (or ensemble) as a study needs it: its hashes and post-processing known before any GPU work. */
interface ModelEntry {
  dirs: string[];
  identity: StudyIdentity['model'];
  postprocess: PostprocessBlock | null;
  /** the class names of the first member's config.json */
  classes: string[];
  loaded?: Promise<LoadedPredictor>;
}

export const STATS_COLUMNS = ['study', 'file', 'class', 'count', 'unit', 'spacing_mm', 'volume_mm3'] as const;

function modelEntry(dirs: string[], postprocess: boolean): ModelEntry {
  const identity: StudyIdentity['model'] = [];
  let block: PostprocessBlock | null = null;
  let classes: string[] = [];
  // a folder of folds (ensemble.json) is its members, as loadPredictor reads it
  for (const [k, d] of expandEnsembles(dirs).entries()) {
    const dir = resolveCheckpointDir(d);
    const configFile = path.join(dir, 'config.json');
    const weightsFile = path.join(dir, 'model.safetensors');
    if (!fs.existsSync(weightsFile)) throw new Error(`${weightsFile}: file not found`);
    identity.push({ config_sha256: sha256File(configFile), weights_sha256: sha256File(weightsFile) });
    if (k > 0) continue;
    let config: RunConfig;
    try {
      config = JSON.parse(fs.readFileSync(configFile, 'utf8')) as RunConfig;
    } catch (e) {
      throw new Error(`${configFile}: not valid JSON (${(e as Error).message})`);
    }
    if (postprocess) block = postprocessOf(config, configFile);
    classes = Array.isArray(config.classes) ? config.classes.map(String) : [];
  }
  return { dirs, identity, postprocess: block, classes };
}

function versions(): Record<string, string> {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  return { spineseg: pkg.version, node: process.versions.node };
}

/** Per class and output file: the pixel/voxel count and, where the image has a spacing, the volume in mm³. */
async function studyStats(study: Study, results: readonly PredictedFile[], classes: readonly string[], tmp: string): Promise<string> {
  const rows: Array<Record<string, string | number>> = [];
  for (const r of results) {
    const file = path.basename(r.output);
    const volume = imageFormat(r.output) !== 'png';
    const spacing = volume ? (await readImage(path.join(tmp, file))).spacing : null;
    const voxelMm3 = spacing ? spacing[0] * spacing[1] * spacing[2] : null;
    r.counts.forEach((count, c) => {
      rows.push({
        study: study.id, file, class: classes[c] ?? `class ${c}`, count, unit: volume ? 'voxel' : 'pixel',
        spacing_mm: spacing ? spacing.map((v) => +v.toPrecision(6)).join('x') : '',
        volume_mm3: voxelMm3 === null ? '' : (count * voxelMm3).toFixed(3),
      });
    });
  }
  return formatCsv(STATS_COLUMNS, rows);
}

class RunModelError extends Error {}

function deviceLost(): string | null {
  try {
    return gpu().deviceLost;
  } catch {
    return null;
  }
}

/** Predicts one shard of a cohort (all of it without a shard) into `output`; see the module comment. */
export async function predictCohort(o: CohortPredictOptions): Promise<CohortPredictResult> {
  const mine = shardStudies(o.cohort.studies, o.shard);
  const runModel = modelEntry(o.checkpoints, o.postprocess); // a bad --checkpoint stops the run before anything is written
  fs.mkdirSync(path.join(o.output, 'studies'), { recursive: true });
  writeCohortList(o.output, o.cohort);
  const failuresFile = path.join(shardDir(o.output, o.shard), 'failures.csv');
  const failures: StudyFailure[] = [];
  writeFailures(failuresFile, failures);
  const result: CohortPredictResult = { studies: mine.length, predicted: [], skipped: [], failures, failuresFile };
  const models = new Map<string, ModelEntry>([[JSON.stringify(o.checkpoints), runModel]]);
  o.log(`model: ${o.checkpoints.join(' + ')}${o.checkpoints.length > 1 ? ' (probabilities averaged)' : ''}; post-processing: ${!o.postprocess ? 'off' : runModel.postprocess ? describePostprocess(runModel.postprocess, runModel.classes) : 'none (the checkpoint has no postprocess block)'}`);
  const stamp = versions();
  try {
    for (const [i, study] of mine.entries()) {
      const tag = `[${i + 1}/${mine.length}] ${study.id}`;
      const started = Date.now();
      let tmp: string | null = null;
      try {
        if (!fs.existsSync(study.input)) throw new Error(`${study.input}: no such file or folder`);
        // image files, or a DICOM folder whose series the manifest's series column chooses (predict --series)
        const input = resolvePredictInput([study.input], { series: study.series || undefined });
        const inputs = input.kind === 'files' ? input.files : input.series.objects.map((obj) => obj.file);
        const key = JSON.stringify(study.checkpoint ? [study.checkpoint] : o.checkpoints);
        let model = models.get(key);
        if (!model) models.set(key, (model = modelEntry(JSON.parse(key) as string[], o.postprocess)));
        const identity: StudyIdentity = { inputs: hashInputs(inputs), model: model.identity, settings: { postprocess: model.postprocess, overlay: o.overlay, levels: o.levels } };
        const done = readDone(studyDir(o.output, study));
        const stale = done && staleBecause(done, identity);
        if (done && !stale && !o.overwrite) {
          result.skipped.push(study.id);
          o.log(`${tag}: skipped, done with the same inputs, model and settings (${done.finished})`);
          continue;
        }
        if (done) o.log(`${tag}: redoing, ${o.overwrite ? '--overwrite' : stale}`);
        clearPartial(o.output, study);
        tmp = path.join(partialDir(o.output, study), `${os.hostname()}.${process.pid}`);
        fs.mkdirSync(tmp, { recursive: true });
        model.loaded ??= loadPredictor(model.dirs);
        const predictor = await model.loaded.catch((e: Error) => {
          // the run's own --checkpoint failing to load fails every study: stop at once
          throw model === runModel ? new RunModelError(e.message) : e;
        });
        // the checkpoint's own test-time augmentation (its inference.tta, part of the model's identity)
        const fileOptions = { output: tmp, overlay: o.overlay, levels: o.levels, batchSize: o.batchSize, postprocess: model.postprocess, tta: predictor.tta, onProgress: o.onFileProgress };
        const results = input.kind === 'dicom' ? [await predictDicom(predictor.nets, input, fileOptions)] : await predictFiles(predictor.nets, inputs, fileOptions);
        writeFileAtomic(path.join(tmp, 'stats.csv'), await studyStats(study, results, predictor.configs[0]!.classes, tmp));
        const marker: DoneMarker = {
          format: DONE_FORMAT, version: 1, id: study.id, input: study.input, checkpoints: model.dirs, ...identity,
          outputs: hashTree(tmp), versions: stamp, finished: new Date().toISOString(),
        };
        writeFileAtomic(path.join(tmp, 'done.json'), JSON.stringify(marker, null, 2) + '\n');
        publishStudy(tmp, o.output, study);
        result.predicted.push(study.id);
        o.log(`${tag}: done, ${results.length} file${results.length === 1 ? '' : 's'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      } catch (e) {
        if (e instanceof RunModelError) throw e;
        const lost = deviceLost();
        // a lost GPU fails every study after it: stop, and let the rerun finish the rest
        if (lost) throw new Error(`the GPU device was lost during study ${study.id} (${lost}); rerun the same command to finish this shard (finished studies are kept)`);
        if (tmp) clearPartial(o.output, study);
        const reason = ((e as Error).message ?? String(e)).split('\n')[0]!;
        failures.push({ study: study.id, input: study.input, reason });
        writeFailures(failuresFile, failures);
        o.log(`${tag}: FAILED: ${reason}`);
      }
    }
  } finally {
    for (const m of models.values()) if (m.loaded) await m.loaded.then((p) => p.dispose(), () => undefined);
  }
  return result;
}

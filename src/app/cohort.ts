// A cohort: many studies, each a folder of slices or one volume, predicted by any number of independent
// processes. Here: the study list (from a folder or a manifest CSV), shards (position in the sorted id list
// mod n, from `k/n` or the scheduler's environment), the done markers that make reruns skip finished
// studies, and the per-shard failure lists. The workflow that predicts is cohort-predict.ts.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { imageFormat } from '../pipeline/io.ts';
import { parseCsv, formatCsv } from '../pipeline/csv.ts';
import { PipelineError, fieldError } from '../pipeline/errors.ts';
import { writeFileAtomic } from '../model/checkpoint.ts';
import { replaceDirAtomic } from '../pipeline/atomic-write.ts';
import { alive } from './run-lock.ts';

export interface Study {
  /** stable id: the manifest's, or the folder entry's name (an image file's without its extension) */
  id: string;
  /** the study's images: a folder of slices, or one .png/.mha/.nii/.nii.gz file */
  input: string;
  /** its folder under <output>/studies */
  output: string;
  /** the manifest's DICOM series, '' when none */
  series: string;
  /** the manifest's checkpoint folder for this study, '' for the run's --checkpoint */
  checkpoint: string;
}

export interface Cohort {
  studies: Study[];
  /** folder entries that are neither a sub-folder nor an image (not studies) */
  ignored: string[];
  /** "folder DIR" or "manifest FILE" */
  source: string;
}

/** Sorted by id in code-unit order, the same on every machine and locale. */
function byId(a: Study, b: Study): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

const IMAGE_EXTENSION = /\.(mha|nii\.gz|nii|png)$/i;

/** Why `name` cannot be a study id or output folder name, or null when it can. */
function badName(name: string): string | null {
  if (name.trim() === '') return 'is empty';
  if (name !== name.trim()) return 'has leading or trailing spaces';
  if (name.startsWith('.')) return 'starts with "." (hidden and temporary names are reserved)';
  if (/[/\\\u0000-\u001f]/.test(name)) return 'holds a slash, backslash or control character';
  return null;
}

/** The studies of a folder: each sub-folder is one (its slices or volume), each image file is one. */
export function listCohortFolder(dir: string): Cohort {
  if (!fs.existsSync(dir)) throw new PipelineError(`${dir}: no such folder`, { file: dir, field: 'path' });
  if (!fs.statSync(dir).isDirectory()) throw new PipelineError(`${dir}: a cohort --input must be a folder of studies (one sub-folder or image file per study), or use --manifest FILE.csv`, { file: dir, field: 'path' });
  const studies: Study[] = [];
  const ignored: string[] = [];
  const from = new Map<string, string>();
  for (const name of fs.readdirSync(dir).sort()) {
    if (name.startsWith('.')) continue;
    const full = path.join(dir, name);
    const isDir = fs.statSync(full).isDirectory();
    if (!isDir && !imageFormat(name)) {
      ignored.push(name);
      continue;
    }
    const id = isDir ? name : name.replace(IMAGE_EXTENSION, '');
    const bad = badName(id);
    if (bad) throw fieldError(full, 'study id', id, bad);
    if (from.has(id)) throw new PipelineError(`${dir}: ${from.get(id)} and ${name} are both study ${JSON.stringify(id)}; rename one`, { file: dir, field: 'study id', value: id });
    from.set(id, name);
    studies.push({ id, input: full, output: id, series: '', checkpoint: '' });
  }
  if (studies.length === 0) throw new PipelineError(`${dir}: the folder holds no studies (sub-folders or .png/.mha/.nii/.nii.gz files)`, { file: dir, field: 'path' });
  return { studies: studies.sort(byId), ignored, source: `folder ${dir}` };
}

export const MANIFEST_COLUMNS = ['id', 'input', 'output', 'series', 'checkpoint'] as const;

/**
 * A manifest: a header row naming `id` and `input` (required) and optionally `output`, `series`, `checkpoint`,
 * then one row per study. Relative paths are relative to the manifest's folder, so it moves with its data.
 */
export function parseManifest(file: string): Cohort {
  if (!fs.existsSync(file)) throw new PipelineError(`${file}: no such manifest`, { file, field: 'path' });
  const table = parseCsv(fs.readFileSync(file, 'utf8'), file);
  for (const h of table.header) {
    if (!(MANIFEST_COLUMNS as readonly string[]).includes(h)) throw fieldError(file, 'header', h, `unknown column; the columns are ${MANIFEST_COLUMNS.join(', ')}`);
  }
  for (const need of ['id', 'input']) if (!table.header.includes(need)) throw fieldError(file, 'header', table.header.join(','), `needs an ${JSON.stringify(need)} column`);
  const base = path.dirname(file);
  const ids = new Map<string, number>();
  const outputs = new Map<string, number>();
  const studies = table.rows.map((row, k): Study => {
    const line = table.lines[k]!;
    const at = `${file}: line ${line}`;
    const id = row.id!;
    const output = row.output?.trim() || id;
    for (const [field, value] of [['id', id], ['output', output]] as const) {
      const bad = badName(value);
      if (bad) throw new PipelineError(`${at}: field ${field} = ${JSON.stringify(value)} ${bad}`, { file, field, value });
    }
    if (ids.has(id)) throw new PipelineError(`${at}: field id = ${JSON.stringify(id)} is also on line ${ids.get(id)}`, { file, field: 'id', value: id });
    if (outputs.has(output)) throw new PipelineError(`${at}: field output = ${JSON.stringify(output)} is also the output of line ${outputs.get(output)}`, { file, field: 'output', value: output });
    ids.set(id, line);
    outputs.set(output, line);
    const input = row.input!.trim();
    if (input === '') throw new PipelineError(`${at}: field input is empty`, { file, field: 'input', value: '' });
    const checkpoint = row.checkpoint?.trim() ?? '';
    return { id, input: path.resolve(base, input), output, series: row.series?.trim() ?? '', checkpoint: checkpoint && path.resolve(base, checkpoint) };
  });
  if (studies.length === 0) throw new PipelineError(`${file}: the manifest lists no studies`, { file, field: 'rows' });
  return { studies: studies.sort(byId), ignored: [], source: `manifest ${file}` };
}

export interface Shard {
  /** 0-based: this process takes the studies at sorted positions ≡ index (mod count) */
  index: number;
  count: number;
  /** where the index came from, for the log */
  source: string;
}

function shardNumber(text: string | undefined, what: string, min: number): number {
  const n = Number(text);
  if (text === undefined || text.trim() === '' || !Number.isInteger(n) || n < min) throw new Error(`${what} = ${JSON.stringify(text ?? '')}: expected an integer >= ${min}`);
  return n;
}

function checkedShard(index: number, count: number, source: string): Shard {
  if (index >= count) throw new Error(`${source}: shard index ${index} is not below the shard count ${count} (indices are 0 to ${count - 1})`);
  return { index, count, source };
}

/**
 * `--shard k/n`, or `--shard` alone: the index from Slurm's array (SLURM_ARRAY_TASK_ID minus SLURM_ARRAY_TASK_MIN,
 * of SLURM_ARRAY_TASK_COUNT) or from a Kubernetes Indexed Job (JOB_COMPLETION_INDEX, of `count`, --shard-count).
 */
export function resolveShard(value: string | true, env: Readonly<Record<string, string | undefined>>, count?: string): Shard {
  if (value !== true) {
    const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
    if (!m) throw new Error(`--shard = ${JSON.stringify(value)}: expected k/n, e.g. 0/4 (k from 0 to n-1), or --shard alone to read the scheduler's index`);
    return checkedShard(shardNumber(m[1], '--shard k', 0), shardNumber(m[2], '--shard n', 1), `--shard ${value}`);
  }
  if (env.SLURM_ARRAY_TASK_ID !== undefined) {
    const id = shardNumber(env.SLURM_ARRAY_TASK_ID, 'SLURM_ARRAY_TASK_ID', 0);
    const min = env.SLURM_ARRAY_TASK_MIN === undefined ? 0 : shardNumber(env.SLURM_ARRAY_TASK_MIN, 'SLURM_ARRAY_TASK_MIN', 0);
    const step = env.SLURM_ARRAY_TASK_STEP === undefined ? 1 : shardNumber(env.SLURM_ARRAY_TASK_STEP, 'SLURM_ARRAY_TASK_STEP', 1);
    if (step !== 1) throw new Error(`SLURM_ARRAY_TASK_STEP = ${step}: submit the array as a contiguous range (--array=0-N), one task per shard`);
    const n = count !== undefined ? shardNumber(count, '--shard-count', 1) : shardNumber(env.SLURM_ARRAY_TASK_COUNT, 'SLURM_ARRAY_TASK_COUNT', 1);
    return checkedShard(id - min, n, `SLURM_ARRAY_TASK_ID=${id}${min ? ` - SLURM_ARRAY_TASK_MIN=${min}` : ''} of ${count !== undefined ? `--shard-count ${n}` : `SLURM_ARRAY_TASK_COUNT=${n}`}`);
  }
  if (env.JOB_COMPLETION_INDEX !== undefined) {
    if (count === undefined) throw new Error('JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job) but not the shard count: pass --shard-count N (the Job\'s completions)');
    const index = shardNumber(env.JOB_COMPLETION_INDEX, 'JOB_COMPLETION_INDEX', 0);
    const n = shardNumber(count, '--shard-count', 1);
    return checkedShard(index, n, `JOB_COMPLETION_INDEX=${index} of --shard-count ${n}`);
  }
  throw new Error('--shard without k/n reads the scheduler\'s index, but neither SLURM_ARRAY_TASK_ID (a Slurm array job) nor JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) is set; pass --shard k/n');
}

/** The studies of one shard: those at sorted positions ≡ index (mod count); all of them without a shard. */
export function shardStudies(studies: readonly Study[], shard: Shard | null): Study[] {
  return shard ? studies.filter((_, i) => i % shard.count === shard.index) : [...studies];
}

// ---- the output folder ----------------------------------------------------------------------------------
//   <out>/cohort.json                 the whole study list (every process writes the same one)
//   <out>/studies/<output>/           a finished study: label maps, overlays/, stats.csv, done.json
//   <out>/studies/.partial/<output>/  work in progress, renamed into place when complete
//   <out>/shards/<k>-of-<n>/failures.csv   the studies that failed in that shard's last run

export const studyDir = (out: string, s: Pick<Study, 'output'>): string => path.join(out, 'studies', s.output);
export const partialDir = (out: string, s: Pick<Study, 'output'>): string => path.join(out, 'studies', '.partial', s.output);
export const shardDir = (out: string, shard: Shard | null): string => path.join(out, 'shards', shard ? `${shard.index}-of-${shard.count}` : '0-of-1');

export const COHORT_FORMAT = 'spineseg-cohort';
export const DONE_FORMAT = 'spineseg-cohort-study';

export function writeCohortList(out: string, cohort: Cohort): void {
  const studies = cohort.studies.map((s) => ({ id: s.id, input: s.input, output: s.output }));
  writeFileAtomic(path.join(out, 'cohort.json'), JSON.stringify({ format: COHORT_FORMAT, version: 1, studies }, null, 2) + '\n');
}

export interface CohortList {
  studies: Array<{ id: string; input: string; output: string }>;
}

export function readCohortList(out: string): CohortList {
  const file = path.join(out, 'cohort.json');
  if (!fs.existsSync(file)) throw new PipelineError(`${file}: not found; is ${out} the --output of a cohort \`spineseg predict\`?`, { file, field: 'path' });
  let j: { format?: unknown; studies?: unknown };
  try {
    j = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new PipelineError(`${file}: not valid JSON (${(e as Error).message})`, { file, field: 'json' });
  }
  if (j.format !== COHORT_FORMAT) throw fieldError(file, 'format', j.format, `expected "${COHORT_FORMAT}"`);
  if (!Array.isArray(j.studies) || j.studies.some((s) => typeof s?.id !== 'string' || typeof s?.output !== 'string' || typeof s?.input !== 'string')) throw fieldError(file, 'studies', typeof j.studies, 'expected a list of {id, input, output}');
  return { studies: j.studies as CohortList['studies'] };
}

export function sha256File(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** What makes a study's result what it is: its input files, the model and the settings. */
export interface StudyIdentity {
  inputs: Array<{ file: string; bytes: number; sha256: string }>;
  model: Array<{ config_sha256: string; weights_sha256: string }>;
  settings: { postprocess: unknown; overlay: boolean; levels: boolean };
}

export interface DoneMarker extends StudyIdentity {
  format: typeof DONE_FORMAT;
  version: 1;
  id: string;
  input: string;
  checkpoints: string[];
  outputs: Array<{ file: string; bytes: number; sha256: string }>;
  versions: Record<string, string>;
  /** the one field that differs between two runs of the same study */
  finished: string;
}

export function hashInputs(files: readonly string[]): StudyIdentity['inputs'] {
  return files.map((f) => ({ file: path.basename(f), bytes: fs.statSync(f).size, sha256: sha256File(f) }));
}

/** Every file under `dir` (relative names, sorted), with its size and hash. */
export function hashTree(dir: string, skip: readonly string[] = []): DoneMarker['outputs'] {
  const out: DoneMarker['outputs'] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else if (!skip.includes(r)) out.push({ file: r, bytes: fs.statSync(path.join(dir, r)).size, sha256: sha256File(path.join(dir, r)) });
    }
  };
  walk('');
  return out.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

/** done.json of a finished study, or null (absent or unreadable: the study is redone). */
export function readDone(dir: string): DoneMarker | null {
  try {
    const j = JSON.parse(fs.readFileSync(path.join(dir, 'done.json'), 'utf8')) as DoneMarker;
    return j.format === DONE_FORMAT ? j : null;
  } catch {
    return null;
  }
}

/** Why a finished study must be redone with `now`, or null when it is done with the same inputs, model and settings. */
export function staleBecause(done: DoneMarker, now: StudyIdentity): string | null {
  if (JSON.stringify(done.model) !== JSON.stringify(now.model)) return 'the model changed';
  if (JSON.stringify(done.settings) !== JSON.stringify(now.settings)) return 'the settings changed';
  if (JSON.stringify(done.inputs) !== JSON.stringify(now.inputs)) return 'its input files changed';
  return null;
}

/** Removes what killed runs left in a study's .partial folder (not a live process's work on this host). */
export function clearPartial(out: string, s: Study): void {
  const dir = partialDir(out, s);
  if (!fs.existsSync(dir)) return;
  const host = os.hostname();
  for (const name of fs.readdirSync(dir)) {
    const m = /^(?:old\.)?(.*)\.(\d+)$/.exec(name);
    if (m && m[1] === host && Number(m[2]) !== process.pid && alive(Number(m[2]))) continue;
    fs.rmSync(path.join(dir, name), { recursive: true, force: true });
  }
  removeEmptyDir(dir);
}

function removeEmptyDir(dir: string): void {
  try {
    fs.rmdirSync(dir);
  } catch {
    // not empty (another process's work in progress) or already gone
  }
}

/** Puts a complete study folder in place of the finished one (if any) by renames: never half a study there. */
export function publishStudy(tmp: string, out: string, s: Study): void {
  const final = studyDir(out, s);
  replaceDirAtomic(tmp, final, path.join(partialDir(out, s), `old.${os.hostname()}.${process.pid}`));
  removeEmptyDir(partialDir(out, s));
}

export const FAILURE_COLUMNS = ['study', 'input', 'reason'] as const;

export interface StudyFailure {
  study: string;
  input: string;
  reason: string;
}

export function writeFailures(file: string, failures: readonly StudyFailure[]): void {
  writeFileAtomic(file, formatCsv(FAILURE_COLUMNS, failures as unknown as Array<Record<string, string>>));
}

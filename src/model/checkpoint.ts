// Checkpoints on disk: model weights as safetensors plus a JSON config; the "last" checkpoint adds the
// Adam state and the training state for --resume. A checkpoint directory is written whole into a
// temporary directory and swapped in by rename, so a kill -9 leaves either the old or the new one.
import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { totalmem } from 'node:os';
import { encodeSafetensors, decodeSafetensors, type NamedArray } from './safetensors.ts';
import { validateCheckpointBytes, validateSafetensors } from './checkpoint-validate.ts';
import type { UNetConfig } from './unet.ts';
import { replaceDirAtomic } from '../pipeline/atomic-write.ts';
import { setting } from '../runtime/settings.ts';

/** Writes `files` (name -> bytes or text) as directory `dir`, atomically replacing any previous one. */
export function writeDirAtomic(dir: string, files: Record<string, Uint8Array | string>): void {
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true });
  const tmp = join(parent, `.${basename(dir)}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  const failAt = injectedWriteFailure(dir);
  try {
    mkdirSync(tmp);
    for (const [i, [name, content]] of Object.entries(files).entries()) {
      if (i === failAt) throw Object.assign(new Error('no space left on device (injected)'), { code: 'ENOSPC' });
      writeFileSync(join(tmp, name), content);
    }
  } catch (e) {
    // nothing of the new checkpoint is kept; the one in `dir` was never touched
    rmSync(tmp, { recursive: true, force: true });
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new CheckpointWriteError(`${dir}: writing the checkpoint failed (${code}); ${existsSync(join(dir, 'config.json')) ? 'the previous checkpoint there is intact' : 'there is no earlier checkpoint'}`);
  }
  // the previous checkpoint waits at `${dir}.prev` during the swap (resolveCheckpointDir reads it after a crash)
  replaceDirAtomic(tmp, dir, `${dir}.prev`);
}

export class CheckpointWriteError extends Error {}

let writesSeen = 0;
/**
 * Fault injection for tests: the `failCheckpointWrite` setting (SPINESEG_FAIL_CHECKPOINT_WRITE="<dir name>:<n>")
 * makes the n-th write of a checkpoint directory named <dir name> (counted per process) fail at its second
 * file, as a full disk would. Returns the index of the file to fail at, or -1.
 */
function injectedWriteFailure(dir: string): number {
  const fault = setting('failCheckpointWrite');
  if (!fault || basename(dir) !== fault.dir) return -1;
  return ++writesSeen === fault.nth ? 1 : -1;
}

/** Writes one file atomically (temp + rename): the project's one helper, re-exported for the modules that import it here. */
export { writeFileAtomic } from '../pipeline/atomic-write.ts';

/** The checkpoint directory to read: `dir`, or the previous copy a crash mid-swap left behind. */
export function resolveCheckpointDir(dir: string): string {
  if (existsSync(join(dir, 'config.json'))) return dir;
  if (existsSync(join(`${dir}.prev`, 'config.json'))) return `${dir}.prev`;
  throw new Error(`${dir}: no checkpoint here (config.json missing)`);
}

export function readSafetensorsFile(path: string): Map<string, NamedArray> {
  if (!existsSync(path)) throw new Error(`${path}: file not found`);
  return decodeSafetensors(new Uint8Array(readFileSync(path)), path).arrays;
}

export function readJsonFile<T>(path: string): T {
  if (!existsSync(path)) throw new Error(`${path}: file not found`);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
}

export { encodeSafetensors, decodeSafetensors };

/** Reads a file's bytes; a missing or unreadable file is one line naming it. */
function readBytes(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`${path}: ${code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? (e as Error).message})`}`);
  }
}

/** The memory a model may take: the `memoryBudgetMb` setting ($SPINESEG_MEMORY_BUDGET_MB), else 80 % of the machine's memory. */
export function memoryBudgetBytes(): number {
  const mb = setting('memoryBudgetMb');
  return mb !== null ? mb * 2 ** 20 : Math.floor(totalmem() * 0.8);
}

/**
 * config.json and model.safetensors of a checkpoint folder, both checked in full before any GPU buffer exists:
 * the config field by field and against the adapter's limits, the weights against the model the config describes.
 */
export function readValidatedCheckpoint(dir: string, limits: { maxStorageBufferBindingSize: number; maxBufferSize: number }, batch = 1): { configJson: Record<string, unknown>; model: UNetConfig; weights: Map<string, NamedArray> } {
  const configPath = join(dir, 'config.json');
  const weightsPath = join(dir, 'model.safetensors');
  const text = new TextDecoder().decode(readBytes(configPath));
  return validateCheckpointBytes(configPath, text, weightsPath, readBytes(weightsPath), { maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize, maxBufferSize: limits.maxBufferSize, memoryBytes: memoryBudgetBytes(), batch });
}

/** optimizer.safetensors of a "last" checkpoint, checked against the trainable parameters' shapes. */
export function readValidatedOptimizer(dir: string, params: Array<{ name: string; shape: readonly number[] }>): { step: number; arrays: Map<string, NamedArray> } {
  const path = join(dir, 'optimizer.safetensors');
  const bytes = readBytes(path);
  // Adam's GPU schedule: [step, beta1^t, beta2^t, lr-scale] (4 values) before learning-rate schedules, + the current lr (5) since
  let decoded: ReturnType<typeof decodeSafetensors> | null = null;
  try {
    decoded = decodeSafetensors(bytes, path);
  } catch {
    // a damaged file: the validator below names what is wrong
  }
  const scheduleLength = decoded?.arrays.get('schedule')?.data.length === 4 ? 4 : 5;
  const expected = new Map<string, number[]>([['schedule', [scheduleLength]]]);
  for (const p of params) {
    expected.set(`m.${p.name}`, [...p.shape]);
    expected.set(`v.${p.name}`, [...p.shape]);
  }
  const arrays = validateSafetensors(path, bytes, expected, new Set(['schedule']));
  const step = Number((decoded ?? decodeSafetensors(bytes, path)).metadata.step);
  if (!Number.isInteger(step) || step < 0) throw new Error(`${path}: __metadata__.step = ${step}: expected a non-negative integer`);
  return { step, arrays };
}

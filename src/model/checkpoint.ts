// Checkpoints on disk: model weights as safetensors plus a JSON config; the "last" checkpoint adds the
// Adam state and the training state for --resume. A checkpoint directory is written whole into a
// temporary directory and swapped in by rename, so a kill -9 leaves either the old or the new one.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { encodeSafetensors, decodeSafetensors, type NamedArray } from './safetensors.ts';

/** Writes `files` (name -> bytes or text) as directory `dir`, atomically replacing any previous one. */
export function writeDirAtomic(dir: string, files: Record<string, Uint8Array | string>): void {
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true });
  const tmp = join(parent, `.${basename(dir)}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(tmp, name), content);
  const prev = `${dir}.prev`;
  rmSync(prev, { recursive: true, force: true });
  if (existsSync(dir)) renameSync(dir, prev);
  renameSync(tmp, dir);
  rmSync(prev, { recursive: true, force: true });
}

/** Writes one file atomically (temp + rename). */
export function writeFileAtomic(path: string, content: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}

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

// Write-then-rename, the project's one way to put a file or a folder in place: a reader (another process, a rerun
// after a crash) sees the old content or the new, never half of either. Node only; no heavy imports, so the
// checkpoint, cohort and tuner code can use it without loading itk-wasm.
import fs from 'node:fs';
import path from 'node:path';

/** A hidden temp name beside `file` (same folder, so the rename stays on one file system), unique per process and call. */
export function tempPathBeside(file: string): string {
  return path.join(path.dirname(file), `.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}-${path.basename(file)}`);
}

/**
 * Writes `file` through a temp file beside it and a rename, creating its folder. On any failure the temp file is
 * removed, `file` is left as it was, and the error is rethrown.
 */
export function writeFileAtomic(file: string, content: Uint8Array | string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = tempPathBeside(file);
  try {
    fs.writeFileSync(tmp, content);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * As writeFileAtomic, for writers that produce the file themselves (itk-wasm's image writer): `write` fills the
 * temp path it is given, then it is renamed onto `file`. On failure the temp file is removed and `file` untouched.
 */
export async function writeFileAtomicWith(file: string, write: (tmp: string) => Promise<void> | void): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = tempPathBeside(file);
  try {
    await write(tmp);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Puts the complete folder `tmp` at `dir` by renames. An existing `dir` is first moved to `old` (removed after
 * the swap), so a crash between the two renames leaves the previous folder at `old` for a reader to fall back on.
 */
export function replaceDirAtomic(tmp: string, dir: string, old = `${dir}.prev`): void {
  fs.rmSync(old, { recursive: true, force: true });
  if (fs.existsSync(dir)) {
    fs.renameSync(dir, old);
    fs.renameSync(tmp, dir);
    fs.rmSync(old, { recursive: true, force: true });
  } else fs.renameSync(tmp, dir);
}

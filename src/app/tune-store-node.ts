// The autotuner's cache in Node: one JSON file per adapter, tune-<adapter key>.json, in
// the `tuneDir` setting ($SPINESEG_TUNE_DIR; src/runtime/settings.ts) or else $XDG_CACHE_HOME/spineseg
// (default ~/.cache/spineseg); never in the repository. 'off' disables loading and saving.
import { readFileSync, mkdirSync, existsSync, rmSync } from 'node:fs';
import { writeFileAtomic } from '../pipeline/atomic-write.ts';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { validateTuneCache, loadTuning, type TuneCache, type TuneStore } from '../kernels/autotune.ts';
import { initGpu } from '../runtime/gpu.ts';
import { setting } from '../runtime/settings.ts';

export function tuneDir(): string | null {
  const dir = setting('tuneDir');
  if (dir === 'off') return null;
  if (dir) return dir;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'spineseg');
}

export const nodeTuneStore: TuneStore = {
  where(key) {
    const dir = tuneDir();
    return dir ? join(dir, `tune-${key}.json`) : '(disabled by SPINESEG_TUNE_DIR=off)';
  },
  async load(key) {
    const dir = tuneDir();
    if (!dir) return null;
    const file = join(dir, `tune-${key}.json`);
    if (!existsSync(file)) return null;
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new Error(`${file}: not valid JSON (${(e as Error).message}); delete it or run \`spineseg tune\` again`);
    }
    return validateTuneCache(parsed, file);
  },
  async save(key, cache: TuneCache) {
    const dir = tuneDir();
    if (!dir) throw new Error('SPINESEG_TUNE_DIR=off: tuning results are not saved');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `tune-${key}.json`);
    // write then rename: a reader never sees half a file
    writeFileAtomic(file, JSON.stringify(cache, null, 2) + '\n');
  },
  async remove(key) {
    const dir = tuneDir();
    if (dir) rmSync(join(dir, `tune-${key}.json`), { force: true });
  },
};

/** Applies this adapter's cached choices, if any (train, predict, evaluate, demo and the benchmarks call it). */
export async function loadNodeTuning(): Promise<TuneCache | null> {
  await initGpu();
  return loadTuning(nodeTuneStore);
}

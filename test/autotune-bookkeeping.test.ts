// The tuner's bookkeeping, apart from its timings: a cache of another tuner version is ignored (not applied,
// not merged), a new run's choices replace the stored ones for the same shape while other shapes' stored
// choices stay, and each recorded choice is the candidate with the lowest recorded median.
import { describe, it, expect, afterEach } from 'vitest';
import { gpu } from '../src/runtime/gpu.ts';
import { tuneConvShapes, adapterKey, loadTuning, TUNE_VERSION, type TuneCache, type TuneEntry, type TuneStore } from '../src/kernels/autotune.ts';
import { convChoices, convShapeKey } from '../src/kernels/conv_algorithm.ts';
import { provideSettings } from '../src/runtime/settings.ts';
import { runTune, storedTune } from '../src/app/tune.ts';

// a loaded cache provides the convChoices setting for the rest of the process: withdraw it after each test
afterEach(() => provideSettings({ convChoices: undefined }, 'tune cache'));

function memoryStore(initial?: TuneCache): TuneStore & { saved: Map<string, TuneCache> } {
  const saved = new Map<string, TuneCache>();
  if (initial) saved.set(adapterKey(gpu().adapter), structuredClone(initial));
  return {
    saved,
    where: (k) => `memory:${k}`,
    load: async (k) => structuredClone(saved.get(k) ?? null),
    save: async (k, c) => void saved.set(k, structuredClone(c)),
    remove: async (k) => void saved.delete(k),
  };
}

const otherKey = convShapeKey('forward', 7, 3, 5, 11, 13);
const otherEntry: TuneEntry = { algorithm: 'direct', variant: 'tiled', ms: { 'direct-tiled': 1 } };

/** The choice a candidate name stands for (src/kernels/autotune.ts candidates). */
function choiceOf(name: string): Record<string, unknown> {
  if (name.startsWith('direct-')) return { algorithm: 'direct', variant: name.slice('direct-'.length) };
  const m = /^winograd(4?)(?:-(rows|channels))?(?:-wg(\d+))?$/.exec(name);
  if (!m) throw new Error(`unknown candidate ${name}`);
  return { algorithm: 'winograd', ...(m[2] ? { lanes: m[2] } : {}), ...(m[1] ? { tile: 4 } : {}), ...(m[3] ? { wgx: Number(m[3]) } : {}) };
}

describe('tune cache bookkeeping', () => {
  it('a cache of another tuner version is neither loaded nor applied nor listed', async () => {
    const stale: TuneCache = { version: TUNE_VERSION - 1, adapter: 'test', date: 'then', choices: { [otherKey]: otherEntry } };
    const store = memoryStore(stale);
    expect(await loadTuning(store), `a version ${TUNE_VERSION - 1} cache with tuner version ${TUNE_VERSION}`).toBeNull();
    expect(convChoices()[otherKey], 'its choices are not applied').toBeUndefined();
    expect((await storedTune(store)).cache, 'storedTune ignores it').toBeNull();
    const current = memoryStore({ ...stale, version: TUNE_VERSION });
    expect((await loadTuning(current))?.choices[otherKey], 'the same cache at the current version loads').toEqual(otherEntry);
  });

  it('each recorded choice is the candidate with the lowest recorded median', async () => {
    const cache = await tuneConvShapes([{ N: 1, H: 6, W: 10, C: 8, O: 8 }, { N: 2, H: 5, W: 3, C: 3, O: 4 }], 3);
    for (const [key, entry] of Object.entries(cache.choices)) {
      const { ms, ...choice } = entry;
      const names = Object.keys(ms);
      expect(names.length, `${key}: candidates ${names}`).toBeGreaterThan(1);
      const fastest = names.reduce((a, b) => (ms[b]! < ms[a]! ? b : a));
      expect(choice, `${key}: chose ${JSON.stringify(choice)}; medians ${JSON.stringify(ms)}, fastest ${fastest}`).toEqual(choiceOf(fastest));
    }
  });

  it("a run replaces the stored choices of the shapes it tunes, keeps the other shapes' (same version), drops an older version's", async () => {
    const options = { width: 16, height: 16, batch: 1, widthMult: 0.0625, reps: 1 };
    const first = await runTune(options, memoryStore(), () => {});
    const tunedKey = first.tuned[0]!;
    const staleForTuned: TuneEntry = { algorithm: 'direct', variant: 'tiled', ms: { 'from-the-stored-cache': 1 } };
    for (const version of [TUNE_VERSION, TUNE_VERSION - 1]) {
      const store = memoryStore({ version, adapter: 'test', date: 'then', choices: { [otherKey]: otherEntry, [tunedKey]: staleForTuned } });
      const r = await runTune(options, store, () => {});
      const saved = store.saved.get(r.key)!;
      expect(Object.keys(saved.choices[tunedKey]!.ms), `stored version ${version}: ${tunedKey} holds this run's medians, not the stored ones`).not.toContain('from-the-stored-cache');
      if (version === TUNE_VERSION) expect(saved.choices[otherKey], `stored version ${version}: the other shape's choice is kept`).toEqual(otherEntry);
      else expect(saved.choices[otherKey], `stored version ${version}: an older version's choices are dropped`).toBeUndefined();
      expect(saved.version).toBe(TUNE_VERSION);
      expect(convChoices()[tunedKey], 'the merged cache is applied').toBeDefined();
    }
  });
});

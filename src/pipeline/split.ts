// Patient-wise splits: every slice of a patient lands on the same side (neighbouring slices are near copies).
// Node-free, so that `spineseg train` and the page's training split dropped data the same way.
import { PipelineError, fieldError } from './errors.ts';
import { seededRandom, shuffleInPlace } from '../util/random.ts';

const SLICE_NAME = /^(.+?)_(t1|t2|t2_SPACE)_slice(\d+)\.png$/;

const baseName = (file: string) => file.split(/[\\/]/).pop()!;

/** patient, sequence and slice index from `<patient>_<sequence>_slice<n>.png`. */
export function parseSliceName(file: string): { patient: string; sequence: string; slice: number } {
  const m = SLICE_NAME.exec(baseName(file));
  if (!m) throw fieldError(file, 'file name', baseName(file), 'expected <patient>_<t1|t2|t2_SPACE>_slice<n>.png');
  return { patient: m[1]!, sequence: m[2]!, slice: Number(m[3]) };
}

/** The patient a dropped file belongs to: the SPIDER slice name's patient, or else the file name up to `_slice` or its extension. */
export function patientOfFile(file: string): string {
  const name = baseName(file);
  return SLICE_NAME.test(name) ? parseSliceName(name).patient : name.replace(/_slice.*$/, '').replace(/\.[^.]*$/, '');
}

export interface SplitOptions {
  valFraction: number;
  seed: number;
}

/** Patient-wise split: every slice of a patient lands on the same side (neighbouring slices are near copies). */
export function patientSplit<T extends { patient: string }>(samples: readonly T[], options: SplitOptions): { train: T[]; val: T[] } {
  if (!(options.valFraction >= 0 && options.valFraction < 1)) throw new PipelineError(`valFraction = ${options.valFraction}: must be in [0, 1)`, { field: 'valFraction', value: options.valFraction });
  const patients = shuffleInPlace([...new Set(samples.map((s) => s.patient))].sort(), seededRandom(options.seed));
  const nVal = options.valFraction === 0 || patients.length < 2 ? 0 : Math.min(patients.length - 1, Math.max(1, Math.round(patients.length * options.valFraction)));
  const valPatients = new Set(patients.slice(0, nVal));
  const train = samples.filter((s) => !valPatients.has(s.patient));
  const val = samples.filter((s) => valPatients.has(s.patient));
  const trainPatients = new Set(train.map((s) => s.patient));
  for (const p of valPatients) if (trainPatients.has(p)) throw new PipelineError(`patient ${p} is on both sides of the split`, { field: 'patient', value: p });
  return { train, val };
}

export interface Split3Options {
  /** fraction of patients held out as test patients: never used for training, early stopping, checkpoint or post-processing choices */
  testFraction: number;
  /** fraction of all patients used for validation (ignored with `fold`) */
  valFraction: number;
  seed: number;
  /** patient-wise cross-validation over the non-test patients: fold k of n (1-based) is the validation set */
  fold?: { k: number; n: number };
}

export interface Split3<T> {
  train: T[];
  val: T[];
  test: T[];
}

/**
 * Three-way patient-wise split. Patients are sorted, shuffled with the seed, and taken in that order:
 * the first round(n * testFraction) are test patients (fixed for a seed, whatever the fold), then
 * validation (the next round(n * valFraction), at least 1; or, with fold k/n, every n-th remaining
 * patient starting at k-1), the rest train.
 */
export function patientSplit3<T extends { patient: string }>(samples: readonly T[], options: Split3Options): Split3<T> {
  const { testFraction, valFraction, fold } = options;
  if (!(testFraction >= 0 && testFraction < 1)) throw new PipelineError(`testFraction = ${testFraction}: must be in [0, 1)`, { field: 'testFraction', value: testFraction });
  if (!(valFraction >= 0 && valFraction < 1)) throw new PipelineError(`valFraction = ${valFraction}: must be in [0, 1)`, { field: 'valFraction', value: valFraction });
  if (fold && !(Number.isInteger(fold.n) && fold.n >= 2 && Number.isInteger(fold.k) && fold.k >= 1 && fold.k <= fold.n)) {
    throw new PipelineError(`fold ${fold.k}/${fold.n}: expected k/n with 1 <= k <= n and n >= 2`, { field: 'fold', value: `${fold.k}/${fold.n}` });
  }
  const patients = shuffleInPlace([...new Set(samples.map((s) => s.patient))].sort(), seededRandom(options.seed));
  const nTest = Math.round(patients.length * testFraction);
  const rest = patients.slice(nTest);
  let valList: string[];
  if (fold) {
    if (rest.length < fold.n) throw new PipelineError(`fold ${fold.k}/${fold.n}: only ${rest.length} non-test patients`, { field: 'fold', value: `${fold.k}/${fold.n}` });
    valList = rest.filter((_, i) => i % fold.n === fold.k - 1);
  } else {
    const nVal = valFraction === 0 ? 0 : Math.max(1, Math.round(patients.length * valFraction));
    valList = rest.slice(0, nVal);
  }
  if (rest.length - valList.length < 1) throw new PipelineError(`${patients.length} patients leave none to train on (test ${nTest}, validation ${valList.length})`, { field: 'patients', value: patients.length });
  const testSet = new Set(patients.slice(0, nTest));
  const valSet = new Set(valList);
  return {
    train: samples.filter((s) => !testSet.has(s.patient) && !valSet.has(s.patient)),
    val: samples.filter((s) => valSet.has(s.patient)),
    test: samples.filter((s) => testSet.has(s.patient)),
  };
}


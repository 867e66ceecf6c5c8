// What a training run is made of, shared by `spineseg train` (src/app/session.ts, from a slice folder) and the
// page's Train tab (dropped files or phantoms): the patient-wise split and the checkpoint's config.json. Node-free.
import { patientSplit } from '../pipeline/split.ts';
import type { UNetConfig } from '../model/unet.ts';
import { CLASS_NAMES, type CheckpointConfig } from '../model/weights.ts';

/** How input intensities are scaled before the network; written into every checkpoint. */
export const NORMALIZATION = 'grey PNG / 255, or volume intensities clipped to their 0.5-99.5 percentiles and scaled to [0,1]';

/** A checkpoint's config.json: the model, the classes, the normalization, the run's settings and its patient split. */
export interface RunConfigOf<T> extends CheckpointConfig {
  training: T;
  /** patient lists; `test` is absent in runs made before the three-way split */
  split: { train: string[]; val: string[]; test?: string[] };
}

export function newRunConfig<T>(model: UNetConfig, training: T, split: { train: string[]; val: string[]; test: string[] } = { train: [], val: [], test: [] }): RunConfigOf<T> {
  return { format: 'spineseg-unet', version: 1, model, classes: [...CLASS_NAMES], normalization: NORMALIZATION, training, split };
}

/** The sorted patient ids of some samples. */
export const patientsOf = (s: ReadonlyArray<{ patient: string }>): string[] => [...new Set(s.map((x) => x.patient))].sort();

/**
 * Splits dropped data patient-wise, as `spineseg train --val-fraction F --seed S` does (patientSplit): with a single
 * patient there is nothing to hold out, and it is validated on its own training slices (said in `note`).
 */
export function splitDropped<T extends { patient: string }>(samples: readonly T[], o: { valFraction: number; seed: number }): { train: T[]; val: T[]; split: { train: string[]; val: string[]; test: string[] }; note: string } {
  const { train, val } = patientSplit(samples, o);
  const split = { train: patientsOf(train), val: patientsOf(val), test: [] };
  if (val.length === 0) return { train, val: train, split, note: 'one patient: validated on its own training slices' };
  return { train, val, split, note: `${split.train.length} training, ${split.val.length} validation (${split.val.join(', ')})` };
}

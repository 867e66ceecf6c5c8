// Training slices cut from the built-in phantoms (src/pipeline/phantom.ts), exactly as `spineseg prepare` cuts
// SPIDER volumes (extractSagittalSlices). No file IO: usable in the page and in Node.
import { generatePhantom, phantomCasePlan } from '../../src/pipeline/phantom.ts';
import { extractSagittalSlices } from '../../src/pipeline/extract.ts';
import type { Sample } from '../../src/model/train.ts';
import { patientsOf } from '../../src/app/training-setup.ts';

export interface TrainingData {
  train: Sample[];
  val: Sample[];
  /** patient lists, as a checkpoint's config.json records them */
  split: { train: string[]; val: string[]; test: string[] };
  description: string;
}

/** Slices of `cases` phantom volumes; the last case is held out for validation. */
export function phantomData(cases: number, width: number, height: number, seed = 7): TrainingData {
  const samples: Sample[][] = [];
  for (let c = 0; c < cases; c++) {
    const plan = phantomCasePlan(c, seed);
    const ph = generatePhantom({ seed: plan.seed, sequence: plan.sequence, variant: plan.variant });
    const file = `phantom ${plan.patient}_${plan.sequence}`;
    const { slices } = extractSagittalSlices(ph.image, ph.mask, { imageFile: file, maskFile: `${file} mask`, width, height });
    samples.push(slices.map((s, k) => ({ file: `${file} slice ${k + 1}`, patient: String(plan.patient), image: s.image, labels: s.labels, width, height, spacing: s.spacing })));
  }
  const val = samples.pop()!;
  const train = samples.flat();
  const split = { train: patientsOf(train), val: patientsOf(val), test: [] };
  return { train, val, split, description: `${cases} phantom volumes (${cases - 1} training, 1 validation), ${samples.flat().length + val.length} sagittal slices at ${width}x${height}` };
}


/**
 * Synthetic lumbar-spine-like MRI volumes in SPIDER's exact layout (images/, masks/, overview.csv) with SPIDER
 * label codes, anisotropic spacing and the direction matrices the real data throws at us. Deterministic from a seed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PipelineError } from './errors.ts';
import { gaussian, seededRandom } from '../util/random.ts';
import { permuteFlipVolume } from './orientation.ts';
import { writeImage, writeTextAtomic } from './io.ts';
import type { Vec3, Volume } from './volume.ts';

export type PhantomSequence = 't1' | 't2' | 't2_SPACE';
export const PHANTOM_SEQUENCES: readonly PhantomSequence[] = ['t1', 't2', 't2_SPACE'];

/** How the phantom is stored: the array-axis order and flips of a real acquisition. */
export type PhantomVariant = 'identity' | 'permuted' | 'flipped' | 'axial' | 'permuted-flipped';
export const PHANTOM_VARIANTS: readonly PhantomVariant[] = ['identity', 'permuted', 'flipped', 'axial', 'permuted-flipped'];

/** permutation/flips applied to the canonical (LR, AP, SI) grid to get the stored array. */
export const VARIANT_LAYOUT: Record<PhantomVariant, { permutation: [number, number, number]; flips: [boolean, boolean, boolean] }> = {
  identity: { permutation: [0, 1, 2], flips: [false, false, false] },
  permuted: { permutation: [1, 2, 0], flips: [false, false, false] },
  flipped: { permutation: [0, 1, 2], flips: [false, true, true] },
  axial: { permutation: [0, 1, 2], flips: [true, true, false] },
  'permuted-flipped': { permutation: [2, 1, 0], flips: [true, false, true] },
};

export interface PhantomOptions {
  seed: number;
  sequence?: PhantomSequence;
  variant?: PhantomVariant;
  /** Voxels along left-right, anterior-posterior, superior-inferior for sagittal variants. */
  sizeLrApSi?: Vec3;
  /** Spacing (mm) along left-right, anterior-posterior, superior-inferior for sagittal variants. */
  spacingLrApSi?: Vec3;
}

export interface PhantomCase {
  image: Volume<Int16Array>;
  mask: Volume<Uint8Array>;
  numVertebrae: number;
  numDiscs: number;
  variant: PhantomVariant;
  sequence: PhantomSequence;
}

/** Tissue intensities per sequence: [air, soft tissue, vertebra, canal (CSF), disc]. */
const INTENSITY: Record<PhantomSequence, { air: number; tissue: number; vertebra: number; canal: number; disc: number }> = {
  t1: { air: 8, tissue: 380, vertebra: 520, canal: 160, disc: 300 },
  t2: { air: 6, tissue: 260, vertebra: 420, canal: 1150, disc: 900 },
  t2_SPACE: { air: 5, tissue: 210, vertebra: 360, canal: 1350, disc: 820 },
};

export const DEFAULT_PHANTOM_SIZE: Vec3 = [12, 128, 160];
export const DEFAULT_PHANTOM_SPACING: Vec3 = [3.3, 0.6, 0.6];

/** Generates one phantom volume and its SPIDER-coded mask. */
export function generatePhantom(options: PhantomOptions): PhantomCase {
  const random = seededRandom(options.seed);
  const sequence = options.sequence ?? 't2';
  const variant = options.variant ?? 'identity';
  let [nLR, nAP, nSI] = options.sizeLrApSi ?? DEFAULT_PHANTOM_SIZE;
  let [sLR, sAP, sSI] = options.spacingLrApSi ?? DEFAULT_PHANTOM_SPACING;
  if ([nLR, nAP, nSI].some((n) => !Number.isInteger(n) || n < 2)) {
    throw new PipelineError(`phantom size ${[nLR, nAP, nSI].join('x')} must be integers >= 2`, { field: 'size', value: [nLR, nAP, nSI] });
  }
  if (variant === 'axial') {
    // axial slices are thick along superior-inferior and fine in-plane: same field of view, swapped resolution
    const fovLR = nLR * sLR;
    const fovSI = nSI * sSI;
    sLR = sAP;
    nLR = Math.max(2, Math.round(fovLR / sLR / 2));
    sLR = fovLR / nLR;
    sSI = DEFAULT_PHANTOM_SPACING[0];
    nSI = Math.max(8, Math.round(fovSI / sSI));
    sSI = fovSI / nSI;
  }
  const numVertebrae = 4 + Math.floor(random() * 2);
  const unit = 1 / (numVertebrae + 0.55);
  const v0 = 0.03 + random() * 0.02;
  const bodyHalfDepth = 0.15 + random() * 0.02;
  const lordosis = 0.04 + random() * 0.04;
  const tone = INTENSITY[sequence];
  const vertebraTone = Array.from({ length: numVertebrae + 1 }, () => 0.9 + random() * 0.2);
  const biasTilt = (random() - 0.5) * 0.4;

  const codes = new Uint8Array(nLR * nAP * nSI);
  const intensity = new Int16Array(nLR * nAP * nSI);
  let o = 0;
  for (let k = 0; k < nSI; k++) {
    const v = (k + 0.5) / nSI; // 0 inferior -> 1 superior
    const centreU = 0.4 - lordosis * Math.sin(Math.PI * v);
    const block = (v - v0) / unit;
    const level = Math.floor(block);
    const within = block - level;
    for (let j = 0; j < nAP; j++) {
      const u = (j + 0.5) / nAP; // 0 anterior -> 1 posterior
      for (let i = 0; i < nLR; i++, o++) {
        const w = (i + 0.5) / nLR - 0.5;
        let code = 0;
        const du = (u - centreU) / bodyHalfDepth;
        if (level >= 0 && level <= numVertebrae) {
          if (within < 0.72) {
            const dv = (within - 0.36) / 0.36;
            if (du ** 4 + dv ** 4 + (w / 0.4) ** 4 <= 1) code = level < numVertebrae ? level + 1 : 100 + level + 1;
          } else if (level < numVertebrae) {
            const dv = (within - 0.86) / 0.14;
            if ((du / 0.95) ** 4 + dv ** 2 + (w / 0.37) ** 4 <= 1) code = 201 + level;
          }
        }
        const canalU = centreU + bodyHalfDepth + 0.09;
        if (code === 0 && ((u - canalU) / 0.06) ** 2 + (w / 0.17) ** 2 <= 1) code = 100;
        codes[o] = code;
        let value: number;
        if (u > 0.94 || u < 0.02) value = tone.air;
        else if (code === 100) value = tone.canal;
        else if (code >= 201) value = tone.disc * (1 - 0.4 * Math.abs((within - 0.86) / 0.14));
        else if (code >= 1) value = tone.vertebra * vertebraTone[Math.min(level, numVertebrae)]!;
        else value = tone.tissue * (1 + 0.15 * Math.sin(9 * u + 5 * v));
        const bias = 1 + biasTilt * (v - 0.5) + 0.12 * Math.cos(Math.PI * u);
        const noisy = Math.abs(value * bias + gaussian(random) * 0.04 * tone.tissue);
        intensity[o] = Math.min(32767, Math.round(noisy));
      }
    }
  }
  const spacing: Vec3 = [sLR, sAP, sSI];
  const origin: Vec3 = [-(nLR * sLR) / 2 + random() * 4, -(nAP * sAP) / 2 + random() * 4, -(nSI * sSI) / 2 + random() * 4];
  const size: Vec3 = [nLR, nAP, nSI];
  const direction = [1, 0, 0, 0, 1, 0, 0, 0, 1];
  const layout = VARIANT_LAYOUT[variant];
  const image = permuteFlipVolume({ data: intensity, size, spacing, origin, direction }, layout.permutation, layout.flips);
  const mask = permuteFlipVolume({ data: codes, size: [...size], spacing: [...spacing], origin: [...origin], direction: [...direction] }, layout.permutation, layout.flips);
  return { image, mask, numVertebrae: numVertebrae + 1, numDiscs: numVertebrae, variant, sequence };
}

export interface PhantomDatasetOptions {
  cases: number;
  seed?: number;
  sizeLrApSi?: Vec3;
  spacingLrApSi?: Vec3;
  /** Fraction of patients put in the validation subset of overview.csv. */
  validationFraction?: number;
}

export interface PhantomDatasetEntry {
  newFileName: string;
  subset: 'training' | 'validation';
  variant: PhantomVariant;
  sequence: PhantomSequence;
}

/** Case c: patient floor(c/3)+1, sequence t1/t2/t2_SPACE in turn, variant cycling through all five. */
export function phantomCasePlan(c: number, seed: number): { patient: number; sequence: PhantomSequence; variant: PhantomVariant; seed: number } {
  return {
    patient: Math.floor(c / 3) + 1,
    sequence: PHANTOM_SEQUENCES[c % 3]!,
    variant: PHANTOM_VARIANTS[c % PHANTOM_VARIANTS.length]!,
    seed: seed * 7919 + c,
  };
}

/**
 * Writes `cases` phantoms in SPIDER layout into `dir` (which must not exist yet): built in a temp folder next
 * to it and renamed at the end, so a failure leaves no partial dataset.
 */
export async function writePhantomDataset(
  dir: string,
  options: PhantomDatasetOptions,
  onCase?: (done: number, total: number) => void,
): Promise<PhantomDatasetEntry[]> {
  if (!Number.isInteger(options.cases) || options.cases < 1) {
    throw new PipelineError(`--cases = ${options.cases}: must be a positive integer`, { field: 'cases', value: options.cases });
  }
  if (fs.existsSync(dir)) throw new PipelineError(`${dir}: output folder already exists`, { file: dir, field: 'out' });
  const tmp = path.join(path.dirname(path.resolve(dir)), `.${path.basename(dir)}.tmp-${process.pid}`);
  // a stale temp folder of an earlier run goes; writeImage and writeTextAtomic create the folders they write into
  fs.rmSync(tmp, { recursive: true, force: true });
  const seed = options.seed ?? 1;
  const patients = Math.floor((options.cases - 1) / 3) + 1;
  const nVal = patients >= 2 ? Math.max(1, Math.round(patients * (options.validationFraction ?? 0.2))) : 0;
  const header = 'new_file_name,subset,patient_id,sequence,num_vertebrae,num_discs,dim_x,dim_y,dim_z,spacing_x,spacing_y,spacing_z,direction,acquisition_variant,compressed,seed';
  const rows = [header];
  const entries: PhantomDatasetEntry[] = [];
  try {
    for (let c = 0; c < options.cases; c++) {
      const plan = phantomCasePlan(c, seed);
      const phantom = generatePhantom({ seed: plan.seed, sequence: plan.sequence, variant: plan.variant, sizeLrApSi: options.sizeLrApSi, spacingLrApSi: options.spacingLrApSi });
      const name = `${plan.patient}_${plan.sequence}`;
      const compress = c % 2 === 1;
      await writeImage(phantom.image, path.join(tmp, 'images', `${name}.mha`), { compress });
      await writeImage(phantom.mask, path.join(tmp, 'masks', `${name}.mha`), { compress });
      const subset = plan.patient > patients - nVal ? 'validation' : 'training';
      const im = phantom.image;
      rows.push(
        [name, subset, plan.patient, plan.sequence, phantom.numVertebrae, phantom.numDiscs, ...im.size, ...im.spacing.map((s) => s.toFixed(4)), `"${im.direction.join(' ')}"`, plan.variant, compress, plan.seed].join(','),
      );
      entries.push({ newFileName: name, subset, variant: plan.variant, sequence: plan.sequence });
      onCase?.(c + 1, options.cases);
    }
    writeTextAtomic(path.join(tmp, 'overview.csv'), rows.join('\n') + '\n');
    fs.renameSync(tmp, dir);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  return entries;
}

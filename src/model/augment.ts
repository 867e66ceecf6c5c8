// Augmentation recipe: the levels of `--augment` (one table, documented in docs/TRAINING.md) and the
// per-sample parameter draw. Parameters come from a generator keyed by (seed, epoch, sample index), never
// Math.random, so a resumed run draws the same augmented batches. The GPU side is augmentBatch (src/graph/augment.ts).
import { Rng } from '../util/random.ts';
import { AUG, AUG_GRID, AUG_STRIDE, identityAugParams } from '../graph/augment.ts';

/** Each transform is applied to a sample with probability p; ranges are drawn uniformly (gamma log-uniformly). */
export interface AugmentConfig {
  level: string;
  /** degrees, uniform in [-max, max] */
  rotation: { p: number; maxDegrees: number };
  /** isotropic zoom factor (> 1 enlarges the anatomy) */
  scale: { p: number; min: number; max: number };
  /** shift along each axis, uniform in [-max, max] x the slice's width (height) */
  translate: { p: number; maxFraction: number };
  /** 5x5 control points, each displaced uniformly in [-max, max] x width (height), bilinearly interpolated */
  elastic: { p: number; maxFraction: number };
  /** exponent on intensities clamped to [0,1], log-uniform in [min, max] */
  gamma: { p: number; min: number; max: number };
  /** v * c */
  contrast: { p: number; min: number; max: number };
  /** v + b, b uniform in [-max, max] */
  brightness: { p: number; max: number };
  /** v + sigma z, sigma uniform in [0, maxSigma] */
  noise: { p: number; maxSigma: number };
  /** 3x3 Gaussian (1 2 1)/4 */
  blur: { p: number };
  /**
   * anterior-posterior mirror (the image's columns reversed): a sagittal slice of a patient facing the other way.
   * The superior-inferior mirror is not offered: an upside-down spine is not an image the network meets. Absent in
   * configs written before it existed (read as p = 0).
   */
  flip?: { p: number };
}

const off = { p: 0 };
export const AUGMENT_LEVELS: Record<string, AugmentConfig> = {
  none: { level: 'none', rotation: { ...off, maxDegrees: 0 }, scale: { ...off, min: 1, max: 1 }, translate: { ...off, maxFraction: 0 }, elastic: { ...off, maxFraction: 0 }, gamma: { ...off, min: 1, max: 1 }, contrast: { ...off, min: 1, max: 1 }, brightness: { ...off, max: 0 }, noise: { ...off, maxSigma: 0 }, blur: { ...off } },
  light: { level: 'light', rotation: { p: 0.2, maxDegrees: 10 }, scale: { p: 0.2, min: 0.9, max: 1.1 }, translate: { p: 0.2, maxFraction: 0.05 }, elastic: { p: 0, maxFraction: 0 }, gamma: { p: 0.15, min: 0.8, max: 1.25 }, contrast: { p: 0.1, min: 0.85, max: 1.15 }, brightness: { p: 0.1, max: 0.05 }, noise: { p: 0.1, maxSigma: 0.03 }, blur: { p: 0 } },
  default: { level: 'default', rotation: { p: 0.3, maxDegrees: 15 }, scale: { p: 0.3, min: 0.85, max: 1.25 }, translate: { p: 0.3, maxFraction: 0.08 }, elastic: { p: 0.2, maxFraction: 0.02 }, gamma: { p: 0.3, min: 0.7, max: 1.5 }, contrast: { p: 0.15, min: 0.75, max: 1.25 }, brightness: { p: 0.15, max: 0.1 }, noise: { p: 0.15, maxSigma: 0.05 }, blur: { p: 0.1 } },
  /** default plus the anterior-posterior mirror half of the time, so that flip test-time augmentation sees images like its training's */
  'default-flip': { level: 'default-flip', rotation: { p: 0.3, maxDegrees: 15 }, scale: { p: 0.3, min: 0.85, max: 1.25 }, translate: { p: 0.3, maxFraction: 0.08 }, elastic: { p: 0.2, maxFraction: 0.02 }, gamma: { p: 0.3, min: 0.7, max: 1.5 }, contrast: { p: 0.15, min: 0.75, max: 1.25 }, brightness: { p: 0.15, max: 0.1 }, noise: { p: 0.15, maxSigma: 0.05 }, blur: { p: 0.1 }, flip: { p: 0.5 } },
  heavy: { level: 'heavy', rotation: { p: 0.5, maxDegrees: 15 }, scale: { p: 0.5, min: 0.85, max: 1.25 }, translate: { p: 0.5, maxFraction: 0.1 }, elastic: { p: 0.3, maxFraction: 0.03 }, gamma: { p: 0.5, min: 0.7, max: 1.5 }, contrast: { p: 0.3, min: 0.7, max: 1.3 }, brightness: { p: 0.3, max: 0.15 }, noise: { p: 0.3, maxSigma: 0.08 }, blur: { p: 0.2 } },
};

/** The resolved table of a level; an unknown level is an error naming `option`. */
export function augmentLevel(name: string, option = '--augment'): AugmentConfig {
  const c = AUGMENT_LEVELS[name];
  if (!c) throw new Error(`${option} '${name}' is not one of ${Object.keys(AUGMENT_LEVELS).join(', ')}`);
  return structuredClone(c);
}

/** Ranges that make no sense (a zero scale, a negative gamma, p outside [0,1]) are errors naming `where`. */
export function validateAugment(c: AugmentConfig, where = '--augment'): void {
  const bad = (field: string, value: unknown, why: string) => new Error(`${where}: ${field} ${JSON.stringify(value)} ${why}`);
  for (const k of ['rotation', 'scale', 'translate', 'elastic', 'gamma', 'contrast', 'brightness', 'noise', 'blur'] as const) {
    const p = c[k]?.p;
    if (!(typeof p === 'number' && p >= 0 && p <= 1)) throw bad(`${k} probability`, p, 'must be in [0, 1]');
  }
  if (c.flip !== undefined && !(typeof c.flip.p === 'number' && c.flip.p >= 0 && c.flip.p <= 1)) throw bad('flip probability', c.flip.p, 'must be in [0, 1]');
  if (!(c.rotation.maxDegrees >= 0 && c.rotation.maxDegrees <= 180)) throw bad('rotation', c.rotation.maxDegrees, 'must be in [0, 180] degrees');
  if (!(c.scale.min > 0 && c.scale.max >= c.scale.min)) throw bad('scale', `${c.scale.min}-${c.scale.max}`, 'must be a range 0 < min <= max');
  if (!(c.translate.maxFraction >= 0 && c.translate.maxFraction <= 1)) throw bad('translate', c.translate.maxFraction, 'must be in [0, 1] of the slice');
  if (!(c.elastic.maxFraction >= 0 && c.elastic.maxFraction <= 0.25)) throw bad('elastic', c.elastic.maxFraction, 'must be in [0, 0.25] of the slice');
  if (!(c.gamma.min > 0 && c.gamma.max >= c.gamma.min)) throw bad('gamma', `${c.gamma.min}-${c.gamma.max}`, 'must be a range 0 < min <= max');
  if (!(c.contrast.min > 0 && c.contrast.max >= c.contrast.min)) throw bad('contrast', `${c.contrast.min}-${c.contrast.max}`, 'must be a range 0 < min <= max');
  if (!(c.brightness.max >= 0 && c.brightness.max <= 1)) throw bad('brightness', c.brightness.max, 'must be in [0, 1]');
  if (!(c.noise.maxSigma >= 0 && c.noise.maxSigma <= 1)) throw bad('noise', c.noise.maxSigma, 'must be in [0, 1]');
}

/** True when no transform can ever fire (training then skips the augmentation kernels). */
export function augmentIsOff(c: AugmentConfig | undefined): boolean {
  return !c || ['rotation', 'scale', 'translate', 'elastic', 'gamma', 'contrast', 'brightness', 'noise', 'blur', 'flip'].every((k) => ((c as unknown as Record<string, { p: number } | undefined>)[k]?.p ?? 0) === 0);
}

/** A 32-bit key of (seed, epoch, sample index), mixed so neighbouring keys give unrelated streams. */
export function augmentKey(seed: number, epoch: number, index: number): number {
  let h = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(epoch >>> 0, 0x85ebca77) ^ Math.imul(index >>> 0, 0xc2b2ae3d)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** One sample's GPU parameters (AUG_STRIDE floats) for a width x height slice. */
export function drawAugmentParams(c: AugmentConfig, width: number, height: number, seed: number, epoch: number, index: number): Float32Array {
  const q = identityAugParams();
  const rng = new Rng(augmentKey(seed, epoch, index));
  const fires = (p: number) => rng.next() < p;
  const theta = fires(c.rotation.p) ? (rng.uniform(-c.rotation.maxDegrees, c.rotation.maxDegrees) * Math.PI) / 180 : 0;
  const s = fires(c.scale.p) ? rng.uniform(c.scale.min, c.scale.max) : 1;
  const shift = fires(c.translate.p);
  const tx = shift ? rng.uniform(-1, 1) * c.translate.maxFraction * width : 0;
  const ty = shift ? rng.uniform(-1, 1) * c.translate.maxFraction * height : 0;
  if (theta !== 0 || s !== 1 || tx !== 0 || ty !== 0) {
    // output = s R(theta) (source - centre) + centre + t, inverted: source = R(-theta) (output - centre - t) / s + centre
    const cx = (width - 1) / 2;
    const cy = (height - 1) / 2;
    const cos = Math.cos(theta) / s;
    const sin = Math.sin(theta) / s;
    q[AUG.matrix] = cos;
    q[AUG.matrix + 1] = sin;
    q[AUG.matrix + 2] = cx - cos * (cx + tx) - sin * (cy + ty);
    q[AUG.matrix + 3] = -sin;
    q[AUG.matrix + 4] = cos;
    q[AUG.matrix + 5] = cy + sin * (cx + tx) - cos * (cy + ty);
  }
  if (fires(c.elastic.p) && c.elastic.maxFraction > 0) {
    q[AUG.elastic] = 1;
    for (let k = 0; k < AUG_GRID * AUG_GRID; k++) {
      q[AUG.grid + 2 * k] = rng.uniform(-1, 1) * c.elastic.maxFraction * width;
      q[AUG.grid + 2 * k + 1] = rng.uniform(-1, 1) * c.elastic.maxFraction * height;
    }
  }
  if (fires(c.gamma.p)) {
    q[AUG.gammaOn] = 1;
    q[AUG.gamma] = Math.exp(rng.uniform(Math.log(c.gamma.min), Math.log(c.gamma.max)));
  }
  if (fires(c.contrast.p)) q[AUG.contrast] = rng.uniform(c.contrast.min, c.contrast.max);
  if (fires(c.brightness.p)) q[AUG.brightness] = rng.uniform(-c.brightness.max, c.brightness.max);
  if (fires(c.noise.p)) q[AUG.noiseSigma] = rng.uniform(0, c.noise.maxSigma);
  if (fires(c.blur.p)) q[AUG.blur] = 1;
  q[AUG.noiseKey] = rng.int(1 << 24);
  // drawn last and only when it can fire, so the other draws of every earlier recipe stay as they were
  if ((c.flip?.p ?? 0) > 0 && fires(c.flip!.p)) {
    // sample the mirrored output column: source = M (W - 1 - x, y)
    for (const row of [AUG.matrix, AUG.matrix + 3]) {
      q[row + 2] = q[row + 2]! + q[row]! * (width - 1);
      q[row] = -q[row]!;
    }
  }
  return q;
}

/** The parameters of a batch: samples `indices` of the training set in epoch `epoch`. */
export function drawBatchAugmentParams(c: AugmentConfig, width: number, height: number, seed: number, epoch: number, indices: readonly number[]): Float32Array {
  const all = new Float32Array(indices.length * AUG_STRIDE);
  indices.forEach((idx, b) => all.set(drawAugmentParams(c, width, height, seed, epoch, idx), b * AUG_STRIDE));
  return all;
}

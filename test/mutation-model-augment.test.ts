// Exact-value tests of the augmentation recipe (src/model/augment.ts) written against Stryker's survivors
// (docs/MUTATION.md): the level table, the range checks, the key hash, and the parameter draw against a
// reference that replays the documented draw order on the same generator (no GPU).
import { describe, expect, it } from 'vitest';
import { AUGMENT_LEVELS, augmentIsOff, augmentKey, augmentLevel, drawAugmentParams, drawBatchAugmentParams, validateAugment, type AugmentConfig } from '../src/model/augment.ts';
import { AUG, AUG_GRID, AUG_STRIDE, identityAugParams } from '../src/graph/augment.ts';
import { Rng } from '../src/util/random.ts';

describe('augmentation levels', () => {
  it('the documented table (docs/TRAINING.md)', () => {
    expect(Object.keys(AUGMENT_LEVELS)).toEqual(['none', 'light', 'default', 'default-flip', 'heavy']);
    expect(AUGMENT_LEVELS.none).toEqual({ level: 'none', rotation: { p: 0, maxDegrees: 0 }, scale: { p: 0, min: 1, max: 1 }, translate: { p: 0, maxFraction: 0 }, elastic: { p: 0, maxFraction: 0 }, gamma: { p: 0, min: 1, max: 1 }, contrast: { p: 0, min: 1, max: 1 }, brightness: { p: 0, max: 0 }, noise: { p: 0, maxSigma: 0 }, blur: { p: 0 } });
    expect(AUGMENT_LEVELS.light).toEqual({ level: 'light', rotation: { p: 0.2, maxDegrees: 10 }, scale: { p: 0.2, min: 0.9, max: 1.1 }, translate: { p: 0.2, maxFraction: 0.05 }, elastic: { p: 0, maxFraction: 0 }, gamma: { p: 0.15, min: 0.8, max: 1.25 }, contrast: { p: 0.1, min: 0.85, max: 1.15 }, brightness: { p: 0.1, max: 0.05 }, noise: { p: 0.1, maxSigma: 0.03 }, blur: { p: 0 } });
    const def = { rotation: { p: 0.3, maxDegrees: 15 }, scale: { p: 0.3, min: 0.85, max: 1.25 }, translate: { p: 0.3, maxFraction: 0.08 }, elastic: { p: 0.2, maxFraction: 0.02 }, gamma: { p: 0.3, min: 0.7, max: 1.5 }, contrast: { p: 0.15, min: 0.75, max: 1.25 }, brightness: { p: 0.15, max: 0.1 }, noise: { p: 0.15, maxSigma: 0.05 }, blur: { p: 0.1 } };
    expect(AUGMENT_LEVELS.default).toEqual({ level: 'default', ...def });
    expect(AUGMENT_LEVELS['default-flip']).toEqual({ level: 'default-flip', ...def, flip: { p: 0.5 } });
    expect(AUGMENT_LEVELS.heavy).toEqual({ level: 'heavy', rotation: { p: 0.5, maxDegrees: 15 }, scale: { p: 0.5, min: 0.85, max: 1.25 }, translate: { p: 0.5, maxFraction: 0.1 }, elastic: { p: 0.3, maxFraction: 0.03 }, gamma: { p: 0.5, min: 0.7, max: 1.5 }, contrast: { p: 0.3, min: 0.7, max: 1.3 }, brightness: { p: 0.3, max: 0.15 }, noise: { p: 0.3, maxSigma: 0.08 }, blur: { p: 0.2 } });
    for (const c of Object.values(AUGMENT_LEVELS)) expect(() => validateAugment(c), c.level).not.toThrow();
  });
  it('augmentLevel returns a copy; an unknown level names the option', () => {
    const c = augmentLevel('default');
    c.rotation.p = 1;
    expect(AUGMENT_LEVELS.default!.rotation.p).toBe(0.3);
    expect(() => augmentLevel('extreme')).toThrow("--augment 'extreme' is not one of none, light, default, default-flip, heavy");
    expect(() => augmentLevel('x', '--tta-augment')).toThrow("--tta-augment 'x' is not one of");
  });
  it('augmentIsOff: no config, or every probability 0 (flip included, absent flip read as 0)', () => {
    expect(augmentIsOff(undefined)).toBe(true);
    expect(augmentIsOff(augmentLevel('none'))).toBe(true);
    expect(augmentIsOff(augmentLevel('light'))).toBe(false);
    for (const k of ['rotation', 'scale', 'translate', 'elastic', 'gamma', 'contrast', 'brightness', 'noise', 'blur'] as const) {
      const c = augmentLevel('none');
      c[k].p = 0.01;
      expect(augmentIsOff(c), k).toBe(false);
    }
    expect(augmentIsOff({ ...augmentLevel('none'), flip: { p: 0.5 } })).toBe(false);
    expect(augmentIsOff({ ...augmentLevel('none'), flip: { p: 0 } })).toBe(true);
  });
});

describe('validateAugment', () => {
  const edited = (edit: (c: AugmentConfig) => void) => {
    const c = augmentLevel('default');
    edit(c);
    return () => validateAugment(c, 'cfg');
  };
  it('probabilities in [0, 1], flip too', () => {
    for (const k of ['rotation', 'scale', 'translate', 'elastic', 'gamma', 'contrast', 'brightness', 'noise', 'blur'] as const) {
      for (const p of [0, 1]) expect(edited((c) => (c[k].p = p)), `${k} ${p}`).not.toThrow();
      for (const p of [-0.01, 1.01]) expect(edited((c) => (c[k].p = p)), `${k} ${p}`).toThrow(`cfg: ${k} probability ${p} must be in [0, 1]`);
      expect(edited((c) => ((c[k] as { p: unknown }).p = '0.5'))).toThrow(`cfg: ${k} probability "0.5" must be in [0, 1]`);
    }
    expect(edited((c) => delete (c as Partial<AugmentConfig>).blur)).toThrow('cfg: blur probability undefined must be in [0, 1]');
    for (const p of [0, 1]) expect(edited((c) => (c.flip = { p }))).not.toThrow();
    for (const p of [-0.5, 1.5]) expect(edited((c) => (c.flip = { p }))).toThrow(`cfg: flip probability ${p} must be in [0, 1]`);
    expect(edited((c) => (c.flip = { p: 'x' as unknown as number }))).toThrow('cfg: flip probability "x" must be in [0, 1]');
    expect(() => validateAugment({ ...augmentLevel('none'), rotation: { p: 2, maxDegrees: 0 } })).toThrow('--augment: rotation probability 2');
  });
  it('ranges, each at and past its edges', () => {
    const ok = (edit: (c: AugmentConfig) => void) => expect(edited(edit)).not.toThrow();
    ok((c) => (c.rotation.maxDegrees = 0));
    ok((c) => (c.rotation.maxDegrees = 180));
    expect(edited((c) => (c.rotation.maxDegrees = 180.5))).toThrow('cfg: rotation 180.5 must be in [0, 180] degrees');
    expect(edited((c) => (c.rotation.maxDegrees = -1))).toThrow('cfg: rotation -1 must be in [0, 180] degrees');
    ok((c) => (c.scale = { p: 1, min: 1.2, max: 1.2 }));
    expect(edited((c) => (c.scale = { p: 1, min: 0, max: 1 }))).toThrow('cfg: scale "0-1" must be a range 0 < min <= max');
    expect(edited((c) => (c.scale = { p: 1, min: 1.2, max: 1.1 }))).toThrow('cfg: scale "1.2-1.1" must be a range 0 < min <= max');
    ok((c) => (c.translate.maxFraction = 0));
    ok((c) => (c.translate.maxFraction = 1));
    expect(edited((c) => (c.translate.maxFraction = 1.01))).toThrow('cfg: translate 1.01 must be in [0, 1] of the slice');
    expect(edited((c) => (c.translate.maxFraction = -0.01))).toThrow('cfg: translate -0.01 must be in [0, 1] of the slice');
    ok((c) => (c.elastic.maxFraction = 0));
    ok((c) => (c.elastic.maxFraction = 0.25));
    expect(edited((c) => (c.elastic.maxFraction = 0.26))).toThrow('cfg: elastic 0.26 must be in [0, 0.25] of the slice');
    expect(edited((c) => (c.elastic.maxFraction = -0.01))).toThrow('cfg: elastic -0.01 must be in [0, 0.25] of the slice');
    ok((c) => (c.gamma = { p: 1, min: 2, max: 2 }));
    expect(edited((c) => (c.gamma = { p: 1, min: 0, max: 2 }))).toThrow('cfg: gamma "0-2" must be a range 0 < min <= max');
    expect(edited((c) => (c.gamma = { p: 1, min: 2, max: 1.9 }))).toThrow('cfg: gamma "2-1.9" must be a range 0 < min <= max');
    ok((c) => (c.contrast = { p: 1, min: 0.5, max: 0.5 }));
    expect(edited((c) => (c.contrast = { p: 1, min: 0, max: 1 }))).toThrow('cfg: contrast "0-1" must be a range 0 < min <= max');
    expect(edited((c) => (c.contrast = { p: 1, min: 0.5, max: 0.4 }))).toThrow('cfg: contrast "0.5-0.4" must be a range 0 < min <= max');
    ok((c) => (c.brightness.max = 0));
    ok((c) => (c.brightness.max = 1));
    expect(edited((c) => (c.brightness.max = 1.5))).toThrow('cfg: brightness 1.5 must be in [0, 1]');
    expect(edited((c) => (c.brightness.max = -0.1))).toThrow('cfg: brightness -0.1 must be in [0, 1]');
    ok((c) => (c.noise.maxSigma = 0));
    ok((c) => (c.noise.maxSigma = 1));
    expect(edited((c) => (c.noise.maxSigma = 1.1))).toThrow('cfg: noise 1.1 must be in [0, 1]');
    expect(edited((c) => (c.noise.maxSigma = -0.1))).toThrow('cfg: noise -0.1 must be in [0, 1]');
    expect(edited((c) => (c.noise.maxSigma = NaN))).toThrow('cfg: noise null must be in [0, 1]');
  });
});

describe('augmentKey', () => {
  it('a fixed 32-bit hash of (seed, epoch, index), each argument as an unsigned 32-bit integer', () => {
    expect([augmentKey(0, 0, 0), augmentKey(1, 0, 0), augmentKey(0, 1, 0), augmentKey(0, 0, 1), augmentKey(7, 3, 11)]).toEqual([0, 1834104592, 3298878556, 2859439283, 2753580523]);
    expect(augmentKey(0xffffffff, 0xffffffff, 0xffffffff)).toBe(1119913224);
    expect(augmentKey(-1, 2 ** 32 + 5, 3.7)).toBe(1455944761);
    expect(augmentKey(-1, 5, 3)).toBe(augmentKey(0xffffffff, 5, 3));
  });
});

/** The documented draw order, replayed on the same generator: rotation, scale, translation, elastic, gamma, contrast, brightness, noise, blur, noise key, flip. */
function reference(c: AugmentConfig, width: number, height: number, seed: number, epoch: number, index: number): number[] {
  const rng = new Rng(augmentKey(seed, epoch, index));
  const q = identityAugParams(); // float32 storage, as the GPU buffer: the flip below reads rounded values
  const fires = (p: number) => rng.next() < p;
  const theta = fires(c.rotation.p) ? (rng.uniform(-c.rotation.maxDegrees, c.rotation.maxDegrees) * Math.PI) / 180 : 0;
  const s = fires(c.scale.p) ? rng.uniform(c.scale.min, c.scale.max) : 1;
  const shift = fires(c.translate.p);
  const tx = shift ? rng.uniform(-1, 1) * c.translate.maxFraction * width : 0;
  const ty = shift ? rng.uniform(-1, 1) * c.translate.maxFraction * height : 0;
  // inverse map as a 2x3 matrix: source = R(-theta) (output - centre - t) / s + centre
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  const a = Math.cos(theta) / s;
  const b = Math.sin(theta) / s;
  const m = [a, b, cx - a * (cx + tx) - b * (cy + ty), -b, a, cy + b * (cx + tx) - a * (cy + ty)];
  m.forEach((v, i) => (q[AUG.matrix + i] = v));
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
  if ((c.flip?.p ?? 0) > 0 && fires(c.flip!.p)) {
    // mirrored columns: source = M (W - 1 - x, y)
    for (const row of [AUG.matrix, AUG.matrix + 3]) {
      q[row + 2] = q[row + 2]! + q[row]! * (width - 1);
      q[row] = -q[row]!;
    }
  }
  return plain(q);
}
/** values with -0 read as 0 (the draw leaves an identity matrix untouched; the reference always writes it) */
const plain = (a: Float32Array): number[] => Array.from(a, (v) => v + 0);

describe('drawAugmentParams', () => {
  const all = (): AugmentConfig => ({
    level: 'all', rotation: { p: 1, maxDegrees: 30 }, scale: { p: 1, min: 0.8, max: 1.3 }, translate: { p: 1, maxFraction: 0.1 }, elastic: { p: 1, maxFraction: 0.05 },
    gamma: { p: 1, min: 0.5, max: 2 }, contrast: { p: 1, min: 0.7, max: 1.4 }, brightness: { p: 1, max: 0.2 }, noise: { p: 1, maxSigma: 0.1 }, blur: { p: 1 }, flip: { p: 1 },
  });
  it('every transform firing: the same numbers as the reference draw, for several keys and a non-square slice', () => {
    for (const [seed, epoch, index] of [[1, 0, 0], [5, 2, 7], [9, 1, 3]]) {
      const q = drawAugmentParams(all(), 48, 32, seed, epoch, index);
      expect(q.length).toBe(AUG_STRIDE);
      expect(plain(q), `key ${seed},${epoch},${index}`).toEqual(reference(all(), 48, 32, seed, epoch, index));
      expect(q[AUG.elastic]).toBe(1);
      expect(q[AUG.gammaOn]).toBe(1);
      expect(q[AUG.blur]).toBe(1);
      expect(q[AUG.gamma]).toBeGreaterThanOrEqual(0.5);
      expect(q[AUG.gamma]).toBeLessThanOrEqual(2);
      expect(Math.abs(q[AUG.grid]!), 'grid x within 0.05 x width').toBeLessThanOrEqual(0.05 * 48);
      expect(Math.abs(q[AUG.grid + 1]!), 'grid y within 0.05 x height').toBeLessThanOrEqual(0.05 * 32);
    }
  });
  it('each transform alone, fired or not, leaves the others at identity', () => {
    const none = augmentLevel('none');
    expect(Array.from(drawAugmentParams(none, 16, 16, 1, 0, 0)).map((v, i) => (i === AUG.noiseKey ? 0 : v))).toEqual(Array.from(identityAugParams()));
    const keys = ['rotation', 'scale', 'translate', 'elastic', 'gamma', 'contrast', 'brightness', 'noise', 'blur', 'flip'] as const;
    for (const k of keys) {
      for (const p of [1, 0.5]) {
        const c = { ...augmentLevel('none'), [k]: { ...all()[k], p } } as AugmentConfig;
        for (const index of [0, 1, 2, 3]) expect(plain(drawAugmentParams(c, 24, 40, 3, 1, index)), `${k} p ${p} sample ${index}`).toEqual(reference(c, 24, 40, 3, 1, index));
      }
    }
  });
  it('an elastic draw with a zero amplitude stays off; the flip mirrors the columns about the slice centre', () => {
    const c = { ...augmentLevel('none'), elastic: { p: 1, maxFraction: 0 } };
    const q = drawAugmentParams(c, 16, 16, 1, 0, 0);
    expect(q[AUG.elastic]).toBe(0);
    expect(Array.from(q.subarray(AUG.grid, AUG.grid + 50)).every((v) => v === 0)).toBe(true);
    const flip = drawAugmentParams({ ...augmentLevel('none'), flip: { p: 1 } }, 16, 9, 1, 0, 0);
    expect(plain(flip.subarray(AUG.matrix, AUG.matrix + 6))).toEqual([-1, 0, 15, 0, 1, 0]);
    const rotated = drawAugmentParams({ ...augmentLevel('none'), rotation: { p: 1, maxDegrees: 90 } }, 11, 7, 2, 0, 0);
    const [a, b, tx, c2, d, ty] = Array.from(rotated.subarray(AUG.matrix, AUG.matrix + 6));
    expect(a! * d! - b! * c2!, 'determinant 1').toBeCloseTo(1, 5);
    expect(a! * 5 + b! * 3 + tx!, 'centre x fixed').toBeCloseTo(5, 4);
    expect(c2! * 5 + d! * 3 + ty!, 'centre y fixed').toBeCloseTo(3, 4);
  });
  it('a batch is the samples drawn one by one; the key changes the draw', () => {
    const c = augmentLevel('heavy');
    const batch = drawBatchAugmentParams(c, 20, 12, 4, 2, [3, 0, 9]);
    expect(batch.length).toBe(3 * AUG_STRIDE);
    [3, 0, 9].forEach((idx, b) => expect(Array.from(batch.subarray(b * AUG_STRIDE, (b + 1) * AUG_STRIDE)), `sample ${b}`).toEqual(Array.from(drawAugmentParams(c, 20, 12, 4, 2, idx))));
    expect(drawBatchAugmentParams(c, 20, 12, 4, 2, []).length).toBe(0);
    const keys = new Set([[4, 2, 3], [5, 2, 3], [4, 3, 3], [4, 2, 4]].map(([s, e, i]) => drawAugmentParams(c, 20, 12, s!, e!, i!)[AUG.noiseKey]));
    expect(keys.size).toBe(4);
  });
});

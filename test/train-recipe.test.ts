// The training recipe around the loop: seeded augmentation parameters, the level table, presets that
// explicit flags override, and bad recipe flags refused with the flag and value named.
import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUGMENT_LEVELS, augmentLevel, drawAugmentParams, validateAugment } from '../src/model/augment.ts';
import { AUG, identityAugParams } from '../src/kernels/augment.ts';
import { applyPreset, TRAIN_PRESETS } from '../src/model/presets.ts';
import { buildProgram } from '../src/cli/main.ts';
import { sampleDataRoot } from '../src/pipeline/dataset.ts';

describe('augmentation parameters', () => {
  it('are a function of (seed, epoch, sample index) only', () => {
    const c = augmentLevel('heavy');
    const a = drawAugmentParams(c, 64, 80, 3, 5, 17);
    expect(drawAugmentParams(c, 64, 80, 3, 5, 17)).toEqual(a);
    for (const other of [drawAugmentParams(c, 64, 80, 4, 5, 17), drawAugmentParams(c, 64, 80, 3, 6, 17), drawAugmentParams(c, 64, 80, 3, 5, 18)]) expect(other).not.toEqual(a);
  });

  it('level none gives identity parameters for every sample', () => {
    for (let i = 0; i < 50; i++) {
      const q = drawAugmentParams(augmentLevel('none'), 64, 80, 1, 1, i);
      q[AUG.noiseKey] = 0;
      expect(q).toEqual(identityAugParams());
    }
  });

  it('fire each transform at about its probability and stay within the ranges of level default', () => {
    const c = augmentLevel('default');
    const n = 4000;
    let rotated = 0;
    let gamma = 0;
    let blurred = 0;
    for (let i = 0; i < n; i++) {
      const q = drawAugmentParams(c, 128, 160, 42, 1, i);
      if (q[AUG.matrix + 1] !== 0) rotated++;
      if (q[AUG.gammaOn]) {
        gamma++;
        expect(q[AUG.gamma]).toBeGreaterThanOrEqual(Math.fround(c.gamma.min) - 1e-6);
        expect(q[AUG.gamma]).toBeLessThanOrEqual(Math.fround(c.gamma.max) + 1e-6);
      }
      if (q[AUG.blur]) blurred++;
      expect(q[AUG.contrast]).toBeGreaterThanOrEqual(Math.fround(c.contrast.min) - 1e-6);
    }
    // binomial standard deviation at n = 4000 is under 0.008
    expect(Math.abs(rotated / n - c.rotation.p)).toBeLessThan(0.03);
    expect(Math.abs(gamma / n - c.gamma.p)).toBeLessThan(0.03);
    expect(Math.abs(blurred / n - c.blur.p)).toBeLessThan(0.03);
  });

  it('the level table passes its own validation; nonsense ranges do not', () => {
    for (const name of Object.keys(AUGMENT_LEVELS)) validateAugment(augmentLevel(name));
    const zeroScale = augmentLevel('default');
    zeroScale.scale.min = 0;
    expect(() => validateAugment(zeroScale)).toThrow(/scale/);
    const negativeGamma = augmentLevel('default');
    negativeGamma.gamma.min = -0.5;
    expect(() => validateAugment(negativeGamma)).toThrow(/gamma/);
  });
});

describe('the anterior-posterior flip', () => {
  it('mirrors the sampled column (source x = W - 1 - x) and leaves every other draw of the recipe as it was', () => {
    const flipOnly = { ...augmentLevel('none'), flip: { p: 1 } };
    const q = drawAugmentParams(flipOnly, 64, 80, 3, 1, 0);
    expect(Array.from(q.subarray(AUG.matrix, AUG.matrix + 6))).toEqual([-1, 0, 63, -0, 1, 0]);
    // a point maps back onto its mirror image, on top of a drawn rotation too
    const both = { ...augmentLevel('none'), rotation: { p: 1, maxDegrees: 15 }, flip: { p: 1 } };
    const rot = { ...augmentLevel('none'), rotation: { p: 1, maxDegrees: 15 } };
    const [f, r] = [drawAugmentParams(both, 64, 80, 9, 2, 4), drawAugmentParams(rot, 64, 80, 9, 2, 4)];
    const src = (m: Float32Array, x: number, y: number) => [m[AUG.matrix]! * x + m[AUG.matrix + 1]! * y + m[AUG.matrix + 2]!, m[AUG.matrix + 3]! * x + m[AUG.matrix + 4]! * y + m[AUG.matrix + 5]!];
    for (const [x, y] of [[0, 0], [10, 70], [63, 5]] as const) {
      const a = src(f, x, y);
      const b = src(r, 63 - x, y);
      expect(a[0]).toBeCloseTo(b[0]!, 4);
      expect(a[1]).toBeCloseTo(b[1]!, 4);
    }
    // default-flip draws default's parameters, then the flip: where the flip does not fire, the two are equal
    let same = 0;
    let flipped = 0;
    for (let i = 0; i < 200; i++) {
      const d = drawAugmentParams(augmentLevel('default'), 64, 80, 42, 1, i);
      const e = drawAugmentParams(augmentLevel('default-flip'), 64, 80, 42, 1, i);
      if (d.every((v, k) => v === e[k])) same++;
      else {
        flipped++;
        expect(e[AUG.matrix]).toBeCloseTo(-d[AUG.matrix]!, 6);
      }
    }
    expect(same + flipped).toBe(200);
    expect(flipped / 200, 'the flip fires about half of the time').toBeGreaterThan(0.35);
    expect(flipped / 200).toBeLessThan(0.65);
    expect(() => validateAugment({ ...augmentLevel('none'), flip: { p: 2 } })).toThrow(/flip probability 2 must be in \[0, 1\]/);
  });
});

describe('presets', () => {
  it('fill only the options the user did not set', () => {
    const o = applyPreset({ size: '64x80', lr: '0.001', epochs: '100' }, 'cpu', (k) => k === 'size');
    expect(o.size).toBe('64x80');
    expect(o.lr).toBe(TRAIN_PRESETS.cpu.flags.lr);
    expect(o.epochs).toBe(TRAIN_PRESETS.cpu.flags.epochs);
  });

  it('spineseg train --preset cpu with explicit flags: the flags win, the rest comes from the preset', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spineseg-preset-'));
    try {
      const program = await buildProgram();
      await program.parseAsync(['train', '--data', sampleDataRoot(), '--out', dir, '--preset', 'cpu', '--size', '64x80', '--width-mult', '0.125', '--epochs', '1', '--steps-per-epoch', '1'], { from: 'user' });
      const config = JSON.parse(readFileSync(join(dir, 'checkpoint-last', 'config.json'), 'utf8'));
      expect([config.training.width, config.training.height, config.training.widthMult, config.training.epochs]).toEqual([64, 80, 0.125, 1]);
      expect([config.training.lr, config.training.lrSchedule, config.training.bnMomentum, config.training.patience, config.training.augment.level]).toEqual([0.002, 'poly', 0.9, 40, 'default']);
      expect(config.training.augment).toEqual(augmentLevel('default'));
      expect(config.split.test.length).toBeGreaterThan(0);
      const all = [...config.split.train, ...config.split.val, ...config.split.test];
      expect(new Set(all).size).toBe(all.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const [args, message] of [
    [['--preset', 'fast'], /--preset 'fast'/],
    [['--lr-schedule', 'step'], /--lr-schedule 'step'/],
    [['--augment', 'mega'], /--augment 'mega'/],
    [['--aug-scale', '0-1.2'], /--aug-scale '0-1.2'/],
    [['--aug-gamma', '-0.5-1'], /--aug-gamma '-0.5-1'/],
    [['--lr-schedule', 'cosine', '--warmup-epochs', '5', '--epochs', '5'], /--warmup-epochs '5'/],
    [['--fold', '4/3'], /--fold '4\/3'/],
  ] as const) {
    it(`refuses ${args.join(' ')} naming the flag and value`, async () => {
      const program = await buildProgram();
      const out = join(tmpdir(), 'spineseg-never-written');
      await expect(program.parseAsync(['train', '--data', sampleDataRoot(), '--out', out, ...args], { from: 'user' })).rejects.toThrow(message);
    });
  }
});

describe('docs/TRAINING.md', () => {
  const doc = readFileSync(join(__dirname, '..', 'docs', 'TRAINING.md'), 'utf8');
  const rowOf = (label: string) => doc.split('\n').find((l) => l.startsWith(`| ${label}`))?.split('|').slice(2, -1).map((c) => c.trim());

  it('the augmentation table matches AUGMENT_LEVELS', () => {
    const rows: [string, keyof typeof AUGMENT_LEVELS.default, string[]][] = [
      ['rotation', 'rotation', ['maxDegrees']], ['scale', 'scale', ['min', 'max']], ['translation', 'translate', ['maxFraction']], ['elastic', 'elastic', ['maxFraction']],
      ['gamma', 'gamma', ['min', 'max']], ['contrast', 'contrast', ['min', 'max']], ['brightness', 'brightness', ['max']], ['noise', 'noise', ['maxSigma']], ['blur', 'blur', []], ['flip', 'flip', []],
    ];
    const levels = ['none', 'light', 'default', 'default-flip', 'heavy'];
    for (const [label, key, fields] of rows) {
      const cells = rowOf(label);
      expect(cells, `row ${label}`).toHaveLength(levels.length);
      levels.forEach((level, i) => {
        const t = (AUGMENT_LEVELS[level][key] ?? { p: 0 }) as unknown as Record<string, number>;
        const want = t.p === 0 ? [] : [t.p, ...fields.map((f) => t[f])];
        const got = cells![i] === '-' ? [] : (cells![i].match(/\d*\.?\d+/g) ?? []).map(Number);
        expect(got, `${label} / ${level}: '${cells![i]}'`).toEqual(want);
      });
    }
  });

  it('the preset table matches TRAIN_PRESETS', () => {
    for (const [key, flags] of Object.entries({ size: '--size', widthMult: '--width-mult', batch: '--batch', lr: '--lr', lrSchedule: '--lr-schedule', augment: '--augment', bnMomentum: '--bn-momentum', epochs: '--epochs', patience: '--patience' })) {
      const cells = rowOf(`\`${flags}\``);
      expect(cells, flags).toHaveLength(2);
      ['paper', 'cpu'].forEach((preset, i) => {
        const v = TRAIN_PRESETS[preset].flags[key];
        if (v === undefined) expect(cells![i], `${flags} / ${preset}`).toMatch(/default/);
        else expect(cells![i], `${flags} / ${preset}`).toBe(v);
      });
    }
  });
});

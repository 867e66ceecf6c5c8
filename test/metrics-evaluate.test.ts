// `spineseg evaluate` on a few of the shared SPIDER PNG masks: against themselves (Dice 1, ASD 0), against a
// copy shifted by 2 pixels (ASD / NSD / HD95 equal to the float64 reference), 3-D stacking, and the errors.
import { describe, it, expect, beforeAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { encode } from 'fast-png';
import { register, runEvaluate } from '../src/cli/evaluate.ts';
import { readPngLabels, MASK_GREY_LEVELS } from '../src/metrics/label-files.ts';
import * as ref from '../src/reference/metrics.ts';

const masks = path.resolve(__dirname, '../../shared/data/spider-t2space-png/masks');
const names = ['110_t2_SPACE_slice55.png', '110_t2_SPACE_slice56.png', '110_t2_SPACE_slice57.png'];
const spacing: [number, number] = [0.6, 0.7];
const tau = 1.5;
let tmp: string;
let truthDir: string;
let shiftedDir: string;

function writeGreyPng(file: string, classes: Uint8Array, width: number, height: number) {
  const data = Uint8Array.from(classes, (c) => MASK_GREY_LEVELS[c]);
  fs.writeFileSync(file, encode({ width, height, data, channels: 1, depth: 8 }));
}

/** Moves every label 2 columns right (background enters on the left). */
function shift2(classes: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(classes.length);
  for (let r = 0; r < height; r++) for (let c = 2; c < width; c++) out[r * width + c] = classes[r * width + c - 2];
  return out;
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spineseg-eval-'));
  truthDir = path.join(tmp, 'truth');
  shiftedDir = path.join(tmp, 'shifted');
  fs.mkdirSync(truthDir);
  fs.mkdirSync(shiftedDir);
  for (const n of names) {
    fs.copyFileSync(path.join(masks, n), path.join(truthDir, n));
    fs.writeFileSync(path.join(truthDir, n.replace('.png', '.json')), JSON.stringify({ spacing }));
    const img = readPngLabels(path.join(masks, n));
    const [, H, W] = img.dims;
    writeGreyPng(path.join(shiftedDir, n), shift2(img.data, W, H), W, H);
  }
});

function perClass(report: Awaited<ReturnType<typeof runEvaluate>>, key: 'asd' | 'dice' | 'nsd' | 'hd95') {
  return report.cases.map((c) => c.classes.map((k) => k[key]));
}

describe('spineseg evaluate on the shared PNG masks', () => {
  it('masks against themselves: Dice 1 and ASD 0 for every class (2d and 3d)', async () => {
    for (const mode of ['2d', '3d'] as const) {
      const report = await runEvaluate({ pred: truthDir, truth: truthDir, mode, tauMm: tau });
      expect(report.cases.length).toBe(mode === '2d' ? 3 : 1);
      for (const c of report.cases) {
        for (const k of c.classes) {
          expect(k.dice, `${c.name} ${k.name} Dice`).toBe(1);
          expect(k.asd, `${c.name} ${k.name} ASD`).toBe(0);
          expect(k.nsd).toBe(1);
        }
      }
    }
  });

  it('against a copy shifted by 2 pixels: ASD, HD95, NSD and Dice equal the float64 reference (2d)', async () => {
    const report = await runEvaluate({ pred: shiftedDir, truth: truthDir, tauMm: tau, spacing: [9, 9] });
    expect(report.cases[0].spacing).toEqual([1, ...spacing]);
    names.forEach((n, i) => {
      const truth = readPngLabels(path.join(truthDir, n));
      const pred = readPngLabels(path.join(shiftedDir, n));
      const cm = ref.referenceConfusion(pred.data, truth.data, 4);
      for (let cls = 1; cls < 4; cls++) {
        const want = ref.referenceSurfaceScores(pred.data, truth.data, truth.dims, [1, ...spacing], cls, tau);
        const got = report.cases[i].classes[cls - 1];
        expect(want.asd!, 'the shift moves the surfaces').toBeGreaterThan(0.2);
        expect(got.asd).toBeCloseTo(want.asd!, 4);
        expect(got.hd95).toBeCloseTo(want.hd95!, 4);
        expect(got.nsd).toBeCloseTo(want.nsd!, 6);
        expect(got.dice).toBeCloseTo(ref.referenceClassScores(cm, 4, cls).dice!, 10);
      }
    });
  });

  it('3d mode stacks the slices with --slice-mm and matches the 3-D reference', async () => {
    const report = await runEvaluate({ pred: shiftedDir, truth: truthDir, mode: '3d', sliceMm: 3.3, tauMm: tau });
    expect(report.cases.map((c) => [c.name, c.dims[0]])).toEqual([['110', 3]]);
    const truth = names.map((n) => readPngLabels(path.join(truthDir, n)));
    const pred = names.map((n) => readPngLabels(path.join(shiftedDir, n)));
    const [, H, W] = truth[0].dims;
    const stack = (xs: typeof truth) => {
      const out = new Uint8Array(xs.length * H * W);
      xs.forEach((x, k) => out.set(x.data, k * H * W));
      return out;
    };
    const p = stack(pred);
    const t = stack(truth);
    for (let cls = 1; cls < 4; cls++) {
      const want = ref.referenceSurfaceScores(p, t, [3, H, W], [3.3, ...spacing], cls, tau);
      const got = report.cases[0].classes[cls - 1];
      expect(got.asd).toBeCloseTo(want.asd!, 4);
      expect(got.nsd).toBeCloseTo(want.nsd!, 6);
      expect(got.hd95).toBeCloseTo(want.hd95!, 4);
    }
  });

  it('the registered verb prints Table 2 and writes per-case JSON', async () => {
    const program = new Command('spineseg').exitOverride();
    register(program);
    const json = path.join(tmp, 'out', 'eval.json');
    const lines: string[] = [];
    const log = console.log;
    console.log = (s: string) => lines.push(String(s));
    try {
      await program.parseAsync(['node', 'spineseg', 'evaluate', '--pred', shiftedDir, '--truth', truthDir, '--json', json, '--tau', '1.5']);
    } finally {
      console.log = log;
    }
    const text = lines.join('\n');
    for (const row of ['Vertebrae', 'Spinal canal', 'IVDs', 'Mean']) expect(text).toContain(row);
    for (const col of ['IoU', 'Dice', 'ASD (mm)', 'NSD', 'Precision', 'Recall', 'F1']) expect(text).toContain(col);
    const parsed = JSON.parse(fs.readFileSync(json, 'utf8'));
    expect(parsed.cases.map((c: { name: string }) => c.name)).toEqual(names.map((n) => n.replace('.png', '')));
    expect(parsed.cases[0].classes[0]).toHaveProperty('asd');
  });

  it('errors name the directory or file', async () => {
    await expect(runEvaluate({ pred: path.join(tmp, 'nope'), truth: truthDir })).rejects.toThrow(/--pred .*nope: directory does not exist/);
    const partial = path.join(tmp, 'partial');
    fs.mkdirSync(partial);
    fs.copyFileSync(path.join(truthDir, names[0]), path.join(partial, names[0]));
    await expect(runEvaluate({ pred: partial, truth: truthDir })).rejects.toThrow(/no prediction for 110_t2_SPACE_slice56\.png/);
    const small = path.join(tmp, 'small');
    fs.mkdirSync(small);
    for (const n of names) writeGreyPng(path.join(small, n), new Uint8Array(12), 4, 3);
    await expect(runEvaluate({ pred: small, truth: truthDir })).rejects.toThrow(/small.*110_t2_SPACE_slice55\.png: size 3x4 differs from the truth/);
    const broken = path.join(tmp, 'broken');
    fs.mkdirSync(broken);
    for (const n of names) fs.copyFileSync(path.join(truthDir, n), path.join(broken, n));
    fs.writeFileSync(path.join(broken, names[1]), 'not a png');
    await expect(runEvaluate({ pred: broken, truth: truthDir })).rejects.toThrow(/broken.*110_t2_SPACE_slice56\.png: not a PNG image/);
    const odd = path.join(tmp, 'odd');
    fs.mkdirSync(odd);
    for (const n of names) fs.copyFileSync(path.join(truthDir, n), path.join(odd, n));
    fs.writeFileSync(path.join(odd, names[2]), encode({ width: 2, height: 1, data: new Uint8Array([0, 77]), channels: 1, depth: 8 }));
    await expect(runEvaluate({ pred: odd, truth: truthDir })).rejects.toThrow(/slice57\.png: value 77 is neither/);
  });
});

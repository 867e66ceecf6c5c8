// `spineseg evaluate` on a few SPIDER PNG masks of the repository's data/sample: against themselves (Dice 1, ASD 0), against a
// copy shifted by 2 pixels (ASD / NSD / HD95 equal to the float64 reference), 3-D stacking, and the errors.
import { describe, it, expect, beforeAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { encode } from 'fast-png';
import { register } from '../src/cli/evaluate.ts';
import { runEvaluate } from '../src/app/evaluate.ts';
import { readPngLabels, MASK_GREY_LEVELS } from '../src/metrics/label-files.ts';
import * as ref from '../src/reference/metrics.ts';

const masks = path.resolve(__dirname, '../data/sample/masks');
// three masks of one patient in data/sample, copied under contiguous slice numbers so 3d mode stacks them without gaps
const sources = ['209_t2_SPACE_slice53.png', '209_t2_SPACE_slice58.png', '209_t2_SPACE_slice63.png'];
const names = ['209_t2_SPACE_slice55.png', '209_t2_SPACE_slice56.png', '209_t2_SPACE_slice57.png'];
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
  for (const [i, n] of names.entries()) {
    fs.copyFileSync(path.join(masks, sources[i]), path.join(truthDir, n));
    fs.writeFileSync(path.join(truthDir, n.replace('.png', '.json')), JSON.stringify({ spacing }));
    const img = readPngLabels(path.join(truthDir, n));
    const [, H, W] = img.dims;
    writeGreyPng(path.join(shiftedDir, n), shift2(img.data, W, H), W, H);
  }
});

function perClass(report: Awaited<ReturnType<typeof runEvaluate>>, key: 'asd' | 'dice' | 'nsd' | 'hd95') {
  return report.cases.map((c) => c.classes.map((k) => k[key]));
}

describe('spineseg evaluate on SPIDER PNG masks', () => {
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
    expect(report.cases.map((c) => [c.name, c.dims[0]])).toEqual([['209', 3]]);
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
    expectTable2MatchesReference(text, parsed, shiftedDir, truthDir, 1.5);
  });

  it('errors name the directory or file', async () => {
    await expect(runEvaluate({ pred: path.join(tmp, 'nope'), truth: truthDir })).rejects.toThrow(/--pred .*nope: directory does not exist/);
    const partial = path.join(tmp, 'partial');
    fs.mkdirSync(partial);
    fs.copyFileSync(path.join(truthDir, names[0]), path.join(partial, names[0]));
    await expect(runEvaluate({ pred: partial, truth: truthDir })).rejects.toThrow(/no prediction for 209_t2_SPACE_slice56\.png/);
    const small = path.join(tmp, 'small');
    fs.mkdirSync(small);
    for (const n of names) writeGreyPng(path.join(small, n), new Uint8Array(12), 4, 3);
    await expect(runEvaluate({ pred: small, truth: truthDir })).rejects.toThrow(/small.*209_t2_SPACE_slice55\.png: size 3x4 differs from the truth/);
    const broken = path.join(tmp, 'broken');
    fs.mkdirSync(broken);
    for (const n of names) fs.copyFileSync(path.join(truthDir, n), path.join(broken, n));
    fs.writeFileSync(path.join(broken, names[1]), 'not a png');
    await expect(runEvaluate({ pred: broken, truth: truthDir })).rejects.toThrow(/broken.*209_t2_SPACE_slice56\.png: not a PNG image/);
    const odd = path.join(tmp, 'odd');
    fs.mkdirSync(odd);
    for (const n of names) fs.copyFileSync(path.join(truthDir, n), path.join(odd, n));
    fs.writeFileSync(path.join(odd, names[2]), encode({ width: 2, height: 1, data: new Uint8Array([0, 77]), channels: 1, depth: 8 }));
    await expect(runEvaluate({ pred: odd, truth: truthDir })).rejects.toThrow(/slice57\.png: value 77 is neither/);
  });
});

/**
 * The printed Table 2 and the JSON's per-case scores equal the float64 reference (src/reference/metrics.ts)
 * computed here from the PNGs of both folders: per case, per class; the table rows are means over cases
 * (classes absent from both maps left out), the Mean row the mean of the class rows.
 */
function expectTable2MatchesReference(text: string, json: { cases: { name: string; classes: Record<string, number | string | null>[] }[] }, predDir: string, truthDir: string, tauMm: number) {
  const cols = ['iou', 'dice', 'asd', 'nsd', 'precision', 'recall', 'f1', 'hd95'] as const;
  const files = fs.readdirSync(truthDir).filter((f) => f.endsWith('.png')).sort();
  const perCase = files.map((f) => {
    const truth = readPngLabels(path.join(truthDir, f));
    const pred = readPngLabels(path.join(predDir, f));
    const sidecar = path.join(truthDir, f.replace('.png', '.json'));
    const sp: [number, number] = fs.existsSync(sidecar) ? JSON.parse(fs.readFileSync(sidecar, 'utf8')).spacing : [1, 1];
    const cm = ref.referenceConfusion(pred.data, truth.data, 4);
    return [1, 2, 3].map((cls) => {
      // the box around the class (as 0/1 maps) keeps every surface distance and makes the float64 EDT cheap
      const box = ref.cropToClassBox(pred.data, truth.data, truth.dims, cls);
      const surface = box ? ref.referenceSurfaceScores(box.pred, box.truth, box.shape, [1, ...sp], 1, tauMm) : { asd: null, hd95: null, nsd: null };
      return { ...ref.referenceClassScores(cm, 4, cls), ...surface };
    });
  });
  expect(json.cases.map((c) => c.name)).toEqual(files.map((f) => f.replace('.png', '')));
  perCase.forEach((classes, i) => {
    classes.forEach((want, k) => {
      for (const col of cols) {
        const got = json.cases[i]!.classes[k]![col];
        const w = want[col];
        if (w === null) expect(got, `${files[i]} class ${k + 1} ${col}`).toBeNull();
        else expect(Math.abs(Number(got) - w), `${files[i]} class ${k + 1} ${col}: ${got} vs reference ${w}`).toBeLessThan(col === 'asd' || col === 'hd95' ? 1e-4 : 1e-6);
      }
    });
  });
  const mean = (xs: (number | null)[]) => {
    const v = xs.filter((x): x is number => x !== null && Number.isFinite(x));
    return v.length === 0 ? null : v.reduce((a, b) => a + b, 0) / v.length;
  };
  const rows = [0, 1, 2].map((k) => Object.fromEntries(cols.map((col) => [col, mean(perCase.map((c) => c[k]![col]))])) as Record<(typeof cols)[number], number | null>);
  rows.push(Object.fromEntries(cols.map((col) => [col, mean(rows.map((r) => r[col]))])) as Record<(typeof cols)[number], number | null>);
  const printed = ['Vertebrae', 'Spinal canal', 'IVDs', 'Mean'].map((label) => {
    const line = text.split('\n').find((l) => l.startsWith(`${label}  `));
    expect(line, `a table row for ${label}`).toBeDefined();
    return line!.slice(label.length).trim().split(/\s+/);
  });
  // printed columns: IoU, Dice, ASD, NSD, Precision, Recall, F1 (4 decimals), HD95 (3 decimals)
  printed.forEach((cells, r) => {
    expect(cells.length).toBe(cols.length);
    cols.forEach((col, j) => {
      const want = rows[r]![col]!;
      const half = col === 'hd95' ? 5e-4 : 5e-5;
      expect(Math.abs(Number(cells[j]) - want), `row ${r} ${col}: printed ${cells[j]}, reference ${want}`).toBeLessThanOrEqual(half + 1e-4);
    });
  });
}

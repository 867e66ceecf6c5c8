// Exact-value tests of src/metrics written against Stryker's survivors (docs/MUTATION.md): every score of a
// hand-counted confusion matrix, numpy's percentile, the surface conventions, Table 2's means and text, and
// the label readers' error paths.
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encode } from 'fast-png';
import { overlapScores, sumConfusion, percentileLinear, surfaceScores, meanOf, DEFAULT_NSD_TAU_MM, type ConfusionMatrix } from '../src/metrics/scores.ts';
import { summarize, formatTable2, jsonNumbers, evaluateCases, METRIC_CLASS_NAMES, type CaseResult, type ClassResult } from '../src/metrics/evaluate.ts';
import { isLabelFile, stem, listLabelFiles, pngToClasses, readPngLabels, sidecarSpacing, readLabelImage, MASK_GREY_LEVELS, LABEL_EXTENSIONS } from '../src/metrics/label-files.ts';
import { confusionMatrix, overlapScoresGpu } from '../src/metrics/overlap.ts';
import { Tensor } from '../src/runtime/tensor.ts';

// 3 classes, rows = truth, columns = prediction
const cm3: ConfusionMatrix = { numClasses: 3, counts: Float64Array.from([5, 1, 2, 3, 7, 0, 4, 0, 0]) };

describe('scores: overlap of a hand-counted confusion matrix', () => {
  it('class 1: TP 7, FP 1, FN 3 give IoU 7/11, Dice 14/18, precision 7/8, recall 7/10, F1', () => {
    const s = overlapScores(cm3, 1);
    expect({ tp: s.tp, fp: s.fp, fn: s.fn }, 'counts of class 1').toEqual({ tp: 7, fp: 1, fn: 3 });
    expect(s.iou, 'IoU').toBeCloseTo(7 / 11, 12);
    expect(s.dice, 'Dice').toBeCloseTo(14 / 18, 12);
    expect(s.precision, 'precision').toBeCloseTo(7 / 8, 12);
    expect(s.recall, 'recall').toBeCloseTo(7 / 10, 12);
    expect(s.f1, 'F1 = harmonic mean').toBeCloseTo((2 * (7 / 8) * (7 / 10)) / (7 / 8 + 7 / 10), 12);
  });
  it('class 0 counts its column for FP and its row for FN (an asymmetric matrix)', () => {
    const s = overlapScores(cm3, 0);
    expect({ tp: s.tp, fp: s.fp, fn: s.fn }, 'counts of class 0').toEqual({ tp: 5, fp: 7, fn: 3 });
    expect(s.precision, 'precision 5/12').toBeCloseTo(5 / 12, 12);
    expect(s.recall, 'recall 5/8').toBeCloseTo(5 / 8, 12);
  });
  it('a class only in the truth scores 0 everywhere (never NaN)', () => {
    const s = overlapScores(cm3, 2);
    expect(s, 'class 2: truth 4, predicted 2 but none right').toEqual({ iou: 0, dice: 0, precision: 0, recall: 0, f1: 0, tp: 0, fp: 2, fn: 4 });
    const onlyTruth = overlapScores({ numClasses: 2, counts: Float64Array.from([1, 0, 3, 0]) }, 1);
    expect(onlyTruth, 'nothing predicted: precision 0 by zero_division').toEqual({ iou: 0, dice: 0, precision: 0, recall: 0, f1: 0, tp: 0, fp: 0, fn: 3 });
  });
  it('a class only in the prediction scores 0 (recall 0 by zero division) and an absent class is all null', () => {
    const onlyPred = overlapScores({ numClasses: 2, counts: Float64Array.from([1, 3, 0, 0]) }, 1);
    expect(onlyPred, 'nothing true').toEqual({ iou: 0, dice: 0, precision: 0, recall: 0, f1: 0, tp: 0, fp: 3, fn: 0 });
    const absent = overlapScores({ numClasses: 2, counts: Float64Array.from([4, 0, 0, 0]) }, 1);
    expect(absent, 'absent from both').toEqual({ iou: null, dice: null, precision: null, recall: null, f1: null, tp: 0, fp: 0, fn: 0 });
  });
  it('perfect overlap scores 1', () => {
    const s = overlapScores({ numClasses: 2, counts: Float64Array.from([2, 0, 0, 6]) }, 1);
    expect(s, 'class 1 all right').toEqual({ iou: 1, dice: 1, precision: 1, recall: 1, f1: 1, tp: 6, fp: 0, fn: 0 });
  });
  it('sumConfusion adds counts element-wise; an empty list gives a 0-class matrix', () => {
    const a: ConfusionMatrix = { numClasses: 2, counts: Float64Array.from([1, 2, 3, 4]) };
    const b: ConfusionMatrix = { numClasses: 2, counts: Float64Array.from([10, 20, 30, 40]) };
    const s = sumConfusion([a, b]);
    expect(s.numClasses, 'classes').toBe(2);
    expect([...s.counts], 'pooled counts').toEqual([11, 22, 33, 44]);
    const e = sumConfusion([]);
    expect({ numClasses: e.numClasses, length: e.counts.length }, 'empty list').toEqual({ numClasses: 0, length: 0 });
  });
});

describe("scores: numpy's linear percentile", () => {
  const v = [1, 2, 4, 8, 16];
  it('interpolates between neighbours and hits exact positions', () => {
    expect(percentileLinear(v, 0), 'q 0').toBe(1);
    expect(percentileLinear(v, 100), 'q 100').toBe(16);
    expect(percentileLinear(v, 50), 'q 50 = middle').toBe(4);
    expect(percentileLinear(v, 37.5), 'q 37.5: position 1.5').toBeCloseTo(3, 12);
    expect(percentileLinear(v, 95), 'q 95: position 3.8').toBeCloseTo(8 + 8 * 0.8, 12);
    expect(percentileLinear([3], 95), 'one value').toBe(3);
  });
  it('an exact position does not interpolate (Infinity at the top stays Infinity, not NaN)', () => {
    expect(percentileLinear([1, Infinity, Infinity], 100), 'top of [1, inf, inf]').toBe(Infinity);
    expect(percentileLinear([Infinity, Infinity], 0), 'bottom of [inf, inf]').toBe(Infinity);
  });
  it('refuses an empty list', () => {
    expect(() => percentileLinear([], 95)).toThrow('percentile of an empty list');
  });
});

describe('scores: ASD, HD95 and NSD of distance lists', () => {
  it('pools both directions, sorts them and counts distances <= tau as within', () => {
    // unsorted on purpose; pooled = [0, 0.5, 1, 1, 2, 3, 7]
    const s = surfaceScores([3, 0, 1], [2, 0.5, 7, 1], 1);
    expect(s.asd, 'ASD = 14.5 / 7').toBeCloseTo(14.5 / 7, 12);
    expect(s.hd95, 'HD95: position 5.7 of the sorted pooled list').toBeCloseTo(3 + 4 * 0.7, 12);
    expect(s.nsd, 'NSD: 0, 0.5, 1, 1 of 7 within 1 mm (1 counts)').toBeCloseTo(4 / 7, 12);
    expect(s.nsdTruth, 'truth side: 0.5 and 1 of 4').toBeCloseTo(2 / 4, 12);
    expect({ p: s.predSurfaceVoxels, t: s.truthSurfaceVoxels }, 'voxel counts').toEqual({ p: 3, t: 4 });
  });
  it('the default tau is 1 mm', () => {
    expect(DEFAULT_NSD_TAU_MM).toBe(1);
    expect(surfaceScores([1, 1.5], [1]).nsd, 'two of three within the default 1 mm').toBeCloseTo(2 / 3, 12);
  });
  it('empty surfaces: both -> null, one -> infinite distances and NSD 0', () => {
    expect(surfaceScores([], []), 'both empty').toEqual({ asd: null, hd95: null, nsd: null, nsdTruth: null, predSurfaceVoxels: 0, truthSurfaceVoxels: 0 });
    expect(surfaceScores([1, 2], []), 'no truth surface').toEqual({ asd: Infinity, hd95: Infinity, nsd: 0, nsdTruth: 0, predSurfaceVoxels: 2, truthSurfaceVoxels: 0 });
    expect(surfaceScores([], [4]), 'no predicted surface').toEqual({ asd: Infinity, hd95: Infinity, nsd: 0, nsdTruth: 0, predSurfaceVoxels: 0, truthSurfaceVoxels: 1 });
  });
  it('meanOf skips nulls, keeps zeros and Infinity, and is null for no values', () => {
    expect(meanOf([null, 1, 0, null, 5]), 'mean of 1, 0, 5').toBe(2);
    expect(meanOf([null, null]), 'only nulls').toBeNull();
    expect(meanOf([]), 'empty').toBeNull();
    expect(meanOf([1, Infinity]), 'Infinity propagates').toBe(Infinity);
  });
});

function cls(c: number, over: Partial<ClassResult>): ClassResult {
  return { cls: c, name: METRIC_CLASS_NAMES[c]!, iou: 0.5, dice: 0.5, precision: 0.5, recall: 0.5, f1: 0.5, tp: 1, fp: 1, fn: 1, asd: 1, hd95: 2, nsd: 0.5, nsdTruth: 0.5, predSurfaceVoxels: 1, truthSurfaceVoxels: 1, ...over };
}

describe('evaluate: Table 2 means and text', () => {
  const results: CaseResult[] = [
    { name: 'a', dims: [1, 2, 2], spacing: [1, 1, 1], classes: [cls(1, { iou: 0.2, dice: 0.4, asd: 1, hd95: 3, nsd: 0.6, precision: 0.1, recall: 0.3, f1: 0.7 }), cls(2, { iou: null, dice: null, precision: null, recall: null, f1: null, asd: null, hd95: null, nsd: null })] },
    { name: 'b', dims: [1, 2, 2], spacing: [1, 1, 1], classes: [cls(1, { iou: 0.4, dice: 0.6, asd: Infinity, hd95: Infinity, nsd: 0, precision: 0.3, recall: 0.5, f1: 0.9 }), cls(2, { iou: 1, dice: 1, asd: 0, hd95: 0, nsd: 1, precision: 1, recall: 1, f1: 1 })] },
  ];
  it('per-class means skip nulls and infinite distances, count cases and infinite ASDs; the Mean row averages the rows', () => {
    const rows = summarize(results);
    expect(rows.map((r) => r.label), 'row labels').toEqual(['Vertebrae', 'Spinal canal', 'Mean']);
    const v = rows[0]!;
    expect(v.iou, 'IoU').toBeCloseTo(0.3, 12);
    expect(v.dice, 'Dice').toBeCloseTo(0.5, 12);
    expect(v.asd, 'ASD leaves out the infinite case').toBe(1);
    expect(v.hd95, 'HD95 leaves out the infinite case').toBe(3);
    expect(v.nsd, 'NSD keeps the 0').toBeCloseTo(0.3, 12);
    expect(v.precision, 'precision').toBeCloseTo(0.2, 12);
    expect(v.recall, 'recall').toBeCloseTo(0.4, 12);
    expect(v.f1, 'F1').toBeCloseTo(0.8, 12);
    expect({ cases: v.cases, inf: v.infiniteAsd }, 'vertebrae counts').toEqual({ cases: 2, inf: 1 });
    const c = rows[1]!;
    expect({ iou: c.iou, dice: c.dice, asd: c.asd, hd95: c.hd95, nsd: c.nsd, cases: c.cases, inf: c.infiniteAsd }, 'canal: one case').toEqual({ iou: 1, dice: 1, asd: 0, hd95: 0, nsd: 1, cases: 1, inf: 0 });
    const m = rows[2]!;
    expect(m.iou, 'mean IoU of the rows').toBeCloseTo(0.65, 12);
    expect(m.asd, 'mean ASD of the rows').toBeCloseTo(0.5, 12);
    expect(m.f1, 'mean F1 of the rows').toBeCloseTo(0.9, 12);
    expect(m.precision, 'mean precision of the rows').toBeCloseTo(0.6, 12);
    expect({ cases: m.cases, inf: m.infiniteAsd }, 'Mean counts').toEqual({ cases: 2, inf: 1 });
  });
  it('no results: only a Mean row of nulls', () => {
    const rows = summarize([]);
    expect(rows, 'empty summary').toEqual([{ label: 'Mean', cases: 0, infiniteAsd: 0, iou: null, dice: null, asd: null, hd95: null, nsd: null, precision: null, recall: null, f1: null }]);
  });
  it('formatTable2 writes the title, aligned columns, n/a, inf and the note on left-out cases', () => {
    const rows = summarize(results);
    rows[1]!.hd95 = -Infinity;
    const text = formatTable2(rows, 'Test set', 'px');
    const lines = text.split('\n');
    expect(lines[0], 'title').toBe('Test set');
    expect(lines[1], 'header').toBe('Class            IoU    Dice  ASD (px)     NSD  Precision  Recall      F1  HD95 (px)');
    expect(lines[2], 'rule').toBe('------------  ------  ------  --------  ------  ---------  ------  ------  ---------');
    expect(lines[3], 'vertebrae row').toBe('Vertebrae     0.3000  0.5000    1.0000  0.3000     0.2000  0.4000  0.8000      3.000');
    expect(lines[4], 'canal row with -inf').toBe('Spinal canal  1.0000  1.0000    0.0000  1.0000     1.0000  1.0000  1.0000       -inf');
    expect(lines[6], 'note').toBe('ASD/HD95 means leave out cases where one surface is empty (infinite): Vertebrae 1');
    expect(lines.length, 'title, header, rule, 3 rows, note').toBe(7);
    const plain = formatTable2(summarize([{ ...results[1]!, classes: [cls(1, { asd: Infinity, hd95: Infinity }), cls(2, { iou: null })] }]));
    const pl = plain.split('\n');
    expect(pl[0], 'no title line; mm by default').toMatch(/^Class +IoU +Dice +ASD \(mm\) .*HD95 \(mm\)$/);
    expect(pl[2], 'an infinite-only ASD is n/a, HD95 too').toMatch(/^Vertebrae +0\.5000 +0\.5000 +n\/a +0\.5000 .* n\/a$/);
    expect(pl[3], 'null IoU is n/a').toMatch(/^Spinal canal +n\/a +0\.5000/);
    expect(pl.length, 'no note when nothing is left out of the per-class rows? (one is)').toBe(6);
    const clean = formatTable2(summarize([results[0]!]));
    expect(clean.split('\n').length, 'no note without infinite cases').toBe(5);
    expect(clean, 'no note text').not.toContain('leave out');
  });
  it('jsonNumbers writes non-finite numbers as strings and leaves the rest', () => {
    expect(JSON.stringify({ a: Infinity, b: -Infinity, c: NaN, d: 1.5, e: 'x', f: null }, jsonNumbers)).toBe('{"a":"Infinity","b":"-Infinity","c":"NaN","d":1.5,"e":"x","f":null}');
  });
});

describe('evaluate and overlap on the GPU: small hand-made cases', () => {
  // 1x2x3 cases: class 1 at known pixels
  const truth = [0, 1, 1, 0, 1, 1];
  const pred = [0, 1, 0, 0, 1, 1];
  it('evaluateCases scores each case, grouped by dims and spacing, in input order', async () => {
    const res = await evaluateCases(
      [
        { name: 'first', pred, truth, dims: [1, 2, 3], spacing: [1, 1, 1] },
        { name: 'tall', pred: [1, 1, 0, 0], truth: [1, 1, 0, 0], dims: [1, 4, 1], spacing: [1, 1, 1] },
        { name: 'second', pred: truth, truth, dims: [1, 2, 3], spacing: [1, 1, 1] },
      ],
      { numClasses: 2, classNames: ['bg', 'bone'], tauMm: 0.5 },
    );
    expect(res.map((r) => r.name), 'order').toEqual(['first', 'tall', 'second']);
    expect(res[0]!.dims, 'dims').toEqual([1, 2, 3]);
    expect(res[0]!.classes.length, 'one foreground class').toBe(1);
    const c = res[0]!.classes[0]!;
    expect({ cls: c.cls, name: c.name, tp: c.tp, fp: c.fp, fn: c.fn }, 'class 1 of case first').toEqual({ cls: 1, name: 'bone', tp: 3, fp: 0, fn: 1 });
    expect(c.dice, 'Dice 6/7').toBeCloseTo(6 / 7, 6);
    expect(res[2]!.classes[0]!.dice, 'identical case').toBe(1);
    expect(res[2]!.classes[0]!.asd, 'identical case ASD').toBe(0);
    expect(res[1]!.classes[0]!.iou, 'tall case').toBe(1);
    expect(res[1]!.spacing, 'spacing copied').toEqual([1, 1, 1]);
  });
  it('names the case with a bad label, and refuses mismatched lengths', async () => {
    await expect(evaluateCases([
      { name: 'ok', pred, truth, dims: [1, 2, 3], spacing: [1, 1, 1] },
      { name: 'broken', pred: [0, 7, 0, 0, 0, 0], truth, dims: [1, 2, 3], spacing: [1, 1, 1] },
    ]), 'label 7 of 4 classes').rejects.toThrow(/^confusionMatrix: case broken has 1 voxels with a label >= 4/);
    await expect(evaluateCases([{ name: 'short', pred: [0, 1], truth, dims: [1, 2, 3], spacing: [1, 1, 1] }])).rejects.toThrow('case short: 2 predicted and 6 true voxels for dims [1,2,3]');
    await expect(evaluateCases([{ name: 'shortTruth', pred, truth: [0], dims: [1, 2, 3], spacing: [1, 1, 1] }])).rejects.toThrow('case shortTruth: 6 predicted and 1 true voxels');
  });
  it('default class names are the paper\'s', async () => {
    const res = await evaluateCases([{ name: 'x', pred: [1, 2, 3, 0], truth: [1, 2, 3, 0], dims: [1, 2, 2], spacing: [1, 1, 1] }]);
    expect(res[0]!.classes.map((c) => c.name), 'names').toEqual(['Vertebrae', 'Spinal canal', 'IVDs']);
    expect(res[0]!.classes.map((c) => c.nsd), 'NSD 1 each at the default tau').toEqual([1, 1, 1]);
  });
  it('overlapScoresGpu: per image, pooled, mean Dice / IoU of the foreground; confusionMatrix names the image', async () => {
    const p = Tensor.fromData(Uint32Array.from([...pred, ...truth]), [2, 2, 3], 'u32', 'p');
    const t = Tensor.fromData(Uint32Array.from([...truth, ...truth]), [2, 2, 3], 'u32', 't');
    const s = await overlapScoresGpu(p, t, 2);
    expect(s.perImage.length, 'two images').toBe(2);
    expect(s.perImage[0]![1]!.dice, 'image 0 Dice').toBeCloseTo(6 / 7, 12);
    expect(s.perImage[1]![1]!.dice, 'image 1 Dice').toBe(1);
    expect(s.perImage[0]![0]!.tp, 'background counted').toBe(2);
    expect({ tp: s.pooled[1]!.tp, fp: s.pooled[1]!.fp, fn: s.pooled[1]!.fn }, 'pooled counts').toEqual({ tp: 7, fp: 0, fn: 1 });
    expect(s.meanDice, 'mean foreground Dice').toBeCloseTo((6 / 7 + 1) / 2, 12);
    expect(s.meanIoU, 'mean foreground IoU').toBeCloseTo((3 / 4 + 1) / 2, 12);
    const bad = Tensor.fromData(Uint32Array.from([...pred, 0, 0, 0, 0, 0, 2]), [2, 2, 3], 'u32', 'bad');
    await expect(confusionMatrix(bad, t, 2)).rejects.toThrow('confusionMatrix: image 1 has 1 voxels with a label >= 2 in the prediction or the truth');
    const one = Tensor.fromData(Uint32Array.from([1, 0, 1]), [3], 'u32', 'one');
    const cms = await confusionMatrix(one, one, 2);
    expect(cms.length, '1-D tensor is one image').toBe(1);
    expect([...cms[0]!.counts], 'counts of [1,0,1] vs itself').toEqual([1, 0, 0, 2]);
    expect(cms[0]!.numClasses, 'classes').toBe(2);
    for (const x of [p, t, bad, one]) x.dispose();
  });
});

describe('label files: names, directories, PNG values, sidecars', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mutation-metrics-'));
  it('label extensions, case-insensitive, and stems without them', () => {
    expect(LABEL_EXTENSIONS).toEqual(['.png', '.mha', '.nii', '.nii.gz']);
    expect(['a.PNG', 'b.mha', 'c.nii', 'd.Nii.Gz'].map(isLabelFile), 'label files').toEqual([true, true, true, true]);
    expect(['a.jpg', 'b.json', 'png', 'c.nii.gz.bak'].map(isLabelFile), 'others').toEqual([false, false, false, false]);
    expect(stem('case.nii.gz'), 'longest extension wins').toBe('case');
    expect(stem('Case.NII'), 'case-insensitive').toBe('Case');
    expect(stem('x.png'), 'png').toBe('x');
    expect(stem('notes.txt'), 'other extension').toBe('notes');
    expect(stem('plain'), 'no extension').toBe('plain');
  });
  it('listLabelFiles: sorted label files; errors name the option and the directory', () => {
    const dir = path.join(tmp, 'list');
    fs.mkdirSync(dir);
    for (const f of ['b.png', 'a.nii.gz', 'notes.txt', 'c.mha']) fs.writeFileSync(path.join(dir, f), '');
    expect(listLabelFiles(dir, '--pred'), 'sorted, filtered').toEqual(['a.nii.gz', 'b.png', 'c.mha']);
    expect(() => listLabelFiles(path.join(tmp, 'missing'), '--truth')).toThrow(`--truth ${path.join(tmp, 'missing')}: directory does not exist`);
    expect(() => listLabelFiles(path.join(dir, 'b.png'), '--pred')).toThrow(`--pred ${path.join(dir, 'b.png')}: is not a directory`);
    const empty = path.join(tmp, 'empty');
    fs.mkdirSync(empty);
    fs.writeFileSync(path.join(empty, 'x.txt'), '');
    expect(() => listLabelFiles(empty, '--pred')).toThrow(`--pred ${empty}: no label images (.png, .mha, .nii, .nii.gz)`);
  });
  it('pngToClasses: grey levels when any of 76/150/29 occurs, else class indices', () => {
    expect(MASK_GREY_LEVELS).toEqual([0, 76, 150, 29]);
    expect([...pngToClasses([0, 76, 150, 29, 0], 'm.png')], 'grey levels').toEqual([0, 1, 2, 3, 0]);
    expect([...pngToClasses([29], 'm.png')], 'one grey level alone').toEqual([3]);
    expect([...pngToClasses([0, 1, 2, 3], 'm.png')], 'class indices').toEqual([0, 1, 2, 3]);
    expect([...pngToClasses([0, 0], 'm.png')], 'all background').toEqual([0, 0]);
    expect(() => pngToClasses([0, 76, 3], 'm.png'), 'a class index among grey levels').toThrow('m.png: grey level 3 is not a class (mask grey levels are 0/76/150/29 for classes 0..3)');
    expect(() => pngToClasses([0, 4], 'm.png'), 'index 4 of 4 classes').toThrow('m.png: value 4 is neither a mask grey level (0/76/150/29) nor a class index 0..3');
    expect([...pngToClasses([0, 4], 'm.png', 5)], 'index 4 of 5 classes').toEqual([0, 4]);
    expect(() => pngToClasses([2], 'm.png', 2), 'index 2 of 2 classes').toThrow('class index 0..1');
  });
  const writePng = (name: string, width: number, height: number, channels: number, data: number[]): string => {
    const f = path.join(tmp, name);
    fs.writeFileSync(f, encode({ width, height, channels, depth: 8, data: Uint8Array.from(data) }));
    return f;
  };
  it('readPngLabels: grey, grey+alpha and equal-channel RGB read the first channel; unequal channels name the pixel', async () => {
    const grey = writePng('grey.png', 3, 2, 1, [0, 76, 150, 29, 0, 76]);
    const g = readPngLabels(grey);
    expect({ dims: g.dims, data: [...g.data], spacing: g.spacing, file: g.file }, 'grey').toEqual({ dims: [1, 2, 3], data: [0, 1, 2, 3, 0, 1], spacing: null, file: grey });
    const ga = readPngLabels(writePng('ga.png', 2, 1, 2, [1, 255, 3, 0]));
    expect([...ga.data], 'grey + alpha: alpha ignored').toEqual([1, 3]);
    const rgb = readPngLabels(writePng('rgb.png', 2, 1, 3, [2, 2, 2, 1, 1, 1]));
    expect([...rgb.data], 'equal RGB').toEqual([2, 1]);
    const rgba = await readLabelImage(writePng('rgba.PNG', 1, 1, 4, [3, 3, 3, 0]));
    expect([...rgba.data], 'RGBA through readLabelImage').toEqual([3]);
    expect(() => readPngLabels(writePng('green.png', 2, 2, 3, [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 1]))).toThrow(/green\.png: colour PNG with differing channels at pixel 1,1; label images must be grey/);
    expect(() => readPngLabels(writePng('blue.png', 2, 1, 3, [0, 0, 0, 1, 1, 2]))).toThrow(/at pixel 1,0/);
    expect(() => readPngLabels(path.join(tmp, 'nothing.png'))).toThrow(/nothing\.png: cannot read \(ENOENT/);
    const junk = path.join(tmp, 'junk.png');
    fs.writeFileSync(junk, 'not a png at all, just text long enough');
    expect(() => readPngLabels(junk)).toThrow(/junk\.png/);
    const cut = path.join(tmp, 'cut.png');
    fs.writeFileSync(cut, fs.readFileSync(grey).subarray(0, 40));
    expect(() => readPngLabels(cut)).toThrow(/cut\.png: not a readable PNG \(/);
  });
  it('sidecarSpacing: [1, row, col] from <stem>.json; bad JSON or spacing names the sidecar', () => {
    const img = writePng('sc.png', 1, 1, 1, [0]);
    expect(sidecarSpacing(img), 'no sidecar').toBeNull();
    const json = path.join(tmp, 'sc.json');
    fs.writeFileSync(json, JSON.stringify({ spacing: [0.6, 0.7] }));
    expect(sidecarSpacing(img), 'sidecar').toEqual([1, 0.6, 0.7]);
    expect(readPngLabels(img).spacing, 'read with the image').toEqual([1, 0.6, 0.7]);
    fs.writeFileSync(json, '{ broken');
    expect(() => sidecarSpacing(img)).toThrow(`${json}: not valid JSON (`);
    for (const bad of [[0.6], [0.6, 0.7, 1], [0, 1], [1, -1], [1, 'a'], [1, null], 'x', null]) {
      fs.writeFileSync(json, JSON.stringify({ spacing: bad }));
      expect(() => sidecarSpacing(img), `spacing ${JSON.stringify(bad)}`).toThrow(`${json}: spacing = ${JSON.stringify(bad)}: expected [rowMm, colMm], two positive numbers`);
    }
    fs.writeFileSync(json, '{"spacing": [1, 1e999]}');
    expect(() => sidecarSpacing(img), 'infinite spacing').toThrow('expected [rowMm, colMm]');
    fs.writeFileSync(json, '{}');
    expect(() => sidecarSpacing(img), 'no spacing field').toThrow(`${json}: spacing = undefined: expected`);
  });
});

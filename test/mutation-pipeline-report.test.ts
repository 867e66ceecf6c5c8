// Exact-value tests of the paper's filtration (src/pipeline/filter.ts) and the prepare report
// (src/pipeline/report.ts), written against Stryker's survivors (docs/MUTATION.md).
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_IMBALANCE_RULE, DEFAULT_IMBALANCE_THRESHOLD, FilterTally, IMBALANCE_RULES, balancedClassWeights, classCounts, classesPresent, filterSlice,
  foregroundFractionSpread, formatTable1, imbalanceMeasure, imbalanceUnit, minorityPercent, paperImbalanceRatio, table1Rows,
} from '../src/pipeline/filter.ts';
import { formatPrepareReport, summariseSequences, type PrepareReport } from '../src/pipeline/report.ts';

describe('filter measures', () => {
  it('constants, counts and classes present', () => {
    expect(IMBALANCE_RULES).toEqual(['none', 'paper-ratio', 'foreground-spread', 'minority-percent']);
    expect([DEFAULT_IMBALANCE_RULE, DEFAULT_IMBALANCE_THRESHOLD]).toEqual(['foreground-spread', 55]);
    expect(classCounts([0, 3, 3, 1, 0, 0])).toEqual([3, 1, 0, 2]);
    expect(classCounts([1, 1, 0], 2)).toEqual([1, 2]);
    expect(classCounts([])).toEqual([0, 0, 0, 0]);
    expect(classesPresent([3, 0, 1, 0])).toBe(2);
    expect(classesPresent([0, 0])).toBe(0);
  });
  it('balanced weights, paper ratio, foreground spread, minority percent', () => {
    expect(balancedClassWeights([60, 20, 0, 40])).toEqual([120 / 240, 120 / 80, Infinity, 120 / 160]);
    expect(paperImbalanceRatio([60, 20, 0, 40])).toBe(3);
    expect(paperImbalanceRatio([0, 0])).toBeNaN();
    expect(paperImbalanceRatio([5])).toBe(1);
    expect(foregroundFractionSpread([1000, 20, 15, 5])).toBeCloseTo(37.5, 10);
    expect(foregroundFractionSpread([9, 0, 0, 0])).toBeNaN();
    expect(foregroundFractionSpread([0, 4])).toBe(0);
    expect(minorityPercent([60, 20, 15, 5])).toBeCloseTo(100 * 5 / 60, 10);
    expect(minorityPercent([0, 0, 0])).toBeNaN();
    expect(minorityPercent([4, 0])).toBe(0);
    const c = [60, 20, 15, 5];
    expect(imbalanceMeasure('none', c)).toBeNaN();
    expect(imbalanceMeasure('paper-ratio', c)).toBe(12);
    expect(imbalanceMeasure('foreground-spread', c)).toBeCloseTo(37.5, 10);
    expect(imbalanceMeasure('minority-percent', c)).toBeCloseTo(100 / 12, 10);
    expect(IMBALANCE_RULES.map(imbalanceUnit)).toEqual(['', 'x', '%', '%']);
  });
  it('filterSlice: step 1 by classes present, step 2 by rule and direction, the threshold kept', () => {
    const c = [60, 20, 15, 5]; // ratio 12x, spread 37.5 %, minority 8.33 %
    expect(filterSlice([5, 5, 5, 0], { rule: 'none', threshold: 0 })).toEqual({ keep: false, step: 1, reason: '3 classes < 4' });
    expect(filterSlice([5, 5, 5, 0], { rule: 'paper-ratio', threshold: 99, minClasses: 3 })).toEqual({ keep: true });
    expect(filterSlice([5, 0, 5, 0], { rule: 'none', threshold: 0, minClasses: 3 })).toEqual({ keep: false, step: 1, reason: '2 classes < 3' });
    expect(filterSlice(c, { rule: 'none', threshold: 0 })).toEqual({ keep: true });
    expect(filterSlice(c, { rule: 'paper-ratio', threshold: 12 }), 'at the threshold').toEqual({ keep: true });
    expect(filterSlice(c, { rule: 'paper-ratio', threshold: 11.9 })).toEqual({ keep: false, step: 2, reason: 'paper-ratio 12.00x > 11.9x' });
    expect(filterSlice(c, { rule: 'foreground-spread', threshold: 37.5 })).toEqual({ keep: true });
    expect(filterSlice(c, { rule: 'foreground-spread', threshold: 30 })).toEqual({ keep: false, step: 2, reason: 'foreground-spread 37.50% > 30%' });
    expect(filterSlice(c, { rule: 'minority-percent', threshold: 100 / 12 })).toEqual({ keep: true });
    expect(filterSlice(c, { rule: 'minority-percent', threshold: 8 })).toEqual({ keep: true });
    expect(filterSlice(c, { rule: 'minority-percent', threshold: 9 })).toEqual({ keep: false, step: 2, reason: 'minority-percent 8.33% < 9%' });
  });
});

// five slices of two sequences; at threshold 40 % of foreground spread: keep, keep, step 1, step 2, keep
const SLICES: Array<[string, number[]]> = [['t2', [70, 10, 10, 10]], ['t1', [60, 20, 15, 5]], ['t2', [50, 30, 20, 0]], ['t1', [40, 40, 10, 10]], ['t2', [97, 1, 1, 1]]];
function tallied(): FilterTally {
  const tally = new FilterTally();
  for (const [s, c] of SLICES) tally.add(s, c, filterSlice(c, { rule: 'foreground-spread', threshold: 40 }));
  return tally;
}

describe('filter tally and Table 1', () => {
  it('per sequence, sorted by name: slices, after each step, counts before and after', () => {
    expect(SLICES.map(([, c]) => filterSlice(c, { rule: 'foreground-spread', threshold: 40 }))).toEqual([
      { keep: true }, { keep: true }, { keep: false, step: 1, reason: '3 classes < 4' }, { keep: false, step: 2, reason: 'foreground-spread 50.00% > 40%' }, { keep: true },
    ]);
    expect(tallied().sequences()).toEqual([
      { sequence: 't1', slices: 2, afterStep1: 2, afterStep2: 1, countsBefore: [100, 60, 25, 15], countsAfter: [60, 20, 15, 5] },
      { sequence: 't2', slices: 3, afterStep1: 2, afterStep2: 2, countsBefore: [217, 41, 31, 11], countsAfter: [167, 11, 11, 11] },
    ]);
    const rows = table1Rows(tallied(), 'foreground-spread');
    expect(rows.map((r) => [r.sequence, r.images, r.imagesBefore, +r.ratioBefore.toFixed(4), +r.ratioAfter.toFixed(4)])).toEqual([['t1', 1, 2, 45, 37.5], ['t2', 2, 3, 36.1446, 0]]);
    expect(table1Rows(tallied(), 'none'), "'none' measures the default rule").toEqual(rows);
    expect(table1Rows(tallied(), 'paper-ratio').map((r) => +r.ratioAfter.toFixed(4))).toEqual([12, 15.1818]);
  });
  it('Table 1 as markdown: one decimal for ratios, two for percentages, - for NaN, a total row', () => {
    expect(formatTable1(table1Rows(tallied(), 'foreground-spread'), 'foreground-spread').split('\n')).toEqual([
      '| Dataset | No. of Images (before filtering) | Class Imbalance Ratio before (foreground-spread) | Class Imbalance Ratio after |',
      '|---|---|---|---|',
      '| t1 | 1 (2) | 45.00% | 37.50% |',
      '| t2 | 2 (3) | 36.14% | 0.00% |',
      '| Total | 3 (5) | - | - |',
    ]);
    expect(formatTable1(table1Rows(tallied(), 'paper-ratio'), 'paper-ratio').split('\n')[2]).toBe('| t1 | 1 (2) | 6.7x | 12.0x |');
    expect(formatTable1([{ sequence: 's', images: 0, imagesBefore: 1, ratioBefore: NaN, ratioAfter: 3 }], 'none').split('\n').slice(0, 3)).toEqual([
      '| Dataset | No. of Images (before filtering) | Class Imbalance Ratio before (foreground-spread) | Class Imbalance Ratio after |',
      '|---|---|---|---|',
      '| s | 0 (1) | - | 3.00% |',
    ]);
  });
});

describe('prepare report', () => {
  it('summariseSequences names the classes and measures before and after', () => {
    const [t1] = summariseSequences(tallied());
    expect(t1!.classCountsBefore).toEqual({ background: 100, vertebra: 60, canal: 25, disc: 15 });
    expect(t1!.classCountsAfter).toEqual({ background: 60, vertebra: 20, canal: 15, disc: 5 });
    expect({ ...t1!, classCountsBefore: 0, classCountsAfter: 0, imbalanceBefore: 0, imbalanceAfter: 0 }).toEqual({ sequence: 't1', slices: 2, afterStep1: 2, afterStep2: 1, classCountsBefore: 0, classCountsAfter: 0, imbalanceBefore: 0, imbalanceAfter: 0 });
    expect(t1!.imbalanceAfter).toEqual({ paperRatio: 12, foregroundSpreadPercent: 37.5, minorityPercent: 100 / 12 });
    expect(t1!.imbalanceBefore.paperRatio).toBeCloseTo(100 / 15, 10);
    const extra = new FilterTally();
    extra.add('s', [1, 1, 1, 1, 1], { keep: true });
    expect(Object.keys(summariseSequences(extra)[0]!.classCountsBefore), 'a fifth class is named by index').toEqual(['background', 'vertebra', 'canal', 'disc', 'class4']);
  });
  const full = (): PrepareReport => ({
    input: 'in', out: 'out', mode: 'volumes', size: { width: 160, height: 128 },
    settings: { imbalanceRule: 'foreground-spread', imbalanceThreshold: 40, apta: true, unknownLabels: 'error' }, inputPairs: 3,
    slices: { total: 5, kept: 3, droppedStep1: 1, droppedStep2: 1 }, table1: table1Rows(tallied(), 'foreground-spread'), perSequence: summariseSequences(tallied()),
    reoriented: [{ file: 'a.mha', acquisitionPlane: 'axial', permutation: [1, 2, 0], flips: [false, true, false], description: 'axial acquisition; flipped rows' }],
    dropped: [
      { file: 'a.mha', sagittalIndex: 3, step: 1, reason: '3 classes < 4' },
      { file: 'b.mha', sagittalIndex: 1, step: 2, reason: 'foreground-spread 60.00% > 40%' },
      { file: 'b.mha', sagittalIndex: 2, step: 2, reason: 'foreground-spread 70.50% > 40%' },
      { file: 'c.mha', sagittalIndex: 0, step: 2, reason: 'paper-ratio 12.5x > 10x' },
      { file: 'c.mha', sagittalIndex: 1, step: 2, reason: 'minority-percent 3% < 5%' },
    ],
    apta: { pixels: 200, overall: 0.91234, perClass: [{ class: 0, exactPixels: 100, aptaPixels: 90, bothPixels: 88, recall: 0.88, precision: 88 / 90 }, { class: 3, exactPixels: 0, aptaPixels: 4, bothPixels: 0, recall: NaN, precision: 0 }] },
    warnings: ['w1', 'w2'], seconds: 12.345,
  });
  it('every section, with values, dropped slices grouped by reason without their values, warnings', () => {
    expect(formatPrepareReport(full())).toBe([
      '# spineseg prepare report',
      '',
      '- input: `in` (volumes, 3 image/mask pairs)',
      '- output: `out`, slices 160 wide x 128 high',
      '- imbalance rule: foreground-spread, threshold 40%; APTA: on; unknown labels: error',
      '- slices: 5 extracted, 1 dropped by step 1 (< 4 classes), 1 by step 2 (imbalance), 3 kept',
      '- time: 12.3 s',
      '',
      '## Table 1',
      '',
      '| Dataset | No. of Images (before filtering) | Class Imbalance Ratio before (foreground-spread) | Class Imbalance Ratio after |',
      '|---|---|---|---|',
      '| t1 | 1 (2) | 45.00% | 37.50% |',
      '| t2 | 2 (3) | 36.14% | 0.00% |',
      '| Total | 3 (5) | - | - |',
      '',
      '## Class pixels and imbalance per sequence',
      '',
      '| Sequence | Slices | After step 1 | After step 2 | background | vertebra | canal | disc | paper ratio before/after | fg spread % before/after | minority % before/after |',
      '|---|---|---|---|---|---|---|---|---|---|---|',
      '| t1 | 2 | 2 | 1 | 60 | 20 | 15 | 5 | 6.67 / 12.00 | 45.00 / 37.50 | 15.00 / 8.33 |',
      '| t2 | 3 | 2 | 2 | 167 | 11 | 11 | 11 | 19.73 / 15.18 | 36.14 / 0.00 | 5.07 / 6.59 |',
      '',
      'Class pixel counts are those of the kept slices.',
      '',
      '## Reoriented files',
      '',
      '- `a.mha`: axial acquisition; flipped rows',
      '',
      '## APTA agreement with the exact label mapping',
      '',
      'Overall pixel agreement: 91.23% of 200 pixels.',
      '',
      '| Class | exact pixels | APTA pixels | both | recall | precision |',
      '|---|---|---|---|---|---|',
      '| background | 100 | 90 | 88 | 88.00% | 97.78% |',
      '| disc | 0 | 4 | 0 | -% | 0.00% |',
      '',
      '## Dropped slices',
      '',
      '- 1 x step 1: 3 classes < 4',
      '- 2 x step 2: foreground-spread > 40%',
      '- 1 x step 2: paper-ratio > 10x',
      '- 1 x step 2: minority-percent < 5%',
      '',
      'Every dropped slice, with its value, is listed in report.json.',
      '',
      '## Warnings',
      '',
      '- w1',
      '- w2',
      '',
    ].join('\n'));
  });
  it('an empty run: no rows, nothing reoriented, no APTA, no drops, no warnings', () => {
    const r: PrepareReport = {
      ...full(), mode: 'png', size: { width: 2, height: 1 }, settings: { imbalanceRule: 'paper-ratio', imbalanceThreshold: 20, apta: false, unknownLabels: 'background' },
      inputPairs: 0, slices: { total: 0, kept: 0, droppedStep1: 0, droppedStep2: 0 }, table1: [], perSequence: [], reoriented: [], dropped: [], apta: null, warnings: [], seconds: 0.04,
    };
    expect(formatPrepareReport(r)).toBe([
      '# spineseg prepare report',
      '',
      '- input: `in` (png, 0 image/mask pairs)',
      '- output: `out`, slices 2 wide x 1 high',
      '- imbalance rule: paper-ratio, threshold 20x; APTA: off; unknown labels: background',
      '- slices: 0 extracted, 0 dropped by step 1 (< 4 classes), 0 by step 2 (imbalance), 0 kept',
      '- time: 0.0 s',
      '',
      '## Table 1',
      '',
      '| Dataset | No. of Images (before filtering) | Class Imbalance Ratio before (paper-ratio) | Class Imbalance Ratio after |',
      '|---|---|---|---|',
      '| Total | 0 (0) | - | - |',
      '',
      '## Class pixels and imbalance per sequence',
      '',
      '| Sequence | Slices | After step 1 | After step 2 | background | vertebra | canal | disc | paper ratio before/after | fg spread % before/after | minority % before/after |',
      '|---|---|---|---|---|---|---|---|---|---|---|',
      '',
      'Class pixel counts are those of the kept slices.',
      '',
      '## Reoriented files',
      '',
      'None: every volume was already in the sagittal layout (rows superior->inferior, columns anterior->posterior).',
      '',
      '## Dropped slices',
      '',
      'None.',
      '',
    ].join('\n'));
    expect(formatPrepareReport({ ...r, settings: { ...r.settings, imbalanceRule: 'none' } })).toContain('- imbalance rule: none, threshold 20; APTA: off');
    const nan = { ...full().perSequence[0]!, imbalanceBefore: { paperRatio: NaN, foregroundSpreadPercent: Infinity, minorityPercent: -Infinity } };
    expect(formatPrepareReport({ ...r, perSequence: [nan] })).toContain('| t1 | 2 | 2 | 1 | 60 | 20 | 15 | 5 | - / 12.00 | - / 37.50 | - / 8.33 |');
  });
});

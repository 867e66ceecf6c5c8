import { describe, expect, it } from 'vitest';
import {
  BLUE, GREEN, RED, BLACK, alignBorderPixels, apta, aptaAgreement, harmoniseNeighbours, isSingleton, redWhenNoRed,
  removeOutlines, removeSingletons, replaceColourRanges, type ColourImage,
} from '../src/pipeline/apta.ts';
import {
  FilterTally, balancedClassWeights, classCounts, filterSlice, foregroundFractionSpread, minorityPercent, paperImbalanceRatio, table1Rows, formatTable1,
} from '../src/pipeline/filter.ts';
import { generatePhantom } from '../src/pipeline/phantom.ts';
import { extractSagittalSlices } from '../src/pipeline/extract.ts';

const img = (rows: number[][]): ColourImage => ({ pixels: Int32Array.from(rows.flat()), width: rows[0]!.length, height: rows.length });
const grid = (c: ColourImage) => Array.from({ length: c.height }, (_, y) => Array.from(c.pixels.subarray(y * c.width, (y + 1) * c.width)));
const R = RED, G = GREEN, B = BLUE, K = BLACK;

describe('APTA steps', () => {
  it('step 1 colour ranges: dark -> red, mid -> green, light -> blue, 0 stays black', () => {
    const out = replaceColourRanges(Uint8Array.from([0, 3, 25, 100, 118, 201, 225, 255]), 8, 1);
    expect(Array.from(out.pixels)).toEqual([K, R, R, G, G, B, B, B]);
  });
  it('step 2 neighbour harmonisation is the identity at tolerance 0 and snaps near colours with a tolerance', () => {
    const a = img([[R, R], [G, 0xfe0000]]);
    expect(grid(harmoniseNeighbours(a))).toEqual(grid(a));
    expect(grid(harmoniseNeighbours(a, 2))[1]![1]).toBe(R);
  });
  it('step 3 outline removal replaces a minority pixel with the neighbourhood majority', () => {
    const a = img([[K, K, K, K], [K, G, K, K], [K, K, R, R], [K, K, R, R]]);
    const out = grid(removeOutlines(a));
    expect(out[1]![1]).toBe(K);
    expect(out[3]![3]).toBe(R); // 3 of 3 neighbours red: kept
  });
  it('step 4 border pixels: both adjacent pixels differ -> most common adjacent colour', () => {
    const a = img([[B, B, B], [R, G, R], [B, B, B]]);
    const out = grid(alignBorderPixels(a));
    expect(out[1]![1]).toBe(B); // left/right red, up/down blue: mode of (B, B, R, R) first seen = B
    expect(out[1]![0]).toBe(B); // image edge: the one right neighbour (G) stands for the pair and differs, up/down blue differ
  });
  it('step 5 singleton removal', () => {
    const a = img([[K, K, K], [K, B, K], [K, K, R]]);
    expect(isSingleton(a, 1, 1)).toBe(true);
    expect(isSingleton(a, 0, 0)).toBe(false);
    expect(grid(removeSingletons(a))[1]![1]).toBe(K);
  });
  it('step 6 green/blue become red only when no red is present', () => {
    expect(Array.from(redWhenNoRed(img([[G, B, K]])).pixels)).toEqual([R, R, K]);
    expect(Array.from(redWhenNoRed(img([[G, B, R]])).pixels)).toEqual([G, B, R]);
  });
  it('APTA on a rendered phantom agrees with the exact mapping except partial vertebrae (101+) read as canal', () => {
    const p = generatePhantom({ seed: 4, sizeLrApSi: [8, 40, 48] });
    // 128 x 160: at a few pixels per disc APTA's outline removal erodes thin discs, so test at a usable resolution
    const res = extractSagittalSlices(p.image, p.mask, { imageFile: 'i', maskFile: 'm', width: 128, height: 160, renderMask: true });
    const mid = res.slices[4]!;
    const agreement = aptaAgreement(mid.renderedMask!, mid.labels, 128, 160);
    expect(agreement.overall).toBeGreaterThan(0.9);
    expect(agreement.perClass[3]!.recall).toBeGreaterThan(0.9);
    expect(agreement.perClass[2]!.precision).toBeLessThan(0.95);
    const classes = apta(mid.renderedMask!, 128, 160).classes;
    expect(new Set(classes)).toEqual(new Set([0, 1, 2, 3]));
  });
});

describe('filter', () => {
  it('balanced class weights match sklearn compute_class_weight', () => {
    // sklearn: y = [0]*6 + [1]*3 + [2]*2 + [3]*1 -> 12 / (4 * count)
    expect(balancedClassWeights([6, 3, 2, 1])).toEqual([0.5, 1, 1.5, 3]);
    expect(paperImbalanceRatio([6, 3, 2, 1])).toBe(6);
    expect(foregroundFractionSpread([6, 3, 2, 1])).toBeCloseTo(100 * (3 / 6 - 1 / 6), 10);
    expect(minorityPercent([6, 3, 2, 1])).toBeCloseTo(100 / 6, 10);
  });
  it('counts on a hand-built set: step 1, step 2 and Table 1', () => {
    const set = [
      { seq: 't1', counts: [90, 5, 3, 2] }, // fg spread 30%: kept
      { seq: 't1', counts: [97, 3, 0, 0] }, // 2 classes: step 1
      { seq: 't1', counts: [90, 8, 1, 1] }, // fg spread 70%: step 2
      { seq: 't2', counts: [100, 0, 0, 0] }, // 1 class: step 1
      { seq: 't2', counts: [80, 8, 6, 6] }, // fg spread 10%: kept
    ];
    const settings = { rule: 'foreground-spread' as const, threshold: 55 };
    const tally = new FilterTally();
    const verdicts = set.map((s) => filterSlice(s.counts, settings));
    set.forEach((s, i) => tally.add(s.seq, s.counts, verdicts[i]!));
    expect(verdicts.map((v) => (v.keep ? 0 : v.step))).toEqual([0, 1, 2, 1, 0]);
    const [t1, t2] = tally.sequences();
    expect(t1).toMatchObject({ slices: 3, afterStep1: 2, afterStep2: 1, countsBefore: [277, 16, 4, 3], countsAfter: [90, 5, 3, 2] });
    expect(t2).toMatchObject({ slices: 2, afterStep1: 1, afterStep2: 1, countsAfter: [80, 8, 6, 6] });
    const rows = table1Rows(tally, 'foreground-spread');
    expect(rows[0]!.ratioBefore).toBeCloseTo(100 * (16 - 3) / 23, 10);
    expect(rows[0]!.ratioAfter).toBeCloseTo(30, 10);
    expect(formatTable1(rows, 'foreground-spread')).toContain('| t1 | 1 (3) | 56.52% | 30.00% |');
    expect(filterSlice([90, 5, 3, 2], { rule: 'minority-percent', threshold: 3 })).toMatchObject({ keep: false, step: 2 });
    expect(filterSlice([90, 5, 3, 2], { rule: 'paper-ratio', threshold: 50 })).toEqual({ keep: true });
    expect(classCounts(Uint8Array.from([0, 1, 1, 3]))).toEqual([1, 2, 0, 1]);
  });
});

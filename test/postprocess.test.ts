// Post-processing of label maps (keep largest, size threshold, hole filling; 2-D and 3-D), its config
// block's checks, and the validation-Dice decision that keeps only steps that help.
import { describe, it, expect } from 'vitest';
import { applyPostprocess, connectedComponents, parsePostprocessBlock, NO_POSTPROCESS } from '../src/pipeline/postprocess.ts';
import { decidePostprocess, meanDice } from '../src/app/postprocess-decision.ts';
import { thresholdSpacing } from '../src/model/predict.ts';

/** Draws rectangles [x0, y0, x1, y1) of class c into a W-wide map. */
function paint(map: Uint8Array, W: number, c: number, ...rects: [number, number, number, number][]): Uint8Array {
  for (const [x0, y0, x1, y1] of rects) for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) map[y * W + x] = c;
  return map;
}

describe('label-map post-processing', () => {
  const W = 20;
  const H = 16;
  it('finds 4-connected components (diagonal pixels are apart) and which touch the border', () => {
    const m = paint(new Uint8Array(W * H), W, 1, [2, 2, 5, 5], [5, 5, 6, 6], [0, 10, 3, 12]);
    const cc = connectedComponents(m, [1, H, W], false);
    expect(cc.sizes.slice(1).sort((a, b) => a - b)).toEqual([1, 6, 9]);
    expect(cc.touchesBorder.filter(Boolean).length).toBe(1);
  });

  it('keeps the largest component, drops small ones, fills enclosed background but not a hole holding another class', () => {
    const m = new Uint8Array(W * H);
    paint(m, W, 2, [1, 1, 8, 8]); // canal ring with a background hole
    paint(m, W, 0, [3, 3, 5, 5]);
    paint(m, W, 2, [15, 1, 17, 3]); // a stray canal island of 4 px
    paint(m, W, 1, [10, 8, 18, 15]); // a vertebra with a hole that holds a disc pixel
    paint(m, W, 3, [13, 11, 14, 12]);
    paint(m, W, 0, [12, 10, 13, 13]);
    paint(m, W, 1, [1, 12, 3, 14]); // a 4-px vertebra island
    const out = applyPostprocess(m, [1, H, W], [1, 1, 1], { unit: 'grid-px', classes: { 1: { keepLargest: false, minSize: 5, fillHoles: true }, 2: { keepLargest: true, minSize: 0, fillHoles: true } } }, false);
    const at = (x: number, y: number) => out[y * W + x];
    expect(at(16, 2), 'stray canal island dropped').toBe(0);
    expect(at(4, 4), 'canal hole filled').toBe(2);
    expect(at(1, 12), 'small vertebra island dropped').toBe(0);
    expect(at(12, 11), 'a hole touching a disc pixel stays').toBe(0);
    expect(at(13, 11)).toBe(3);
    expect(at(11, 9)).toBe(1);
  });

  it('size thresholds in mm² use the pixel spacing', () => {
    const m = paint(new Uint8Array(W * H), W, 1, [2, 2, 4, 4]); // 4 px
    const block = (minSize: number) => ({ unit: 'mm2' as const, classes: { 1: { ...NO_POSTPROCESS, minSize } } });
    expect(applyPostprocess(m, [1, H, W], [1, 0.5, 0.5], block(1.5), false).reduce((a, b) => a + b, 0)).toBe(0); // 1 mm² < 1.5
    expect(applyPostprocess(m, [1, H, W], [1, 2, 2], block(1.5), false).reduce((a, b) => a + b, 0)).toBe(4); // 16 mm²
  });

  it('grid-px thresholds mean the same at any input resolution (pixels scaled to the network grid)', () => {
    expect(thresholdSpacing('grid-px', { width: 512, height: 620 }, 128, 160)).toEqual([0.25, 0.25]);
    expect(thresholdSpacing('grid-px', { width: 128, height: 160 }, 128, 160)).toEqual([1, 1]);
    expect(() => thresholdSpacing('mm2', { width: 128, height: 160 }, 128, 160)).toThrow(/need the pixel spacing/);
    // the same blob: 40x40 pixels at 512x620, 10x10 at 128x160, 100 grid pixels either way
    const big = paint(new Uint8Array(512 * 620), 512, 3, [100, 100, 140, 140]);
    const small = paint(new Uint8Array(128 * 160), 128, 3, [25, 25, 35, 35]);
    for (const [minSize, kept] of [[90, true], [110, false]] as const) {
      const block = { unit: 'grid-px' as const, classes: { 3: { ...NO_POSTPROCESS, minSize } } };
      const b = applyPostprocess(big, [1, 620, 512], [1, ...thresholdSpacing('grid-px', { width: 512, height: 620 }, 128, 160)], block, false);
      const s = applyPostprocess(small, [1, 160, 128], [1, ...thresholdSpacing('grid-px', { width: 128, height: 160 }, 128, 160)], block, false);
      expect(b.includes(3), `512x620 blob, threshold ${minSize}`).toBe(kept);
      expect(s.includes(3), `128x160 blob, threshold ${minSize}`).toBe(kept);
    }
  });

  it('3-D keeps the largest component across slices; 2-D would keep one per slice', () => {
    const D = 3;
    const m = new Uint8Array(D * W * H);
    for (let z = 0; z < D; z++) paint(m.subarray(z * W * H), W, 2, [2, 2, 6, 6]); // a tube through 3 slices: 48 voxels
    paint(m.subarray(1 * W * H), W, 2, [10, 10, 17, 16]); // a 42-voxel blob in the middle slice
    const block = { unit: 'grid-px' as const, classes: { 2: { ...NO_POSTPROCESS, keepLargest: true } } };
    const v = applyPostprocess(m, [D, H, W], [3, 1, 1], block, true);
    expect(v.reduce((a, b) => a + (b ? 1 : 0), 0)).toBe(48);
    const s = applyPostprocess(m, [D, H, W], [3, 1, 1], block, false);
    expect(s.reduce((a, b) => a + (b ? 1 : 0), 0)).toBe(16 + 42 + 16);
  });

  it('3-D hole filling fills a cavity closed in 3-D only', () => {
    const D = 3;
    const m = new Uint8Array(D * W * H);
    for (let z = 0; z < D; z++) paint(m.subarray(z * W * H), W, 1, [3, 3, 8, 8]);
    paint(m.subarray(1 * W * H), W, 0, [4, 4, 7, 7]);
    const block = { unit: 'grid-px' as const, classes: { 1: { ...NO_POSTPROCESS, fillHoles: true } } };
    expect(applyPostprocess(m, [D, H, W], [1, 1, 1], block, true)[1 * W * H + 5 * W + 5]).toBe(1);
    // touching the first/last slice is the border in 3-D: an open cavity stays
    const open = Uint8Array.from(m);
    paint(open.subarray(0), W, 0, [4, 4, 7, 7]);
    expect(applyPostprocess(open, [D, H, W], [1, 1, 1], block, true)[1 * W * H + 5 * W + 5]).toBe(0);
  });

  it('a malformed block is an error naming the file and the field', () => {
    const good = { version: 1, unit: 'grid-px', classes: { 2: { keepLargest: true, minSize: 0, fillHoles: false } } };
    expect(parsePostprocessBlock(good, 'ck/config.json', 4).classes['2']!.keepLargest).toBe(true);
    expect(() => parsePostprocessBlock({ ...good, unit: 'cm' }, 'ck/config.json', 4)).toThrow(/ck\/config.json: field postprocess.unit = "cm"/);
    expect(() => parsePostprocessBlock({ ...good, classes: { 2: { keepLargest: 'yes', minSize: 0, fillHoles: false } } }, 'ck/config.json', 4)).toThrow(/field postprocess.classes.2.keepLargest = "yes"/);
    expect(() => parsePostprocessBlock({ ...good, classes: { 7: good.classes[2] } }, 'ck/config.json', 4)).toThrow(/postprocess.classes.7 .*class index must be 1..3/);
    expect(() => parsePostprocessBlock({ ...good, classes: { 1: { keepLargest: false, minSize: -3, fillHoles: false } } }, 'f.json', 4)).toThrow(/postprocess.classes.1.minSize = -3/);
    expect(() => parsePostprocessBlock('all', 'f.json', 4)).toThrow(/f.json: field postprocess = "all"/);
  });
});

describe('post-processing decision on validation cases', () => {
  it('keeps keep-largest for the canal when strays hurt Dice, and leaves out steps that do not help', () => {
    const W = 24;
    const H = 20;
    const cases = [0, 1, 2].map((k) => {
      const truth = new Uint8Array(W * H);
      paint(truth, W, 2, [10, 0, 13, 20]); // canal: a vertical band
      paint(truth, W, 1, [2, 2 + k, 8, 8 + k], [2, 11, 8, 17]); // two vertebrae
      const pred = Uint8Array.from(truth);
      paint(pred, W, 2, [20, 3 + k, 22, 5 + k]); // a stray canal island
      return { pred, truth, dims: [1, H, W] as const, spacing: [1, 1, 1] as const };
    });
    const d = decidePostprocess(cases, { classes: 4, unit: 'grid-px' });
    expect(d.classes['2']!.keepLargest).toBe(true);
    expect(d.after[1]).toBeCloseTo(1, 10);
    expect(d.before[1]!).toBeLessThan(1);
    // vertebrae are already perfect: nothing can raise their Dice, so nothing is kept
    expect(d.classes['1']).toEqual(NO_POSTPROCESS);
    expect(d.rows.filter((r) => r.cls === 1).every((r) => !r.kept)).toBe(true);
    expect(meanDice(cases.map((c) => c.truth), cases.map((c) => c.truth), 3)).toBeNull();
  });
});

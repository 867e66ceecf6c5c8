// What the post-processing decision (src/app/postprocess-decision.ts) reads: its size candidates are
// fractions (2, 5, 10, 25 %) of the median over slices of the largest TRUE component's area, never of the
// prediction's, and its Dice compares the processed prediction with the truth.
import { describe, it, expect } from 'vitest';
import { decidePostprocess, type DecisionCase } from '../src/app/postprocess-decision.ts';

const [H, W] = [60, 70];

/** Class 1 on the rectangle rows [r0, r0+h), columns [c0, c0+w). */
function rect(into: Uint8Array, r0: number, c0: number, h: number, w: number, cls = 1): Uint8Array {
  for (let r = r0; r < r0 + h; r++) for (let c = c0; c < c0 + w; c++) into[r * W + c] = cls;
  return into;
}

/**
 * Slice k: the truth is one block of trueArea[k] px; the prediction covers 4/5 of it plus three 6x5 = 30 px
 * strays. Largest true components 600, 1000, 2000 px: median 1000, candidates 20, 50, 100, 250. The
 * prediction's largest components (480, 800, 1600) would give 16, 40, 80, 200.
 */
function cases(): DecisionCase[] {
  return [[20, 30], [25, 40], [40, 50]].map(([h, w]) => {
    const truth = rect(new Uint8Array(H * W), 2, 2, h!, w!);
    const pred = rect(new Uint8Array(H * W), 2, 2, h!, (w! * 4) / 5);
    for (const c of [0, 10, 20]) rect(pred, 50, 60 - c, 6, 5);
    return { pred, truth, dims: [1, H, W] as const, spacing: [1, 1, 1] as const };
  });
}

describe('post-processing decision inputs', () => {
  it('draws size candidates from the truth (median of the largest true components), keeping the smallest that drops the 30 px strays: 50', () => {
    const d = decidePostprocess(cases(), { classes: 2, unit: 'grid-px', singleComponentClasses: [] });
    const sizeRow = d.rows.find((r) => r.step.startsWith('drop components'));
    expect(sizeRow?.step, `size step rows: ${JSON.stringify(d.rows)}`).toBe('drop components < 50 network px');
    expect(sizeRow!.kept, 'dropping the strays raises Dice').toBe(true);
    expect(d.classes['1'], 'class 1 decision').toEqual({ keepLargest: false, minSize: 50, fillHoles: false });
  });

  it('scores each step against the truth: Dice before is that of prediction vs truth, and rises once the strays are gone', () => {
    const cs = cases();
    const d = decidePostprocess(cs, { classes: 2, unit: 'grid-px', singleComponentClasses: [] });
    // by hand: slice areas truth T, prediction 4T/5 + 90 px strays, overlap 4T/5
    const dice = (t: number, strays: number) => (2 * 0.8 * t) / (t + 0.8 * t + strays);
    const areas = [600, 1000, 2000];
    const before = areas.reduce((a, t) => a + dice(t, 90), 0) / 3;
    const after = areas.reduce((a, t) => a + dice(t, 0), 0) / 3;
    expect(d.before[0]!, `Dice before: ${d.before[0]}, by hand ${before}`).toBeCloseTo(before, 9);
    expect(d.after[0]!, `Dice after: ${d.after[0]}, by hand ${after}`).toBeCloseTo(after, 9);
  });
});

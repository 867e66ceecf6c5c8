// The post-processing decision's size candidates and its rows, for the survivors of the first Stryker run over
// src/app/postprocess-decision.ts (lines 52-115, docs/MUTATION.md): which components are measured (the largest TRUE
// one, 4-connected, in the decision's unit), how the median over slices is taken, that only the model's classes are
// decided, and the text and effect of each step. Nothing runs at collection.
import { describe, it, expect } from 'vitest';
import { decidePostprocess, formatDecisionTable, sizeCandidates, type DecisionCase } from '../src/app/postprocess-decision.ts';

const [H, W] = [40, 50];

/** Class `cls` on the rectangle rows [r0, r0+h), columns [c0, c0+w). */
function rect(into: Uint8Array, r0: number, c0: number, h: number, w: number, cls = 1): Uint8Array {
  for (let r = r0; r < r0 + h; r++) for (let c = c0; c < c0 + w; c++) into[r * W + c] = cls;
  return into;
}

function slice(truth: Uint8Array, spacing: readonly [number, number, number] = [1, 1, 1], pred: Uint8Array = Uint8Array.from(truth)): DecisionCase {
  return { pred, truth, dims: [1, H, W], spacing };
}

/** One slice whose truth is a single h x w block. */
const block = (h: number, w: number) => slice(rect(new Uint8Array(H * W), 1, 1, h, w));

describe('size candidates of the post-processing decision', () => {
  it('take 2, 5, 10 and 25 % of the median over slices, whatever order the slices come in', () => {
    // largest true components 1520, 600, 1000 px: sorted, the median is 1000 (not the middle slice's 600)
    const cases = [block(38, 40) /* 1520 */, block(20, 30) /* 600 */, block(25, 40) /* 1000 */];
    expect(sizeCandidates(cases, 1), 'median of 1520, 600, 1000').toEqual([20, 50, 100, 250]);
  });

  it('measure the largest true component, not the smallest and not the background', () => {
    const truth = rect(rect(new Uint8Array(H * W), 1, 1, 10, 10), 20, 20, 4, 5); // 100 px and 20 px
    expect(sizeCandidates([slice(truth)], 1)).toEqual([2, 5, 10, 25]);
  });

  it('count components 4-connected: two blocks touching at a corner are two', () => {
    const truth = rect(rect(new Uint8Array(H * W), 0, 0, 10, 10), 10, 10, 10, 10); // corners (9,9) and (10,10)
    expect(sizeCandidates([slice(truth)], 1), '100 px each, not one of 200').toEqual([2, 5, 10, 25]);
  });

  it('measure in the decision unit: the area of a pixel is row spacing x column spacing', () => {
    const truth = rect(new Uint8Array(H * W), 1, 1, 10, 10); // 100 px of 4 x 0.5 = 2 mm² each
    expect(sizeCandidates([slice(truth, [1, 4, 0.5])], 1), '200 mm²').toEqual([4, 10, 20, 50]);
  });

  it('skip slices without the class instead of counting them as empty', () => {
    const empty = () => slice(new Uint8Array(H * W));
    expect(sizeCandidates([empty(), block(10, 10), empty()], 1)).toEqual([2, 5, 10, 25]);
    expect(sizeCandidates([empty(), empty()], 1), 'no slice has the class').toEqual([]);
  });
});

describe('the post-processing decision', () => {
  it('decides the model classes only, one row per step, in mm² when the unit is mm2', () => {
    // a 200 px block predicted with three 6 px strays; the truth has no strays
    const cases = [0, 1, 2].map(() => {
      const truth = rect(new Uint8Array(H * W), 1, 1, 10, 20);
      const pred = Uint8Array.from(truth);
      for (const c of [30, 36, 42]) rect(pred, 30, c, 2, 3);
      return slice(truth, [1, 1, 1], pred);
    });
    const d = decidePostprocess(cases, { classes: 2, unit: 'mm2', singleComponentClasses: [1] });
    expect(Object.keys(d.classes), 'classes 1 .. classes - 1').toEqual(['1']);
    expect(d.before).toHaveLength(1);
    expect(d.after).toHaveLength(1);
    expect(d.rows.map((r) => [r.step, r.kept])).toEqual([
      ['keep the largest component', true],
      ['drop components < 4 mm²', false],
      ['fill holes', false],
    ]);
    expect(formatDecisionTable(d.rows, ['background', 'vertebra']).split('\n')[2]).toMatch(/^\| vertebra \| keep the largest component \| 0\.\d{4} \| 1\.0000 \| yes \|$/);
  });

  it('fills holes when the prediction has them and the truth does not', () => {
    const cases = [0, 1].map(() => {
      const truth = rect(new Uint8Array(H * W), 5, 5, 20, 20);
      const pred = rect(Uint8Array.from(truth), 10, 10, 5, 5, 0); // a 25 px hole
      return slice(truth, [1, 1, 1], pred);
    });
    const d = decidePostprocess(cases, { classes: 2, unit: 'grid-px', singleComponentClasses: [] });
    const fill = d.rows.find((r) => r.step === 'fill holes');
    expect(fill, `rows: ${JSON.stringify(d.rows)}`).toBeDefined();
    expect(fill!.kept).toBe(true);
    expect(fill!.after).toBe(1);
    expect(d.classes['1']).toMatchObject({ fillHoles: true });
  });
});

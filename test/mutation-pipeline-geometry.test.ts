// Exact-value tests of the reorientation plan and the label-map post-processing (src/pipeline/orientation.ts,
// src/pipeline/postprocess.ts), written against Stryker's survivors (docs/MUTATION.md).
import { describe, expect, it } from 'vitest';
import { acquisitionPlane, permuteFlipVolume, physicalToArrayAxes, planSagittalReorientation, reorientToSagittal, sagittalAxis } from '../src/pipeline/orientation.ts';
import { indexToPhysical, type Vec3, type Volume } from '../src/pipeline/volume.ts';
import { NO_POSTPROCESS, applyPostprocess, connectedComponents, describePostprocess, parsePostprocessBlock } from '../src/pipeline/postprocess.ts';
import { PipelineError } from '../src/pipeline/errors.ts';

const IDENTITY = [1, 0, 0, 0, 1, 0, 0, 0, 1];

describe('orientation plan', () => {
  it('sagittalAxis: the largest |x| component, the first on ties', () => {
    expect(sagittalAxis([0.1, -0.9, 0.2, 0, 0, 0, 0, 0, 0])).toBe(1);
    expect(sagittalAxis([0.6, -0.6, 0.1, 0, 0, 0, 0, 0, 0])).toBe(0);
    expect(sagittalAxis([0, 0, 0, 1, 1, 1, 1, 1, 1])).toBe(0);
    expect(sagittalAxis([0.2, 0.3, -0.7, 0, 0, 0, 0, 0, 0])).toBe(2);
  });
  it('physicalToArrayAxes: greedy on the largest entry of the whole matrix, not row by row', () => {
    expect(physicalToArrayAxes(IDENTITY)).toEqual([0, 1, 2]);
    expect(physicalToArrayAxes([0, 0, 1, 1, 0, 0, 0, -1, 0])).toEqual([2, 0, 1]);
    // row 0 prefers array axis 1 (0.9), but row 1 holds the larger 0.95 on it: row 0 gets axis 0
    expect(physicalToArrayAxes([0.8, 0.9, 0, 0.1, 0.95, 0, 0, 0, 1])).toEqual([0, 1, 2]);
    expect(physicalToArrayAxes([0.5, 0.4, 0.3, 0.45, 0.1, 0.2, 0.35, 0.25, 0.15])).toEqual([0, 2, 1]);
  });
  it('acquisitionPlane: the coarsest axis, only when 5 % coarser than the last; its physical axis', () => {
    expect(acquisitionPlane(IDENTITY, [1, 1, 1])).toBe('axial');
    expect(acquisitionPlane(IDENTITY, [1.04, 1, 1])).toBe('axial');
    expect(acquisitionPlane(IDENTITY, [1.06, 1, 1])).toBe('sagittal');
    expect(acquisitionPlane(IDENTITY, [2, 3, 1])).toBe('coronal');
    expect(acquisitionPlane(IDENTITY, [3, 2, 1])).toBe('sagittal');
    expect(acquisitionPlane([0, 0, 1, 1, 0, 0, 0, -1, 0], [0.6, 0.6, 3.3])).toBe('sagittal');
    expect(acquisitionPlane([0, 1, 0, 0, 0, -1, 1, 0, 0], [0.5, 0.5, 0.52])).toBe('coronal');
  });
  it('plans: permutation, flips, obliqueness and the description', () => {
    expect(planSagittalReorientation(IDENTITY, [1, 1, 1])).toEqual({
      sagittalAxis: 0, acquisitionPlane: 'axial', permutation: [1, 2, 0], flips: [false, true, false], obliqueDegrees: 0, changed: true,
      description: 'axial acquisition; sagittal axis = array axis 0; axes permuted (1,2,0); flipped rows (S->I)',
    });
    expect(planSagittalReorientation([0, 0, 1, 1, 0, 0, 0, -1, 0], [0.6, 0.6, 3.3])).toEqual({
      sagittalAxis: 2, acquisitionPlane: 'sagittal', permutation: [0, 1, 2], flips: [false, false, false], obliqueDegrees: 0, changed: false,
      description: 'sagittal acquisition; sagittal axis = array axis 2; already in sagittal layout',
    });
    expect(planSagittalReorientation([0, 0, -1, -1, 0, 0, 0, 1, 0], [0.6, 0.6, 3.3])).toMatchObject({
      flips: [true, true, true], changed: true, description: 'sagittal acquisition; sagittal axis = array axis 2; flipped columns (A->P), rows (S->I), slices (R->L)',
    });
    expect(planSagittalReorientation([1, 0, 0, 0, 0, 1, 0, -1, 0], [1, 1, 3])).toMatchObject({
      acquisitionPlane: 'coronal', permutation: [2, 1, 0], flips: [false, false, false], changed: true,
      description: 'coronal acquisition; sagittal axis = array axis 0; axes permuted (2,1,0)',
    });
    const c = Math.cos(0.2);
    const s = Math.sin(0.2);
    const tilted = planSagittalReorientation([0, 0, 1, c, s, 0, -s, c, 0], [0.5, 0.5, 4]);
    expect(tilted.obliqueDegrees).toBeCloseTo((0.2 * 180) / Math.PI, 9);
    expect(tilted.description).toBe('sagittal acquisition; sagittal axis = array axis 2; flipped rows (S->I); oblique by 11.5 deg (nearest axes used, no resampling)');
    const slight = planSagittalReorientation([0, 0, 1, Math.cos(0.01), Math.sin(0.01), 0, -Math.sin(0.01), Math.cos(0.01), 0], [0.5, 0.5, 4]);
    expect(slight.obliqueDegrees).toBeCloseTo(0.573, 3);
    expect(slight.description, 'under 1 degree is not reported').toBe('sagittal acquisition; sagittal axis = array axis 2; flipped rows (S->I)');
    // direction entries just over 1 in magnitude (rounding in a header) are clamped before acos
    expect(planSagittalReorientation([0, 0, 1.0000001, 1.0000001, 0, 0, 0, -1, 0], [1, 1, 3]).obliqueDegrees).toBe(0);
  });
});

/** Brute force: output voxel (a, b, c) is input voxel idx with idx[perm[t]] = flipped ? n - 1 - out[t] : out[t]. */
function permuteReference(vol: Volume, perm: number[], flips: boolean[]): number[] {
  const size = perm.map((p) => vol.size[p]!);
  const out: number[] = [];
  for (let c = 0; c < size[2]!; c++)
    for (let b = 0; b < size[1]!; b++)
      for (let a = 0; a < size[0]!; a++) {
        const o = [a, b, c];
        const idx = [0, 0, 0];
        for (let t = 0; t < 3; t++) idx[perm[t]!] = flips[t] ? vol.size[perm[t]!]! - 1 - o[t]! : o[t]!;
        out.push(vol.data[idx[0]! + vol.size[0] * (idx[1]! + vol.size[1] * idx[2]!)]!);
      }
  return out;
}

describe('permuteFlipVolume', () => {
  const vol: Volume<Int16Array> = {
    data: Int16Array.from({ length: 24 }, (_, i) => i * 3 - 20),
    size: [2, 3, 4],
    spacing: [0.5, 2, 3],
    origin: [10, -5, 7],
    direction: [0, 0, 1, 1, 0, 0, 0, -1, 0],
  };
  it('every permutation and flip pattern: voxels moved as the reference, every voxel at its physical position', () => {
    const perms = [[0, 1, 2], [1, 2, 0], [2, 0, 1], [0, 2, 1], [2, 1, 0], [1, 0, 2]];
    for (const perm of perms)
      for (let f = 0; f < 8; f++) {
        const flips = [Boolean(f & 1), Boolean(f & 2), Boolean(f & 4)];
        const out = permuteFlipVolume(vol, perm, flips);
        const what = `perm ${perm} flips ${flips}`;
        expect(out.data, what).toBeInstanceOf(Int16Array);
        expect([...out.data], what).toEqual(permuteReference(vol, perm, flips));
        expect(out.size, what).toEqual(perm.map((p) => vol.size[p]));
        expect(out.spacing, what).toEqual(perm.map((p) => vol.spacing[p]));
        // the output's voxel (a, b, c) sits where its input voxel sat
        const o: Vec3 = [out.size[0] - 1, 1, out.size[2] - 1];
        const idx = [0, 0, 0];
        for (let t = 0; t < 3; t++) idx[perm[t]!] = flips[t] ? vol.size[perm[t]!]! - 1 - o[t]! : o[t]!;
        const want = indexToPhysical(vol, idx);
        indexToPhysical(out, o).forEach((v, r) => expect(v, `${what} coordinate ${r}`).toBeCloseTo(want[r]!, 9));
        expect(out.direction.some((v) => Object.is(v, -0)), `${what}: no -0`).toBe(false);
      }
  });
  it('refuses a list that is not a permutation of 0,1,2', () => {
    for (const perm of [[0, 0, 1], [0, 1], [1, 2, 3]]) {
      const e = (() => {
        try {
          permuteFlipVolume(vol, perm, [false, false, false]);
        } catch (err) {
          return err as PipelineError;
        }
        throw new Error('expected a throw');
      })();
      expect(e.message).toBe(`permutation ${perm.join(',')} is not a permutation of 0,1,2`);
      expect({ field: e.field, value: e.value }).toEqual({ field: 'permutation', value: perm });
    }
  });
  it('reorientToSagittal: an unchanged volume is returned as is, another one moved', () => {
    const sag = { ...vol, spacing: [0.5, 0.5, 3] as Vec3 };
    const same = reorientToSagittal(sag);
    expect(same.volume).toBe(sag);
    expect(same.report.changed).toBe(false);
    const axial = { ...vol, direction: IDENTITY };
    const moved = reorientToSagittal(axial);
    expect(moved.report.permutation).toEqual([1, 2, 0]);
    expect([...moved.volume.data]).toEqual(permuteReference(axial, [1, 2, 0], [false, true, false]));
  });
});

/** Draws rectangles [x0, y0, x1, y1) of class c into slice z of a W x H map. */
function paint(map: Uint8Array, W: number, H: number, z: number, c: number, ...rects: [number, number, number, number][]): Uint8Array {
  for (const [x0, y0, x1, y1] of rects) for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) map[z * W * H + y * W + x] = c;
  return map;
}
const count = (a: Uint8Array, c: number) => a.reduce((n, v) => n + (v === c ? 1 : 0), 0);

describe('connected components', () => {
  it('4-neighbours in a slice: ids in scan order, sizes, border flags on each edge', () => {
    const W = 5;
    const H = 4;
    const m = paint(new Uint8Array(20), W, H, 0, 1, [1, 1, 3, 3], [4, 1, 5, 2], [0, 3, 1, 4]);
    m[3 * W + 3] = 1; // bottom edge
    const cc = connectedComponents(m, [1, H, W], false);
    expect(cc.sizes).toEqual([0, 4, 1, 1, 1]);
    expect(cc.touchesBorder).toEqual([false, false, true, true, true]);
    expect([...cc.ids]).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 0, 2, 0, 1, 1, 0, 0, 3, 0, 0, 4, 0]);
    const top = paint(new Uint8Array(20), W, H, 0, 1, [2, 0, 3, 1]);
    expect(connectedComponents(top, [1, H, W], false).touchesBorder).toEqual([false, true]);
    const diag = new Uint8Array(9);
    diag[4] = 1;
    diag[0] = 1;
    expect(connectedComponents(diag, [1, 3, 3], false).sizes, 'diagonal pixels are apart').toEqual([0, 1, 1]);
  });
  it('6-neighbours across slices when volumetric; the first and last slice are a border then', () => {
    const W = 4;
    const H = 4;
    const m = new Uint8Array(3 * 16);
    for (const z of [0, 1, 2]) m[z * 16 + 5] = 1;
    m[1 * 16 + 10] = 1;
    expect(connectedComponents(m, [3, H, W], true).sizes).toEqual([0, 3, 1]);
    expect(connectedComponents(m, [3, H, W], false).sizes).toEqual([0, 1, 1, 1, 1]);
    const mid = new Uint8Array(3 * 16);
    mid[16 + 5] = 1;
    expect(connectedComponents(mid, [3, H, W], true).touchesBorder).toEqual([false, false]);
    const first = new Uint8Array(3 * 16);
    first[5] = 1;
    expect(connectedComponents(first, [3, H, W], true).touchesBorder).toEqual([false, true]);
    expect(connectedComponents(first, [3, H, W], false).touchesBorder).toEqual([false, false]);
    const last = new Uint8Array(3 * 16);
    last[32 + 6] = 1;
    expect(connectedComponents(last, [3, H, W], true).touchesBorder).toEqual([false, true]);
  });
});

describe('applyPostprocess', () => {
  const W = 8;
  const H = 8;
  const block = (classes: Record<string, Partial<typeof NO_POSTPROCESS>>, unit: 'grid-px' | 'mm2' = 'grid-px') => ({
    unit, classes: Object.fromEntries(Object.entries(classes).map(([k, v]) => [k, { ...NO_POSTPROCESS, ...v }])),
  });
  it('keep largest: the first of equal largest components stays; other classes untouched; the input is not changed', () => {
    const m = paint(new Uint8Array(64), W, H, 0, 1, [0, 0, 2, 2], [4, 4, 6, 6], [7, 0, 8, 1]);
    paint(m, W, H, 0, 2, [0, 6, 1, 7]);
    const before = Uint8Array.from(m);
    const out = applyPostprocess(m, [1, H, W], [1, 1, 1], block({ 1: { keepLargest: true } }), false);
    expect([...m]).toEqual([...before]);
    expect(count(out, 1)).toBe(4);
    expect(out[0]).toBe(1);
    expect(out[4 * W + 4]).toBe(0);
    expect(out[7]).toBe(0);
    expect(out[6 * W]).toBe(2);
    const bigger = paint(Uint8Array.from(before), W, H, 0, 1, [4, 4, 7, 6]);
    const kept = applyPostprocess(bigger, [1, H, W], [1, 1, 1], block({ 1: { keepLargest: true } }), false);
    expect([kept[0], kept[4 * W + 6]], 'the larger second component wins').toEqual([0, 1]);
    expect(applyPostprocess(new Uint8Array(64), [1, H, W], [1, 1, 1], block({ 1: { keepLargest: true } }), false).every((v) => v === 0), 'absent class').toBe(true);
  });
  it('min size: strictly below the threshold is dropped, in pixel areas of rows x columns', () => {
    const m = paint(new Uint8Array(64), W, H, 0, 3, [0, 0, 2, 2], [4, 4, 7, 7]); // 4 px and 9 px
    expect(count(applyPostprocess(m, [1, H, W], [1, 1, 1], block({ 3: { minSize: 4 } }), false), 3), 'exactly the size kept').toBe(13);
    expect(count(applyPostprocess(m, [1, H, W], [1, 1, 1], block({ 3: { minSize: 5 } }), false), 3)).toBe(9);
    expect(count(applyPostprocess(m, [1, H, W], [1, 1, 1], block({ 3: { minSize: 9.5 } }), false), 3)).toBe(0);
    expect(count(applyPostprocess(m, [1, H, W], [100, 2, 0.5], block({ 3: { minSize: 4 } }, 'mm2'), false), 3), 'slice spacing ignored').toBe(13);
    expect(count(applyPostprocess(m, [1, H, W], [1, 2, 1], block({ 3: { minSize: 9 } }, 'mm2'), false), 3), '4 px of 2 mm²').toBe(9);
    expect(count(applyPostprocess(m, [1, H, W], [1, 1, 3], block({ 3: { minSize: 12 } }, 'mm2'), false), 3), '4 px of 3 mm²').toBe(13);
  });
  it('fill holes: enclosed pure background only; not at the border, not holding another class', () => {
    const m = paint(new Uint8Array(64), W, H, 0, 1, [1, 1, 5, 5]);
    m[2 * W + 2] = 0;
    m[2 * W + 3] = 0;
    paint(m, W, H, 0, 2, [5, 0, 8, 3]);
    m[1 * W + 6] = 0; // a background pixel enclosed by class 2 but touching nothing else: border? no, (6,1) is inside
    const out = applyPostprocess(m, [1, H, W], [1, 1, 1], block({ 1: { fillHoles: true } }), false);
    expect([out[2 * W + 2], out[2 * W + 3]]).toEqual([1, 1]);
    expect(out[1 * W + 6], 'hole of another class stays').toBe(0);
    const withDisc = Uint8Array.from(m);
    withDisc[2 * W + 3] = 3;
    const out2 = applyPostprocess(withDisc, [1, H, W], [1, 1, 1], block({ 1: { fillHoles: true } }), false);
    expect([out2[2 * W + 2], out2[2 * W + 3]], 'a hole holding a disc pixel stays').toEqual([0, 3]);
    const open = paint(new Uint8Array(64), W, H, 0, 1, [0, 0, 3, 3]);
    open[0] = 0;
    expect(applyPostprocess(open, [1, H, W], [1, 1, 1], block({ 1: { fillHoles: true } }), false)[0], 'at the border').toBe(0);
    const hole2 = applyPostprocess(m, [1, H, W], [1, 1, 1], block({ 2: { fillHoles: true } }), false);
    expect(hole2[1 * W + 6], 'class 2 fills its own hole').toBe(2);
    expect(hole2[2 * W + 2], "class 1's hole is not class 2's").toBe(0);
  });
  it('slices apart unless volumetric: keep largest per slice vs across the volume', () => {
    const m = new Uint8Array(2 * 64);
    paint(m, W, H, 0, 1, [0, 0, 3, 3], [5, 5, 6, 6]);
    paint(m, W, H, 1, 1, [5, 5, 7, 7], [0, 0, 1, 1]);
    const per = applyPostprocess(m, [2, H, W], [1, 1, 1], block({ 1: { keepLargest: true } }), false);
    expect([count(per.subarray(0, 64), 1), count(per.subarray(64), 1)]).toEqual([9, 4]);
    const vol = applyPostprocess(m, [2, H, W], [1, 1, 1], block({ 1: { keepLargest: true } }), true);
    expect([count(vol.subarray(0, 64), 1), count(vol.subarray(64), 1)], 'the 9-px blob and what touches it in 3-D').toEqual([9, 1]);
  });
});

describe('postprocess block', () => {
  const good = { version: 1, unit: 'mm2', classes: { 2: { keepLargest: true, minSize: 3.5, fillHoles: false } }, decidedOn: { data: 'd', patients: ['1'], slices: 2, resolution: 'r' } };
  it('parses a good block, keeping the informational fields and only the three steps', () => {
    const parsed = parsePostprocessBlock({ ...good, classes: { 2: { ...good.classes[2], extra: 1 } } }, 'f.json', 4);
    expect(parsed).toEqual({ ...good, classes: { 2: { keepLargest: true, minSize: 3.5, fillHoles: false } } });
    expect(parsePostprocessBlock({ ...good, unit: 'grid-px', classes: {} }, 'f.json', 4).unit).toBe('grid-px');
    expect(parsePostprocessBlock({ ...good, classes: { 3: { keepLargest: false, minSize: 0, fillHoles: true } } }, 'f.json', 4).classes).toEqual({ 3: { keepLargest: false, minSize: 0, fillHoles: true } });
  });
  it('every wrong field is named with its value', () => {
    const cases: Array<[unknown, string]> = [
      [null, 'f.json: field postprocess = null: expected an object'],
      [[1], 'f.json: field postprocess = [1]: expected an object'],
      [{ ...good, version: 2 }, 'f.json: field postprocess.version = 2: expected 1'],
      [{ ...good, unit: 'px' }, `f.json: field postprocess.unit = "px": expected 'grid-px' or 'mm2'`],
      [{ ...good, classes: null }, 'f.json: field postprocess.classes = null: expected an object of class index -> steps'],
      [{ ...good, classes: [] }, 'f.json: field postprocess.classes = []: expected an object of class index -> steps'],
      [{ ...good, classes: 'x' }, 'f.json: field postprocess.classes = "x": expected an object of class index -> steps'],
      [{ ...good, classes: { 0: good.classes[2] } }, 'f.json: field postprocess.classes.0 = {"keepLargest":true,"minSize":3.5,"fillHoles":false}: class index must be 1..3'],
      [{ ...good, classes: { 4: {} } }, 'f.json: field postprocess.classes.4 = {}: class index must be 1..3'],
      [{ ...good, classes: { 1.5: {} } }, 'f.json: field postprocess.classes.1.5 = {}: class index must be 1..3'],
      [{ ...good, classes: { 1: null } }, 'f.json: field postprocess.classes.1 = null: expected { keepLargest, minSize, fillHoles }'],
      [{ ...good, classes: { 1: 7 } }, 'f.json: field postprocess.classes.1 = 7: expected { keepLargest, minSize, fillHoles }'],
      [{ ...good, classes: { 1: { keepLargest: 1, minSize: 0, fillHoles: false } } }, 'f.json: field postprocess.classes.1.keepLargest = 1: expected true or false'],
      [{ ...good, classes: { 1: { keepLargest: false, minSize: 0, fillHoles: 'no' } } }, 'f.json: field postprocess.classes.1.fillHoles = "no": expected true or false'],
      [{ ...good, classes: { 1: { keepLargest: false, minSize: '3', fillHoles: false } } }, 'f.json: field postprocess.classes.1.minSize = "3": expected a number >= 0'],
      [{ ...good, classes: { 1: { keepLargest: false, minSize: Infinity, fillHoles: false } } }, 'f.json: field postprocess.classes.1.minSize = null: expected a number >= 0'],
      [{ ...good, classes: { 1: { keepLargest: false, minSize: -0.5, fillHoles: false } } }, 'f.json: field postprocess.classes.1.minSize = -0.5: expected a number >= 0'],
    ];
    for (const [value, message] of cases) expect(() => parsePostprocessBlock(value, 'f.json', 4), message).toThrow(message);
    expect(() => parsePostprocessBlock({ ...good, classes: { 4: {} } }, 'f.json', 5), 'class 4 of 5 is fine up to its steps').toThrow('postprocess.classes.4.keepLargest = undefined');
  });
  it('describes the steps per class, with the unit', () => {
    const names = ['background', 'vertebra', 'canal', 'disc'];
    expect(describePostprocess({ unit: 'mm2', classes: { 1: { keepLargest: true, minSize: 5, fillHoles: true }, 2: NO_POSTPROCESS, 7: { keepLargest: false, minSize: 0, fillHoles: true } } }, names))
      .toBe('vertebra: keep largest, drop < 5 mm², fill holes; canal: none; class 7: fill holes');
    expect(describePostprocess({ unit: 'grid-px', classes: { 3: { keepLargest: false, minSize: 2, fillHoles: false } } }, names)).toBe('disc: drop < 2 network px');
    expect(describePostprocess({ unit: 'grid-px', classes: {} }, names)).toBe('none');
  });
});

// Second round against the survivors of the Stryker run over src/pipeline (docs/MUTATION.md): connected components
// against a brute-force reference on random masks, post-processing steps in 3-D and slice by slice, tie and edge
// cases of the orientation plan, error details of the splits, an RGB mask's size, a failed write's own error.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encode } from 'fast-png';
import { NO_POSTPROCESS, applyPostprocess, connectedComponents } from '../src/pipeline/postprocess.ts';
import { acquisitionPlane, physicalToArrayAxes } from '../src/pipeline/orientation.ts';
import { patientOfFile, patientSplit, patientSplit3 } from '../src/pipeline/split.ts';
import { decodeGreyPngBytes } from '../src/pipeline/png.ts';
import { balancedClassWeights } from '../src/pipeline/filter.ts';
import { writeFileAtomic } from '../src/pipeline/atomic-write.ts';
import { seededRandom } from '../src/util/random.ts';
import { thrown } from './helpers/thrown.ts';


/** Components by breadth-first search over face neighbours, seeds in scan order (the ids connectedComponents gives). */
function componentsReference(mask: Uint8Array, [D, H, W]: [number, number, number], volumetric: boolean) {
  const ids = new Int32Array(mask.length);
  const sizes = [0];
  const touchesBorder = [false];
  for (let seed = 0; seed < mask.length; seed++) {
    if (!mask[seed] || ids[seed]) continue;
    const id = sizes.length;
    const queue = [seed];
    ids[seed] = id;
    let border = false;
    for (let q = 0; q < queue.length; q++) {
      const i = queue[q]!;
      const z = Math.floor(i / (H * W));
      const y = Math.floor((i % (H * W)) / W);
      const x = i % W;
      if (x === 0 || y === 0 || x === W - 1 || y === H - 1 || (volumetric && (z === 0 || z === D - 1))) border = true;
      const near: Array<[number, number, number]> = [[z, y, x - 1], [z, y, x + 1], [z, y - 1, x], [z, y + 1, x]];
      if (volumetric) near.push([z - 1, y, x], [z + 1, y, x]);
      for (const [zz, yy, xx] of near) {
        if (zz < 0 || zz >= D || yy < 0 || yy >= H || xx < 0 || xx >= W) continue;
        const j = zz * H * W + yy * W + xx;
        if (mask[j] && !ids[j]) {
          ids[j] = id;
          queue.push(j);
        }
      }
    }
    sizes.push(queue.length);
    touchesBorder.push(border);
  }
  return { ids, sizes, touchesBorder };
}

describe('connected components against a brute-force reference', () => {
  it('random masks (U shapes, wrap-around rows, every edge), 2-D and 3-D', () => {
    const rand = seededRandom(11);
    for (const dims of [[1, 9, 7], [1, 6, 11], [3, 7, 5], [4, 5, 6]] as Array<[number, number, number]>) {
      for (const density of [0.45, 0.6]) {
        for (let trial = 0; trial < 4; trial++) {
          const mask = Uint8Array.from({ length: dims[0] * dims[1] * dims[2] }, () => (rand() < density ? 1 : 0));
          for (const volumetric of [false, true]) {
            const got = connectedComponents(mask, dims, volumetric);
            const want = componentsReference(mask, dims, volumetric);
            const what = `${dims} density ${density} trial ${trial} volumetric ${volumetric}`;
            expect(got.sizes, what).toEqual(want.sizes);
            expect(got.touchesBorder, what).toEqual(want.touchesBorder);
            expect([...got.ids], what).toEqual([...want.ids]);
          }
        }
      }
    }
  });
  it('a U opening upwards and a bar reached only leftwards are one component each', () => {
    // rows: the U's arms start on row 0, its base is row 2; the bar of row 4 is seeded at its right end
    const W = 5;
    const rows = ['10001', '10001', '11111', '00000', '00011', '01110'];
    const mask = Uint8Array.from(rows.join(''), (c) => Number(c));
    const cc = connectedComponents(mask, [1, rows.length, W], false);
    expect(cc.sizes).toEqual([0, 9, 5]);
  });
});

describe('post-processing edge cases', () => {
  const W = 6;
  const H = 6;
  it('slice by slice, holes are filled on every slice (each slice is its own 2-D image)', () => {
    const m = new Uint8Array(2 * W * H);
    for (const z of [0, 1]) for (let y = 1; y < 5; y++) for (let x = 1; x < 5; x++) m[z * W * H + y * W + x] = y === 2 && x === 2 ? 0 : 1;
    const out = applyPostprocess(m, [2, H, W], [1, 1, 1], { unit: 'grid-px', classes: { 1: { ...NO_POSTPROCESS, fillHoles: true } } }, false);
    expect([out[2 * W + 2], out[W * H + 2 * W + 2]]).toEqual([1, 1]);
    const untouched = applyPostprocess(m, [2, H, W], [1, 1, 1], { unit: 'grid-px', classes: { 1: { ...NO_POSTPROCESS, keepLargest: true } } }, false);
    expect([untouched[2 * W + 2], untouched[W * H + 2 * W + 2]], 'no hole filling unless asked').toEqual([0, 0]);
  });
  it('in a volume the size threshold still counts each slice alone', () => {
    const m = new Uint8Array(2 * W * H);
    for (const z of [0, 1]) for (const x of [2, 3, 4]) m[z * W * H + 2 * W + x] = 3; // 3 px per slice, 6 px in 3-D
    const out = applyPostprocess(m, [2, H, W], [1, 1, 1], { unit: 'grid-px', classes: { 3: { ...NO_POSTPROCESS, minSize: 4 } } }, true);
    expect(out.every((v) => v === 0)).toBe(true);
    const kept = applyPostprocess(m, [2, H, W], [1, 1, 1], { unit: 'grid-px', classes: { 3: { ...NO_POSTPROCESS, minSize: 3 } } }, true);
    expect(kept.filter((v) => v === 3).length).toBe(6);
  });
});

describe('orientation ties and edges', () => {
  it('physicalToArrayAxes: of equal entries the first in row order wins', () => {
    expect(physicalToArrayAxes([0.6, 0.6, 0, 0.6, 0.5, 0, 0, 0, 1])).toEqual([0, 1, 2]);
  });
  it('acquisitionPlane: exactly 5 % coarser is not coarser; a later axis must beat the current slice axis', () => {
    const I = [1, 0, 0, 0, 1, 0, 0, 0, 1];
    expect(acquisitionPlane(I, [1.05, 1, 1])).toBe('axial');
    expect(acquisitionPlane(I, [1, 1, 0.9])).toBe('sagittal');
  });
});

describe('split details', () => {
  const samples = ['a', 'b', 'c', 'd', 'e', 'f'].map((patient, i) => ({ patient, i }));
  it('the patients are sorted before the seeded shuffle: input order does not change the split', () => {
    const val = (xs: typeof samples) => [...new Set(patientSplit(xs, { valFraction: 0.5, seed: 2 }).val.map((s) => s.patient))].sort();
    expect(val([...samples].reverse())).toEqual(val(samples));
    const three = (xs: typeof samples) => {
      const s = patientSplit3(xs, { testFraction: 0.34, valFraction: 0.34, seed: 2 });
      return [s.test, s.val].map((part) => [...new Set(part.map((x) => x.patient))].sort());
    };
    expect(three([...samples].reverse())).toEqual(three(samples));
  });
  it('errors carry the field and the value', () => {
    const details = (f: () => unknown) => {
      const e = thrown(f);
      return { message: e.message, field: e.field, value: e.value };
    };
    expect(details(() => patientSplit(samples, { valFraction: 2, seed: 1 }))).toEqual({ message: 'valFraction = 2: must be in [0, 1)', field: 'valFraction', value: 2 });
    expect(details(() => patientSplit3(samples, { testFraction: 2, valFraction: 0.1, seed: 1 }))).toEqual({ message: 'testFraction = 2: must be in [0, 1)', field: 'testFraction', value: 2 });
    expect(details(() => patientSplit3(samples, { testFraction: 0.1, valFraction: 2, seed: 1 }))).toEqual({ message: 'valFraction = 2: must be in [0, 1)', field: 'valFraction', value: 2 });
    expect(details(() => patientSplit3(samples, { testFraction: 0.1, valFraction: 0.1, seed: 1, fold: { k: 0, n: 3 } }))).toEqual({ message: 'fold 0/3: expected k/n with 1 <= k <= n and n >= 2', field: 'fold', value: '0/3' });
    expect(details(() => patientSplit3(samples, { testFraction: 0.5, valFraction: 0, seed: 1, fold: { k: 1, n: 4 } }))).toEqual({ message: 'fold 1/4: only 3 non-test patients', field: 'fold', value: '1/4' });
    expect(details(() => patientSplit3(samples, { testFraction: 0.5, valFraction: 0.5, seed: 1 }))).toEqual({ message: '6 patients leave none to train on (test 3, validation 3)', field: 'patients', value: 6 });
  });
  it('patientOfFile: "_slice" is cut to the end of the name only', () => {
    expect(patientOfFile('scan_slice1\nb.png')).toBe('scan_slice1\nb');
  });
});

describe('small edges', () => {
  it('an RGB mask of several rows decodes to width x height grey pixels', () => {
    const rgb = encode({ width: 3, height: 2, channels: 3, depth: 8, data: Uint8Array.from([0, 0, 0, 76, 76, 76, 150, 150, 150, 29, 29, 29, 0, 0, 0, 76, 76, 76]) });
    expect(decodeGreyPngBytes('m.png', rgb)).toEqual({ data: Uint8Array.from([0, 76, 150, 29, 0, 76]), width: 3, height: 2 });
  });
  it('balanced weights of an all-empty count are Infinity, not NaN', () => {
    expect(balancedClassWeights([0, 0])).toEqual([Infinity, Infinity]);
  });
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'spineseg-survivors-'));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  it('a write that fails before its temp file exists rethrows its own error', () => {
    expect(() => writeFileAtomic(path.join(root, 'x.bin'), 123 as unknown as string)).toThrow(/"data" argument must be/);
    expect(fs.readdirSync(root)).toEqual([]);
  });
});

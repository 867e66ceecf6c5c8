// Exact-value tests of slice-folder loading and batching (src/pipeline/dataset.ts) on folders the test writes,
// written against Stryker's survivors (docs/MUTATION.md).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encode } from 'fast-png';
import { REPO_ROOT, batches, decodeGreyPng, decodeIntensityPng, defaultDataRoot, listSlicePairs, loadSliceDataset, loadSlicePair, sampleDataRoot, type Sample } from '../src/pipeline/dataset.ts';
import { thrown } from './helpers/thrown.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'spineseg-dataset-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const grey = (w: number, h: number, f: (i: number) => number) => encode({ width: w, height: h, channels: 1, depth: 8, data: Uint8Array.from({ length: w * h }, (_, i) => f(i)) });
/** A slice folder: name -> [width, height]; images are a ramp, masks stripes of the four grey levels. */
function folder(name: string, slices: Record<string, [number, number]>, meta: Record<string, unknown> = {}): string {
  const dir = path.join(root, name);
  for (const sub of ['images', 'masks', 'meta']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
  for (const [file, [w, h]] of Object.entries(slices)) {
    fs.writeFileSync(path.join(dir, 'images', file), grey(w, h, (i) => i % 256));
    fs.writeFileSync(path.join(dir, 'masks', file), grey(w, h, (i) => [0, 76, 150, 29][Math.floor(i / w) % 4]!));
  }
  for (const [file, json] of Object.entries(meta)) fs.writeFileSync(path.join(dir, 'meta', file), JSON.stringify(json));
  return dir;
}

describe('data roots', () => {
  it('the shared set beside the repository unless configured; the bundled sample', () => {
    expect(defaultDataRoot('/r/repo')).toBe('/r/shared/data/spider-t2space-png');
    expect(defaultDataRoot('/r/repo', '/elsewhere')).toBe('/elsewhere');
    expect(defaultDataRoot()).toBe(path.resolve(REPO_ROOT, '../shared/data/spider-t2space-png'));
    expect(sampleDataRoot('/r/repo')).toBe('/r/repo/data/sample');
    expect(fs.existsSync(path.join(REPO_ROOT, 'package.json'))).toBe(true);
    expect(sampleDataRoot()).toBe(path.join(REPO_ROOT, 'data/sample'));
  });
});

describe('listing and reading', () => {
  it('pairs sorted by name, hidden files ignored', () => {
    const dir = folder('list', { '2_t2_slice1.png': [8, 8], '1_t1_slice3.png': [8, 8] });
    fs.writeFileSync(path.join(dir, 'images', '.DS_Store'), 'x');
    fs.writeFileSync(path.join(dir, 'masks', '.hidden'), 'x');
    expect(listSlicePairs(dir)).toEqual([
      { imageFile: path.join(dir, 'images', '1_t1_slice3.png'), maskFile: path.join(dir, 'masks', '1_t1_slice3.png'), name: '1_t1_slice3.png' },
      { imageFile: path.join(dir, 'images', '2_t2_slice1.png'), maskFile: path.join(dir, 'masks', '2_t2_slice1.png'), name: '2_t2_slice1.png' },
    ]);
  });
  it('missing folders, an empty folder, unpaired and unnamed files are errors naming them', () => {
    const none = path.join(root, 'none');
    const e = thrown(() => listSlicePairs(none));
    expect(e.message).toBe(`${path.join(none, 'images')}: folder does not exist`);
    expect({ file: e.file, field: e.field }).toEqual({ file: path.join(none, 'images'), field: 'folder' });
    const fileNotDir = path.join(root, 'filenotdir');
    fs.mkdirSync(path.join(fileNotDir, 'images'), { recursive: true });
    fs.writeFileSync(path.join(fileNotDir, 'masks'), 'x');
    expect(thrown(() => listSlicePairs(fileNotDir)).message).toBe(`${path.join(fileNotDir, 'masks')}: folder does not exist`);
    const empty = folder('empty', {});
    expect(thrown(() => listSlicePairs(empty)).message).toBe(`${path.join(empty, 'images')}: folder holds no images`);
    const orphan = folder('orphan', { '1_t2_slice1.png': [8, 8] });
    fs.writeFileSync(path.join(orphan, 'masks', '1_t2_slice2.png'), 'x');
    const o = thrown(() => listSlicePairs(orphan));
    expect(o.message).toBe(`${path.join(orphan, 'masks', '1_t2_slice2.png')}: mask has no image ${path.join(orphan, 'images', '1_t2_slice2.png')}`);
    expect(o.field).toBe('image');
    const lonely = folder('lonely', { '1_t2_slice1.png': [8, 8] });
    fs.writeFileSync(path.join(lonely, 'images', '1_t2_slice2.png'), 'x');
    const l = thrown(() => listSlicePairs(lonely));
    expect(l.message).toBe(`${path.join(lonely, 'images', '1_t2_slice2.png')}: image has no mask ${path.join(lonely, 'masks', '1_t2_slice2.png')}`);
    expect(l.field).toBe('mask');
    const badName = folder('badname', { 'scan.png': [8, 8] });
    expect(() => listSlicePairs(badName)).toThrow('scan.png: file name = "scan.png"');
  });
  it('decoders read the file and name an unreadable one', () => {
    const dir = folder('dec', { '1_t2_slice1.png': [8, 8] });
    expect(decodeGreyPng(path.join(dir, 'masks', '1_t2_slice1.png')).data.subarray(0, 9)).toEqual(Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 76]));
    expect(decodeIntensityPng(path.join(dir, 'images', '1_t2_slice1.png')).image[255 % 64]).toBeCloseTo(63 / 255, 6);
    const missing = path.join(dir, 'images', 'nope.png');
    const e = thrown(() => decodeGreyPng(missing));
    expect(e.message).toBe(`${missing}: cannot read (ENOENT)`);
    expect({ file: e.file, field: e.field }).toEqual({ file: missing, field: 'file' });
    expect(() => decodeIntensityPng(path.join(dir, 'images'))).toThrow(`${path.join(dir, 'images')}: cannot read (EISDIR)`);
  });
});

describe('loading slices', () => {
  it('one slice as it is: patient, sequence, intensity, classes, spacing from meta or 1', () => {
    const dir = folder('one', { '7_t2_SPACE_slice4.png': [10, 12] }, { '7_t2_SPACE_slice4.json': { spacing: [0.5, 0.25] } });
    const [s] = loadSliceDataset(dir, { canvas: null });
    expect({ patient: s!.patient, sequence: s!.sequence, w: s!.width, h: s!.height, spacing: s!.spacing, file: s!.file }).toEqual({ patient: '7', sequence: 't2_SPACE', w: 10, h: 12, spacing: [0.5, 0.25], file: path.join(dir, 'images', '7_t2_SPACE_slice4.png') });
    expect(s!.image[11]).toBeCloseTo(11 / 255, 6);
    expect([...s!.labels.subarray(0, 10)]).toEqual(new Array(10).fill(0));
    expect([s!.labels[10], s!.labels[20], s!.labels[30], s!.labels[40]]).toEqual([1, 2, 3, 0]);
    const plain = folder('plain', { '7_t1_slice1.png': [10, 12] });
    expect(loadSliceDataset(plain, { canvas: null })[0]!.spacing).toEqual([1, 1]);
  });
  it('a bad meta spacing, mismatched sizes, a too small slice, an unknown grey level', () => {
    for (const spacing of [[1], [1, 0], [1, '2'], 'x', [1, 2, 3]]) {
      const dir = folder(`meta${JSON.stringify(spacing).replace(/\W/g, '_')}`, { '1_t2_slice1.png': [8, 8] }, { '1_t2_slice1.json': { spacing } });
      expect(() => loadSliceDataset(dir), JSON.stringify(spacing)).toThrow(`${path.join(dir, 'meta', '1_t2_slice1.json')}: spacing = ${JSON.stringify(JSON.stringify(spacing))}: expected [row mm, column mm]`);
    }
    const sizes = folder('sizes', { '1_t2_slice1.png': [8, 8] });
    fs.writeFileSync(path.join(sizes, 'masks', '1_t2_slice1.png'), grey(9, 8, () => 0));
    const e = thrown(() => loadSliceDataset(sizes));
    expect(e.message).toBe(`${path.join(sizes, 'masks', '1_t2_slice1.png')}: size 9x8 does not match ${path.join(sizes, 'images', '1_t2_slice1.png')} size 8x8`);
    expect({ file: e.file, field: e.field }).toEqual({ file: path.join(sizes, 'masks', '1_t2_slice1.png'), field: 'size' });
    const sizesH = folder('sizesh', { '1_t2_slice1.png': [8, 8] });
    fs.writeFileSync(path.join(sizesH, 'masks', '1_t2_slice1.png'), grey(8, 9, () => 0));
    expect(() => loadSliceDataset(sizesH)).toThrow('size 8x9 does not match');
    for (const [w, h] of [[7, 8], [8, 7]]) {
      const small = folder(`small${w}${h}`, { '1_t2_slice1.png': [w!, h!] });
      expect(() => loadSliceDataset(small)).toThrow(`${path.join(small, 'images', '1_t2_slice1.png')}: size = "${w}x${h}": too small to be a slice (minimum 8x8)`);
    }
    const unknown = folder('unknown', { '1_t2_slice1.png': [8, 8] });
    fs.writeFileSync(path.join(unknown, 'masks', '1_t2_slice1.png'), grey(8, 8, (i) => (i === 5 ? 77 : 0)));
    expect(() => loadSliceDataset(unknown)).toThrow('unknown mask grey level 77 at voxel 5');
    expect(loadSliceDataset(unknown, { unknownLabels: 'background' })[0]!.labels[5]).toBe(0);
  });
  it('within 5 % of the canvas: cropped or padded to it, centred; further away left alone', () => {
    const near = folder('near', { '1_t2_slice1.png': [20, 19] });
    const c = loadSliceDataset(near, { canvas: { width: 20, height: 20 } })[0]!;
    expect([c.width, c.height]).toEqual([20, 20]);
    expect([...c.image.subarray(19 * 20)].every((v) => v === 0), 'one zero row: floor(1 / 2) = 0 above, 1 below').toBe(true);
    expect(c.image[5]).toBeCloseTo(5 / 255, 6);
    expect(c.image[18 * 20 + 19]).toBeCloseTo(((18 * 20 + 19) % 256) / 255, 6);
    const edge = folder('edge', { '1_t2_slice1.png': [21, 20] });
    expect(loadSliceDataset(edge, { canvas: { width: 20, height: 20 } })[0]!.width, '5 % exactly: cropped').toBe(20);
    const edgeH = folder('edgeh', { '1_t2_slice1.png': [20, 21] });
    expect(loadSliceDataset(edgeH, { canvas: { width: 20, height: 20 } })[0]!.height).toBe(20);
    const far = folder('far', { '1_t2_slice1.png': [22, 20] });
    expect(loadSliceDataset(far, { canvas: { width: 20, height: 20 } })[0]!.width, 'over 5 %: kept').toBe(22);
    const farH = folder('farh', { '1_t2_slice1.png': [20, 22] });
    expect(loadSliceDataset(farH, { canvas: { width: 20, height: 20 } })[0]!.height).toBe(22);
    expect(loadSliceDataset(near, { canvas: null })[0]!.height, 'no canvas').toBe(19);
    expect(loadSliceDataset(near)[0]!.height, 'default canvas 512x640 is far').toBe(19);
    const shared = folder('shared', { '1_t2_slice1.png': [512, 620] });
    const s = loadSliceDataset(shared)[0]!;
    expect([s.width, s.height], 'the shared set: 512x620 -> 512x640').toEqual([512, 640]);
    expect(s.labels[0], 'padding is background').toBe(0);
    expect([s.labels[10 * 512], s.labels[11 * 512], s.labels[12 * 512], s.labels[13 * 512]], 'source rows 0-3 start 10 rows down').toEqual([0, 1, 2, 3]);
  });
  it('resized to width x height: area for images, nearest for labels, spacing scaled', () => {
    const dir = folder('resize', { '1_t2_slice1.png': [16, 16] }, { '1_t2_slice1.json': { spacing: [0.5, 0.25] } });
    const s = loadSliceDataset(dir, { canvas: null, width: 8, height: 4 })[0]!;
    expect({ w: s.width, h: s.height, spacing: s.spacing, n: s.image.length, m: s.labels.length }).toEqual({ w: 8, h: 4, spacing: [2, 0.5], n: 32, m: 32 });
    // 2x4 boxes of the ramp i % 256 = x + 16 y: the first box holds x 0-1, y 0-3 -> mean 0.5 + 24
    expect(s.image[0]).toBeCloseTo(24.5 / 255, 5);
    expect([...s.labels.subarray(0, 8)], 'output row 0 samples source row floor(0.5 x 4) = 2 (class 2 stripe)').toEqual(new Array(8).fill(2));
    const onlyWidth = loadSliceDataset(dir, { canvas: null, width: 8 })[0]!;
    expect([onlyWidth.width, onlyWidth.height, ...onlyWidth.spacing]).toEqual([8, 16, 0.5, 0.5]);
    const onlyHeight = loadSliceDataset(dir, { canvas: null, height: 8 })[0]!;
    expect([onlyHeight.width, onlyHeight.height, ...onlyHeight.spacing]).toEqual([16, 8, 1, 0.25]);
  });
  it('patients and an evenly spaced subset of slices per patient', () => {
    const dir = folder('subset', Object.fromEntries(['1', '2'].flatMap((p) => [0, 1, 2, 3, 4, 5].map((k) => [`${p}_t2_slice${k}.png`, [8, 8] as [number, number]]))));
    expect(loadSliceDataset(dir, { patients: ['2'] }).map((s) => path.basename(s.file))).toEqual([0, 1, 2, 3, 4, 5].map((k) => `2_t2_slice${k}.png`));
    expect(loadSliceDataset(dir, { patients: [] })).toEqual([]);
    const three = loadSliceDataset(dir, { maxSlicesPerPatient: 3 }).map((s) => path.basename(s.file));
    // indices floor((i + 0.5) * 6 / 3) = 1, 3, 5 of each patient's sorted list
    expect(three).toEqual(['1_t2_slice1.png', '1_t2_slice3.png', '1_t2_slice5.png', '2_t2_slice1.png', '2_t2_slice3.png', '2_t2_slice5.png']);
    expect(loadSliceDataset(dir, { maxSlicesPerPatient: 6 }).length, 'the limit itself keeps all').toBe(12);
    expect(loadSliceDataset(dir, { maxSlicesPerPatient: 1, patients: ['1'] }).map((s) => path.basename(s.file))).toEqual(['1_t2_slice3.png']);
    expect(loadSlicePair(dir, listSlicePairs(dir)[0]!).patient).toBe('1');
  });
});

describe('batches', () => {
  const sample = (k: number, w = 2, h = 1): Sample => ({ patient: 'p', sequence: 't2', file: `f${k}`, image: new Float32Array(w * h).fill(k), labels: new Uint8Array(w * h).fill(k % 4), height: h, width: w, spacing: [1, 1] });
  const all = (xs: Sample[], n: number, o = {}) => [...batches(xs, n, o)];
  it('in order, NHWC images and labels, a short last batch unless dropped', () => {
    const bs = all([0, 1, 2, 3, 4].map((k) => sample(k)), 2);
    expect(bs.map((b) => [b.n, b.height, b.width, b.files])).toEqual([[2, 1, 2, ['f0', 'f1']], [2, 1, 2, ['f2', 'f3']], [1, 1, 2, ['f4']]]);
    expect([...bs[1]!.images]).toEqual([2, 2, 3, 3]);
    expect(bs[1]!.labels).toBeInstanceOf(Uint32Array);
    expect([...bs[1]!.labels]).toEqual([2, 2, 3, 3]);
    expect(all([0, 1, 2, 3, 4].map((k) => sample(k)), 2, { dropLast: true }).map((b) => b.n)).toEqual([2, 2]);
    expect(all([0, 1, 2, 3].map((k) => sample(k)), 2, { dropLast: true }).map((b) => b.n)).toEqual([2, 2]);
    expect(all([], 3)).toEqual([]);
    expect(all([0, 1].map((k) => sample(k)), 5).map((b) => b.n)).toEqual([2]);
  });
  it('a seeded shuffle: same seed same order, every sample once', () => {
    const xs = Array.from({ length: 12 }, (_, k) => sample(k));
    const order = (o: object) => all(xs, 5, o).flatMap((b) => b.files);
    expect(order({ shuffle: true, seed: 3 })).toEqual(order({ shuffle: true, seed: 3 }));
    expect(order({ shuffle: true, seed: 3 })).not.toEqual(order({ shuffle: true, seed: 4 }));
    expect([...order({ shuffle: true, seed: 3 })].sort()).toEqual(xs.map((s) => s.file).sort());
    expect(order({ shuffle: true })).toEqual(order({ shuffle: true, seed: 0 }));
    expect(order({ shuffle: true })).not.toEqual(xs.map((s) => s.file));
    expect(order({ seed: 3 }), 'no shuffle without the flag').toEqual(xs.map((s) => s.file));
  });
  it('refuses a bad batch size and samples of different sizes', () => {
    for (const n of [0, -1, 1.5]) expect(() => all([sample(0)], n)).toThrow(`batchSize = ${n}: must be a positive integer`);
    expect(() => all([sample(0), sample(1, 3, 1)], 2)).toThrow('f1: size = "3x1": differs from f0 (2x1); load with a fixed width and height');
    expect(() => all([sample(0), sample(1, 2, 2)], 2)).toThrow('f1: size = "2x2": differs from f0 (2x1)');
  });
});

// Exact-value tests of small pure files of src/pipeline written against Stryker's survivors
// (docs/MUTATION.md): label maps, CSV, resampling, patient splits and the error type.
import { describe, it, expect } from 'vitest';
import { spiderLabelClass, greyLevelClass, mapSpiderLabels, mapGreyLevels, classesToGreyLevels, CLASS_NAMES, CLASS_DISPLAY_NAMES, NUM_CLASSES, CLASS_TO_GREY } from '../src/pipeline/labels.ts';
import { parseCsv, formatCsv } from '../src/pipeline/csv.ts';
import { resizeBilinear, resizeNearest, resizeArea, cropOrPadCentred } from '../src/pipeline/resample.ts';
import { parseSliceName, patientOfFile, patientSplit, patientSplit3 } from '../src/pipeline/split.ts';
import { PipelineError, fieldError } from '../src/pipeline/errors.ts';
import { thrown } from './helpers/thrown.ts';


describe('labels: SPIDER codes and grey levels to classes', () => {
  it('class tables', () => {
    expect(CLASS_NAMES).toEqual(['background', 'vertebra', 'canal', 'disc']);
    expect(CLASS_DISPLAY_NAMES).toEqual(['background', 'vertebrae', 'spinal canal', 'intervertebral discs']);
    expect(NUM_CLASSES).toBe(4);
    expect(CLASS_TO_GREY).toEqual([0, 76, 150, 29]);
  });
  it('every SPIDER code range, its edges and its neighbours', () => {
    const cases: Array<[number, number]> = [
      [0, 0], [1, 1], [25, 1], [26, -1], [99, -1], [100, 2], [101, 1], [125, 1], [126, -1], [200, -1], [201, 3], [225, 3], [226, -1],
      [-1, -1], [0.5, -1], [100.5, -1], [1.5, -1], [NaN, -1],
    ];
    for (const [code, cls] of cases) expect(spiderLabelClass(code), `code ${code}`).toBe(cls);
  });
  it('grey levels', () => {
    expect([0, 76, 150, 29, 30, 255].map(greyLevelClass)).toEqual([0, 1, 2, 3, -1, -1]);
  });
  it('maps codes; an unknown code is an error naming file, value and voxel, or background with one warning per value', () => {
    expect([...mapSpiderLabels([0, 5, 100, 210, 5], 'v.mha')], 'mapped').toEqual([0, 1, 2, 3, 1]);
    const e = thrown(() => mapSpiderLabels([0, 5, 300], 'v.mha'));
    expect(e, 'a PipelineError').toBeInstanceOf(PipelineError);
    expect(e.message).toBe('v.mha: unknown label 300 at voxel 2 (use --unknown-labels background to map it to 0)');
    expect({ file: e.file, field: e.field, value: e.value }, 'details').toEqual({ file: 'v.mha', field: 'label', value: 300 });
    expect(() => mapSpiderLabels([300], 'v.mha', { unknownLabels: 'error' })).toThrow('unknown label 300');
    const warnings: string[] = [];
    const out = mapSpiderLabels([300, 5, 300, 999, 300], 'v.mha', { unknownLabels: 'background', warn: (m) => warnings.push(m) });
    expect([...out], 'unknown -> 0').toEqual([0, 1, 0, 0, 0]);
    expect(warnings, 'one warning per value with its count').toEqual(['v.mha: unknown label 300 in 3 voxels mapped to background', 'v.mha: unknown label 999 in 1 voxels mapped to background']);
    expect([...mapSpiderLabels([300], 'v.mha', { unknownLabels: 'background' })], 'no warn callback').toEqual([0]);
  });
  it('grey levels both ways', () => {
    expect([...mapGreyLevels([0, 76, 150, 29], 'm.png')]).toEqual([0, 1, 2, 3]);
    expect(() => mapGreyLevels([0, 77], 'm.png')).toThrow('m.png: unknown mask grey level 77 at voxel 1');
    expect([...classesToGreyLevels([3, 2, 1, 0])]).toEqual([29, 150, 76, 0]);
    const e = thrown(() => classesToGreyLevels([0, 4]));
    expect(e.message).toBe('class 4 at pixel 1 is not 0-3');
    expect({ field: e.field, value: e.value }).toEqual({ field: 'class', value: 4 });
  });
});

describe('csv: RFC 4180 parse and format', () => {
  it('parses quotes, doubled quotes, commas and line breaks inside quotes, CRLF and a BOM', () => {
    const t = parseCsv('\ufeff id , name\r\n1,"a, ""b"""\r\n2,"two\nlines"\n\n3,\n', 'm.csv');
    expect(t.header, 'trimmed header').toEqual(['id', 'name']);
    expect(t.rows, 'rows').toEqual([{ id: '1', name: 'a, "b"' }, { id: '2', name: 'two\nlines' }, { id: '3', name: '' }]);
    expect(t.lines, 'line numbers (blank line skipped, quoted break counted)').toEqual([2, 3, 6]);
  });
  it('a last row without a line end, a lone CR line end, and a quote inside an unquoted field', () => {
    const t = parseCsv('a,b\r1,x"y\r2,3', 'm.csv');
    expect(t.rows).toEqual([{ a: '1', b: 'x"y' }, { a: '2', b: '3' }]);
    expect(t.lines).toEqual([2, 3]);
    expect(parseCsv('a,b\n,\n', 'm.csv').rows, 'a row of empty fields').toEqual([{ a: '', b: '' }]);
    expect(parseCsv('a\nx\n\ny', 'm.csv').rows, 'one column: rows of one field, the last without a line end').toEqual([{ a: 'x' }, { a: 'y' }]);
  });
  it('errors name the file, the line and the field', () => {
    expect(() => parseCsv('', 'e.csv')).toThrow('e.csv: empty (expected a header row)');
    expect(() => parseCsv('\n\n', 'e.csv')).toThrow('e.csv: empty (expected a header row)');
    const dup = thrown(() => parseCsv('a,b,a\n1,2,3\n', 'd.csv'));
    expect(dup.message).toBe('d.csv: header names column "a" twice');
    expect({ field: dup.field, value: dup.value }).toEqual({ field: 'header', value: 'a' });
    const wide = thrown(() => parseCsv('a,b\n1,2\n\n1,2,3\n', 'w.csv'));
    expect(wide.message).toBe('w.csv: line 4: 3 fields, the header has 2');
    expect({ field: wide.field, value: wide.value }).toEqual({ field: 'line 4', value: 3 });
    expect(() => parseCsv('a,b\n"1,\n2\n', 'q.csv')).toThrow('q.csv: line 2: a quoted field is not closed');
  });
  it('formats with quoting only where needed, empty absent fields, LF line ends, and round-trips', () => {
    const text = formatCsv(['id', 'note', 'n'], [{ id: 'a', note: 'x,"y"', n: 3 }, { id: 'b', note: null, n: undefined }, { id: 'c\nd', note: 'r\rs' }]);
    expect(text).toBe('id,note,n\na,"x,""y""",3\nb,,\n"c\nd","r\rs",\n');
    expect(parseCsv(text, 'rt.csv').rows, 'round trip').toEqual([{ id: 'a', note: 'x,"y"', n: '3' }, { id: 'b', note: '', n: '' }, { id: 'c\nd', note: 'r\rs', n: '' }]);
    expect(formatCsv(['a'], []), 'header only').toBe('a\n');
    expect(formatCsv(['a'], [{ a: 0 }]), 'zero is written').toBe('a\n0\n');
  });
});

describe('resample: bilinear, nearest, area, crop/pad', () => {
  it('bilinear: pixel-centre aligned upsampling of a row, with clamped edges', () => {
    // 2 -> 4 columns: centres at -0.25, 0.25, 0.75, 1.25 (clamped to 0 and 1)
    expect([...resizeBilinear([0, 8], 2, 1, 4, 1)], 'x').toEqual([0, 2, 6, 8]);
    expect([...resizeBilinear([0, 8], 1, 2, 1, 4)], 'y').toEqual([0, 2, 6, 8]);
    expect([...resizeBilinear([1, 2, 3, 4], 2, 2, 2, 2)], 'same size is a copy').toEqual([1, 2, 3, 4]);
    // 2x2 -> 4x4 bilinear of a corner ramp: value = x + 10 y at source pixel (x, y)
    const up = resizeBilinear([0, 1, 10, 11], 2, 2, 4, 4);
    const want = [0, 0.25, 0.75, 1].flatMap((fy) => [0, 0.25, 0.75, 1].map((fx) => fx + 10 * fy));
    up.forEach((v, i) => expect(v, `4x4 pixel ${i}`).toBeCloseTo(want[i]!, 5));
    // 4 -> 2: centres at 0.5 and 2.5
    expect([...resizeBilinear([0, 1, 2, 3], 4, 1, 2, 1)], 'downsample').toEqual([0.5, 2.5]);
    // 3 -> 2 rows: centres at 0.25 and 1.75, non-square
    const d = resizeBilinear([0, 0, 4, 4, 8, 8], 2, 3, 2, 2);
    expect([...d], 'rows 3 -> 2').toEqual([1, 1, 7, 7]);
  });
  it('nearest: picks source pixels by centre, never mixes values, keeps the array type', () => {
    const src = Uint8Array.from([1, 2, 3, 4, 5, 6]); // 3x2
    const up = resizeNearest(src, 3, 2, 6, 4);
    expect(up, 'type kept').toBeInstanceOf(Uint8Array);
    expect([...up]).toEqual([1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 4, 4, 5, 5, 6, 6]);
    expect([...resizeNearest(Uint16Array.from([1, 2, 3, 4, 5]), 5, 1, 2, 1)], '5 -> 2: centres 1.25, 3.75').toEqual([2, 4]);
    expect([...resizeNearest(Uint16Array.from([1, 2, 3, 4, 5]), 1, 5, 1, 2)], 'rows 5 -> 2').toEqual([2, 4]);
    const i32 = resizeNearest(Int32Array.from([-7]), 1, 1, 2, 1);
    expect(i32, 'Int32 kept').toBeInstanceOf(Int32Array);
    expect([...i32]).toEqual([-7, -7]);
  });
  it('area: box means for whole factors, bilinear otherwise', () => {
    const src = [1, 3, 5, 7, 2, 4, 6, 8, 10, 20, 30, 40, 0, 0, 0, 0]; // 4x4
    expect([...resizeArea(src, 4, 4, 2, 2)], '2x2 boxes').toEqual([2.5, 6.5, 7.5, 17.5]);
    expect([...resizeArea(src, 4, 4, 1, 2)], '4x2 boxes').toEqual([4.5, 12.5]);
    expect([...resizeArea(src, 4, 4, 2, 1)], '2x4 boxes').toEqual([5, 12]);
    expect([...resizeArea([1, 2, 3], 3, 1, 3, 1)], 'factor 1 is a copy').toEqual([1, 2, 3]);
    expect([...resizeArea([0, 8], 2, 1, 4, 1)], 'upsampling falls back to bilinear').toEqual([0, 2, 6, 8]);
    expect([...resizeArea([0, 3, 6], 3, 1, 2, 1)], 'factor 1.5 falls back to bilinear').toEqual([...resizeBilinear([0, 3, 6], 3, 1, 2, 1)]);
    expect([...resizeArea([0, 8, 0, 8], 2, 2, 2, 1)], 'fy whole, fx 1').toEqual([0, 8]);
    expect([...resizeArea([0, 0, 8, 8], 2, 2, 1, 4)], 'fy 0.5 falls back').toEqual([...resizeBilinear([0, 0, 8, 8], 2, 2, 1, 4)]);
  });
  it('crop or pad, centred, keeping the type', () => {
    const src = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]); // 3x3
    const pad = cropOrPadCentred(src, 3, 3, 5, 4);
    expect(pad, 'type').toBeInstanceOf(Uint8Array);
    expect([...pad], 'pad: offsets x 1, y 0').toEqual([0, 1, 2, 3, 0, 0, 4, 5, 6, 0, 0, 7, 8, 9, 0, 0, 0, 0, 0, 0]);
    expect([...cropOrPadCentred(src, 3, 3, 1, 1)], 'crop to the centre').toEqual([5]);
    expect([...cropOrPadCentred(src, 3, 3, 2, 2)], 'crop 2x2: offsets -1 (floor of -0.5) start at source 1').toEqual([5, 6, 8, 9]);
    const f = cropOrPadCentred(Float32Array.from([0.5, 1.5]), 2, 1, 2, 3);
    expect(f, 'Float32 kept').toBeInstanceOf(Float32Array);
    expect([...f], 'pad rows only').toEqual([0, 0, 0.5, 1.5, 0, 0]);
  });
});

describe('split: slice names and patient-wise splits', () => {
  it('parses SPIDER slice names, with paths of either separator', () => {
    expect(parseSliceName('/d/12_t2_slice7.png')).toEqual({ patient: '12', sequence: 't2', slice: 7 });
    expect(parseSliceName('C:\\d\\a_b_t2_SPACE_slice010.png')).toEqual({ patient: 'a_b', sequence: 't2_SPACE', slice: 10 });
    expect(parseSliceName('5_t1_slice0.png')).toEqual({ patient: '5', sequence: 't1', slice: 0 });
    const e = thrown(() => parseSliceName('/d/x_t3_slice1.png'));
    expect(e.message).toBe('/d/x_t3_slice1.png: file name = "x_t3_slice1.png": expected <patient>_<t1|t2|t2_SPACE>_slice<n>.png');
    expect(() => parseSliceName('12_t2_slice7.png.bak'), 'anchored at the end').toThrow('file name');
    expect(() => parseSliceName('_t2_slice7.png'), 'a patient is needed').toThrow('file name');
    expect(() => parseSliceName('1_t2_slice.png'), 'a slice number is needed').toThrow('file name');
  });
  it('patientOfFile: the SPIDER patient, else the name up to _slice or the extension', () => {
    expect(patientOfFile('/a/7_t1_slice3.png')).toBe('7');
    expect(patientOfFile('scan_slice12.jpg')).toBe('scan');
    expect(patientOfFile('C:\\x\\study.v1.png')).toBe('study.v1');
    expect(patientOfFile('noext')).toBe('noext');
  });
  const samples = ['p1', 'p1', 'p2', 'p3', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8', 'p9', 'p10'].map((patient, i) => ({ patient, i }));
  const patientsOf = (xs: { patient: string }[]) => [...new Set(xs.map((s) => s.patient))].sort();
  it('patientSplit: round(n * fraction) validation patients, at least 1, at most n - 1; every slice on one side', () => {
    const s = patientSplit(samples, { valFraction: 0.3, seed: 3 });
    expect(patientsOf(s.val).length, 'round(10 * 0.3)').toBe(3);
    expect(s.train.length + s.val.length, 'every sample once').toBe(samples.length);
    for (const p of patientsOf(s.val)) expect(s.train.some((x) => x.patient === p), `patient ${p} only in val`).toBe(false);
    expect(patientsOf(patientSplit(samples, { valFraction: 0.01, seed: 3 }).val).length, 'at least 1').toBe(1);
    expect(patientsOf(patientSplit(samples, { valFraction: 0.99, seed: 3 }).val).length, 'at most n - 1').toBe(9);
    expect(patientSplit(samples, { valFraction: 0, seed: 3 }).val, 'fraction 0').toEqual([]);
    expect(patientSplit(samples.slice(0, 2), { valFraction: 0.5, seed: 3 }).val, 'one patient: no validation').toEqual([]);
    const two = patientSplit(samples.slice(0, 3), { valFraction: 0.5, seed: 3 });
    expect([patientsOf(two.train).length, patientsOf(two.val).length], 'two patients: one each').toEqual([1, 1]);
    expect(patientSplit(samples, { valFraction: 0.3, seed: 3 }), 'same seed, same split').toEqual(s);
    expect(s.train.map((x) => x.i), 'input order kept').toEqual([...s.train.map((x) => x.i)].sort((a, b) => a - b));
    expect(() => patientSplit(samples, { valFraction: 1, seed: 3 })).toThrow('valFraction = 1: must be in [0, 1)');
    expect(() => patientSplit(samples, { valFraction: -0.1, seed: 3 })).toThrow('valFraction = -0.1: must be in [0, 1)');
    expect(() => patientSplit(samples, { valFraction: NaN, seed: 3 })).toThrow('valFraction = NaN');
    const seeds = new Set([1, 2, 3, 4, 5, 6].map((seed) => patientsOf(patientSplit(samples, { valFraction: 0.3, seed }).val).join()));
    expect(seeds.size, 'seeds change the split').toBeGreaterThan(1);
  });
  it('patientSplit3: test patients fixed per seed, validation by fraction or fold, the rest train', () => {
    const s = patientSplit3(samples, { testFraction: 0.2, valFraction: 0.3, seed: 5 });
    const [tr, va, te] = [patientsOf(s.train), patientsOf(s.val), patientsOf(s.test)];
    expect([tr.length, va.length, te.length], 'round(10 * 0.2) test, round(10 * 0.3) validation').toEqual([5, 3, 2]);
    expect(new Set([...tr, ...va, ...te]).size, 'disjoint, all patients').toBe(10);
    expect(s.train.length + s.val.length + s.test.length, 'every sample once').toBe(samples.length);
    expect(patientsOf(patientSplit3(samples, { testFraction: 0.2, valFraction: 0.01, seed: 5 }).val).length, 'validation at least 1').toBe(1);
    const noVal = patientSplit3(samples, { testFraction: 0, valFraction: 0, seed: 5 });
    expect([noVal.val.length, noVal.test.length, noVal.train.length], 'no test, no validation').toEqual([0, 0, samples.length]);
    const folds = [1, 2, 3].map((k) => patientSplit3(samples, { testFraction: 0.2, valFraction: 0.3, seed: 5, fold: { k, n: 3 } }));
    for (const f of folds) expect(patientsOf(f.test), 'test fixed across folds').toEqual(te);
    expect(folds.map((f) => patientsOf(f.val).length), 'folds of 8: 3, 3, 2').toEqual([3, 3, 2]);
    expect(new Set(folds.flatMap((f) => patientsOf(f.val))).size, 'folds cover the non-test patients once').toBe(8);
    for (const f of folds) expect(patientsOf(f.train).length + patientsOf(f.val).length, 'fold: the rest train').toBe(8);
    expect(() => patientSplit3(samples, { testFraction: 1, valFraction: 0.1, seed: 1 })).toThrow('testFraction = 1: must be in [0, 1)');
    expect(() => patientSplit3(samples, { testFraction: -0.5, valFraction: 0.1, seed: 1 })).toThrow('testFraction = -0.5');
    expect(() => patientSplit3(samples, { testFraction: 0.1, valFraction: 1, seed: 1 })).toThrow('valFraction = 1: must be in [0, 1)');
    expect(() => patientSplit3(samples, { testFraction: 0.1, valFraction: -1, seed: 1 })).toThrow('valFraction = -1');
    for (const fold of [{ k: 0, n: 3 }, { k: 4, n: 3 }, { k: 1, n: 1 }, { k: 1.5, n: 3 }, { k: 1, n: 2.5 }]) {
      expect(() => patientSplit3(samples, { testFraction: 0.1, valFraction: 0.1, seed: 1, fold }), `fold ${fold.k}/${fold.n}`).toThrow(`fold ${fold.k}/${fold.n}: expected k/n with 1 <= k <= n and n >= 2`);
    }
    expect(patientsOf(patientSplit3(samples, { testFraction: 0, valFraction: 0, seed: 1, fold: { k: 2, n: 2 } }).val).length, 'fold 2/2 of 10').toBe(5);
    expect(() => patientSplit3(samples, { testFraction: 0.5, valFraction: 0, seed: 1, fold: { k: 1, n: 6 } })).toThrow('fold 1/6: only 5 non-test patients');
    expect(patientSplit3(samples, { testFraction: 0.5, valFraction: 0, seed: 1, fold: { k: 5, n: 5 } }).train.length, 'fold n = rest').toBeGreaterThan(0);
    const last = patientSplit3(samples.slice(0, 4), { testFraction: 0, valFraction: 0.5, seed: 1 });
    expect([patientsOf(last.train).length, patientsOf(last.val).length], 'three patients, validation 2: one left to train').toEqual([1, 2]);
    expect(() => patientSplit3(samples, { testFraction: 0.5, valFraction: 0.5, seed: 1 })).toThrow('10 patients leave none to train on (test 5, validation 5)');
    expect(() => patientSplit3(samples.slice(0, 2), { testFraction: 0, valFraction: 0.1, seed: 1 })).toThrow('1 patients leave none to train on (test 0, validation 1)');
  });
});

describe('errors', () => {
  it('PipelineError carries its details; fieldError formats strings, arrays and numbers', () => {
    const e = new PipelineError('m', { file: 'f', field: 'x', value: 3 });
    expect({ name: e.name, message: e.message, file: e.file, field: e.field, value: e.value }).toEqual({ name: 'PipelineError', message: 'm', file: 'f', field: 'x', value: 3 });
    expect(e).toBeInstanceOf(Error);
    const bare = new PipelineError('n');
    expect([bare.file, bare.field, bare.value]).toEqual([undefined, undefined, undefined]);
    expect(fieldError('a.png', 'size', '0x1', 'too small').message).toBe('a.png: size = "0x1": too small');
    expect(fieldError('a.png', 'shape', [1, 2], 'bad').message).toBe('a.png: shape = [1 2]: bad');
    expect(fieldError('a.png', 'depth', 16, 'bad').message).toBe('a.png: depth = 16: bad');
    const f = fieldError('a.png', 'depth', 16, 'bad');
    expect({ file: f.file, field: f.field, value: f.value, name: f.name }).toEqual({ file: 'a.png', field: 'depth', value: 16, name: 'PipelineError' });
  });
});

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { batches, defaultDataRoot, loadSliceDataset, patientSplit, patientSplit3, sampleDataRoot, type Sample } from '../src/pipeline/dataset.js';

const sample = loadSliceDataset(sampleDataRoot());

describe('slice dataset', () => {
  it('loads the built-in sample: 96 slices of 16 patients at 128 x 160 with 4 classes', () => {
    expect(sample.length).toBe(96);
    expect(new Set(sample.map((s) => s.patient)).size).toBe(16);
    for (const s of sample) {
      expect([s.width, s.height]).toEqual([128, 160]);
      expect(s.sequence).toBe('t2_SPACE');
      expect(s.image.length).toBe(128 * 160);
      expect(Math.max(...s.image)).toBeLessThanOrEqual(1);
      expect(new Set(s.labels).size).toBe(4);
    }
  });

  it('default data root resolves to ../shared/data and follows SPINESEG_DATA', () => {
    expect(defaultDataRoot('/work/main')).toBe(process.env.SPINESEG_DATA ?? '/work/shared/data/spider-t2space-png');
    const before = process.env.SPINESEG_DATA;
    process.env.SPINESEG_DATA = '/somewhere/else';
    expect(defaultDataRoot('/work/main')).toBe('/somewhere/else');
    if (before === undefined) delete process.env.SPINESEG_DATA;
    else process.env.SPINESEG_DATA = before;
  });

  const shared = defaultDataRoot();
  it.skipIf(!fs.existsSync(path.join(shared, 'images')))('loads shared 620-high slices padded to 640 and downsampled to 128 x 160', () => {
    const s620 = fs.readdirSync(path.join(shared, 'images')).find((f) => f.startsWith('234_'))!;
    const [loaded] = loadSliceDataset(shared, { patients: ['234'], maxSlicesPerPatient: 1, width: 128, height: 160 });
    expect(loaded).toBeDefined();
    expect(s620).toBeDefined();
    expect([loaded!.width, loaded!.height]).toEqual([128, 160]);
    expect(loaded!.spacing).toEqual([4, 4]);
  });

  it('patient split is patient-wise, seeded and complete', () => {
    const a = patientSplit(sample, { valFraction: 0.25, seed: 7 });
    const b = patientSplit(sample, { valFraction: 0.25, seed: 7 });
    const c = patientSplit(sample, { valFraction: 0.25, seed: 8 });
    const trainP = new Set(a.train.map((s) => s.patient));
    const valP = new Set(a.val.map((s) => s.patient));
    expect(valP.size).toBe(4);
    expect([...valP].filter((p) => trainP.has(p))).toEqual([]);
    expect(a.train.length + a.val.length).toBe(96);
    expect(b.val.map((s) => s.file)).toEqual(a.val.map((s) => s.file));
    const seeds = Array.from({ length: 5 }, (_, i) => patientSplit(sample, { valFraction: 0.25, seed: 100 + i }).val.map((s) => s.patient).join());
    expect(new Set([...seeds, c.val.map((s) => s.patient).join()]).size).toBeGreaterThan(1);
  });

  it('batches: NHWC images, class labels, seeded shuffle, short last batch', () => {
    const list = [...batches(sample, 20, { shuffle: true, seed: 3 })];
    expect(list.map((b) => b.n)).toEqual([20, 20, 20, 20, 16]);
    const first = list[0]!;
    expect(first.images.length).toBe(20 * 160 * 128);
    expect(first.labels).toBeInstanceOf(Uint32Array);
    const s = sample.find((x) => x.file === first.files[1])!;
    expect(first.images.subarray(160 * 128, 2 * 160 * 128)).toEqual(s.image);
    expect(Array.from(first.labels.subarray(160 * 128, 2 * 160 * 128))).toEqual(Array.from(s.labels));
    expect([...batches(sample, 20, { shuffle: true, seed: 3 })][0]!.files).toEqual(first.files);
    expect([...batches(sample, 20, { dropLast: true })].length).toBe(4);
    const odd: Sample = { ...sample[0]!, width: 64, image: new Float32Array(64 * 160), labels: new Uint8Array(64 * 160) };
    expect(() => [...batches([sample[0]!, odd], 2)]).toThrow(/size = "64x160": differs from/);
  });
});

describe('patientSplit3', () => {
  const samples = Array.from({ length: 27 * 3 }, (_, i) => ({ patient: `p${Math.floor(i / 3)}`, i }));
  const pats = (xs: { patient: string }[]) => [...new Set(xs.map((x) => x.patient))].sort();
  it('keeps the three groups disjoint, covers every patient, and fixes the test patients across folds', () => {
    const s = patientSplit3(samples, { testFraction: 0.15, valFraction: 0.12, seed: 42 });
    expect([pats(s.train).length, pats(s.val).length, pats(s.test).length]).toEqual([20, 3, 4]);
    expect(s.train.length + s.val.length + s.test.length).toBe(samples.length);
    const all = [...pats(s.train), ...pats(s.val), ...pats(s.test)];
    expect(new Set(all).size).toBe(27);
    const valsOfFolds: string[] = [];
    for (let k = 1; k <= 5; k++) {
      const f = patientSplit3(samples, { testFraction: 0.15, valFraction: 0.12, seed: 42, fold: { k, n: 5 } });
      expect(pats(f.test)).toEqual(pats(s.test));
      expect(pats(f.val).some((p) => pats(f.train).includes(p))).toBe(false);
      valsOfFolds.push(...pats(f.val));
    }
    // the folds' validation sets partition the 23 non-test patients
    expect(valsOfFolds.sort()).toEqual([...pats(s.train), ...pats(s.val)].sort());
  });
  it('refuses fractions and folds that make no sense', () => {
    expect(() => patientSplit3(samples, { testFraction: 1, valFraction: 0.1, seed: 1 })).toThrow(/testFraction = 1/);
    expect(() => patientSplit3(samples, { testFraction: 0.1, valFraction: 0.1, seed: 1, fold: { k: 6, n: 5 } })).toThrow(/fold 6\/5/);
  });
});

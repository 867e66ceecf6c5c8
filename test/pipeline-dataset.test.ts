import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { encode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { withSettings, setting } from '../src/runtime/settings.ts';
import { batches, defaultDataRoot, loadSliceDataset, patientSplit, patientSplit3, sampleDataRoot, type Sample } from '../src/pipeline/dataset.ts';

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

  it('default data root resolves to ../shared/data, or to the dataRoot setting (SPINESEG_DATA) passed in', () => {
    const repo = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'spineseg-root-')), 'clone');
    expect(defaultDataRoot(repo)).toBe(path.join(path.dirname(repo), 'shared', 'data', 'spider-t2space-png'));
    const elsewhere = path.join(path.dirname(repo), 'elsewhere');
    expect(withSettings({ dataRoot: elsewhere }, () => defaultDataRoot(repo, setting('dataRoot')))).toBe(elsewhere);
  });

  it('pads generated 512 x 620 slices centred to 640 (10 zero rows each side) and downsamples to 128 x 160 with the implied spacing', () => {
    const pair = write620Pair();
    const [full, fullMeta] = loadSliceDataset(pair.root);
    const [small, smallMeta] = loadSliceDataset(pair.root, { width: 128, height: 160 });
    for (const s of [full!, fullMeta!]) {
      expect([s.width, s.height]).toEqual([512, 640]);
      expect(firstDifference(s.image, pair.paddedImage)).toBe('none');
      expect(firstDifference(s.labels, pair.paddedLabels)).toBe('none');
    }
    expect(full!.spacing).toEqual([1, 1]);
    expect(fullMeta!.spacing).toEqual([0.5, 0.75]);
    // 640 rows -> 160 and 512 columns -> 128: 4 source pixels (of the padded canvas, not 620 / 160) per output pixel
    expect(small!.spacing).toEqual([4, 4]);
    expect(smallMeta!.spacing).toEqual([2, 3]);
    for (const s of [small!, smallMeta!]) {
      expect([s.width, s.height]).toEqual([128, 160]);
      let worst = 0;
      let labelMisses = 0;
      for (let y = 0; y < 160; y++) {
        for (let x = 0; x < 128; x++) {
          let sum = 0;
          for (let dy = 0; dy < 4; dy++) for (let dx = 0; dx < 4; dx++) sum += pair.paddedImage[(4 * y + dy) * 512 + 4 * x + dx]!;
          worst = Math.max(worst, Math.abs(s.image[y * 128 + x]! - sum / 16));
          if (s.labels[y * 128 + x] !== pair.paddedLabels[(4 * y + 2) * 512 + 4 * x + 2]) labelMisses++;
        }
      }
      expect(worst).toBeLessThan(1e-6);
      expect(labelMisses).toBe(0);
      // output rows 0-1 and 158-159 come from the 10 padded rows only
      for (const y of [0, 1, 158, 159]) expect(Array.from(s.image.subarray(y * 128, (y + 1) * 128)).every((v) => v === 0)).toBe(true);
    }
    fs.rmSync(pair.root, { recursive: true, force: true });
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

/**
 * A 512 x 620 image/mask pair (like patient 81 of the shared set), twice: without metadata and with meta spacing
 * [0.5, 0.75]; every image pixel is non-zero so padding shows. Returns the 512 x 640 canvas the loader should make.
 */
function write620Pair(): { root: string; paddedImage: Float32Array; paddedLabels: Uint8Array } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'spineseg-620-'));
  for (const d of ['images', 'masks', 'meta']) fs.mkdirSync(path.join(root, d));
  const [w, h] = [512, 620];
  const grey = new Uint8Array(w * h);
  const mask = new Uint8Array(w * h);
  const greyOfClass = [0, 76, 150, 29];
  const paddedImage = new Float32Array(w * 640);
  const paddedLabels = new Uint8Array(w * 640);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = 1 + ((x * 7 + y * 13) % 254);
      const cls = ((y >> 3) + (x >> 5)) % 4;
      grey[y * w + x] = v;
      mask[y * w + x] = greyOfClass[cls]!;
      paddedImage[(y + 10) * w + x] = v / 255;
      paddedLabels[(y + 10) * w + x] = cls;
    }
  }
  for (const name of ['81_t2_SPACE_slice1.png', '81_t2_SPACE_slice2.png']) {
    fs.writeFileSync(path.join(root, 'images', name), encode({ width: w, height: h, data: grey, channels: 1, depth: 8 }));
    fs.writeFileSync(path.join(root, 'masks', name), encode({ width: w, height: h, data: mask, channels: 1, depth: 8 }));
  }
  fs.writeFileSync(path.join(root, 'meta', '81_t2_SPACE_slice2.json'), JSON.stringify({ spacing: [0.5, 0.75] }));
  return { root, paddedImage, paddedLabels };
}

/** 'none', or the first index where two arrays differ (with both values): a short message for big arrays. */
function firstDifference(got: ArrayLike<number>, want: ArrayLike<number>): string {
  if (got.length !== want.length) return `length ${got.length} != ${want.length}`;
  for (let i = 0; i < got.length; i++) if (got[i] !== want[i]) return `index ${i} (row ${Math.floor(i / 512)}): ${got[i]} != ${want[i]}`;
  return 'none';
}

// Mutation tests of src/pipeline/phantom.ts, eighth pass (docs/MUTATION.md): what the first Stryker run over the file
// left alive. The axial variant at an in-plane spacing other than 1 mm (every earlier case used 1, where dividing
// and multiplying by it agree); the air at both ends of the anterior-posterior extent, at and beyond its exact
// limits; the patient count of 5 and 6 cases, where the validation patients depend on it; the images' compression;
// and a failure before anything is written. Nothing runs at collection.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const load = () => import('../src/pipeline/phantom.ts');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'spineseg-phantom3-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('generatePhantom, eighth pass', () => {
  it('axial at 0.5 mm in-plane: half as many left-right columns as the in-plane spacing allows, over the same field of view', async () => {
    const { generatePhantom } = await load();
    const p = generatePhantom({ seed: 1, variant: 'axial', sizeLrApSi: [6, 24, 30], spacingLrApSi: [3, 0.5, 1.2] });
    // 18 mm left-right at 0.5 mm is 36 columns, halved: 18 of 1 mm; 36 mm superior-inferior in slices of ~3.3 mm: 11
    expect(p.image.size).toEqual([18, 24, 11]);
    expect(p.image.spacing).toEqual([1, 0.5, 36 / 11]);
    expect(p.image.size[0] * p.image.spacing[0]).toBeCloseTo(18, 12);
    expect(p.image.size[2] * p.image.spacing[2]).toBeCloseTo(36, 12);
  });

  it('air in the first 2 % and the last 6 % of the anterior-posterior extent, those limits themselves not included', async () => {
    const { generatePhantom } = await load();
    // mean intensity of each anterior-posterior row (identity layout: index (k * nAP + j) * nLR + i)
    const rowMeans = (nAP: number) => {
      const [nLR, nSI] = [4, 20];
      const p = generatePhantom({ seed: 3, sequence: 't2', sizeLrApSi: [nLR, nAP, nSI], spacingLrApSi: [3, 1, 1] });
      return Array.from({ length: nAP }, (_, j) => {
        let s = 0;
        for (let k = 0; k < nSI; k++) for (let i = 0; i < nLR; i++) s += p.image.data[(k * nAP + j) * nLR + i]!;
        return s / (nSI * nLR);
      });
    };
    const isAir = (m: number) => m < 60; // t2: air 6 plus noise of sd 10.4, tissue 260 +- 30 %
    // 25 rows: row centres at 0.02 (j = 0) and 0.94 (j = 23) exactly are not air; only 0.98 (j = 24) is
    const m25 = rowMeans(25);
    expect(m25.map(isAir).map((a, j) => (a ? j : -1)).filter((j) => j >= 0)).toEqual([24]);
    // 30 rows: 0.0167 (j = 0) is below 0.02, and 0.95, 0.983 (j = 28, 29) above 0.94
    const m30 = rowMeans(30);
    expect(m30.map(isAir).map((a, j) => (a ? j : -1)).filter((j) => j >= 0)).toEqual([0, 28, 29]);
  });
});

describe('phantom datasets, eighth pass', () => {
  it('5 and 6 cases are two patients: the second is the validation one', async () => {
    const { writePhantomDataset } = await load();
    for (const cases of [5, 6]) {
      const entries = await writePhantomDataset(path.join(root, `n${cases}`), { cases, sizeLrApSi: [4, 12, 14] });
      expect(entries.map((e) => e.subset), `${cases} cases`).toEqual([...Array(3).fill('training'), ...Array(cases - 3).fill('validation')]);
    }
  });

  it('odd cases are written compressed, images and masks alike', async () => {
    const { writePhantomDataset } = await load();
    const out = path.join(root, 'compress');
    await writePhantomDataset(out, { cases: 2, sizeLrApSi: [4, 12, 14] });
    for (const sub of ['images', 'masks']) {
      const head = (name: string) => fs.readFileSync(path.join(out, sub, name)).subarray(0, 600).toString('latin1');
      expect(head('1_t1.mha'), `${sub}/1_t1.mha`).toMatch(/^CompressedData = False$/m);
      expect(head('1_t2.mha'), `${sub}/1_t2.mha`).toMatch(/^CompressedData = True$/m);
    }
  });

  it('a phantom that cannot be made stops the run before anything is written, with its own error and no folder left', async () => {
    const { writePhantomDataset } = await load();
    const out = path.join(root, 'bad-size');
    const e = await writePhantomDataset(out, { cases: 2, sizeLrApSi: [1, 12, 14] }).then(() => null, (err: Error) => err);
    expect(e?.message).toBe('phantom size 1x12x14 must be integers >= 2');
    expect(fs.existsSync(out)).toBe(false);
    expect(fs.readdirSync(root).filter((n) => n.startsWith('.bad-size.tmp-'))).toEqual([]);
  });
});

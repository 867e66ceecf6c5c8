// Mutation tests of src/pipeline/phantom.ts (docs/MUTATION.md): phantoms of every variant and sequence pinned to
// exact fingerprints of their voxels and exact geometry (test/pipeline-phantom.test.ts checks what they mean:
// codes, orientation), the axial resampling at its floors, the size checks, and a small dataset written in SPIDER
// layout with its overview.csv line for line. Nothing runs at collection.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { thrown } from './helpers/thrown.ts';

const sha = (a: ArrayBufferView) => createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex').slice(0, 16);
const load = () => import('../src/pipeline/phantom.ts');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'spineseg-phantom2-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const CASES = [
  ['identity', 't1', 'cff4fe47962d2a90', 'e852bb68846ff0d7', 6, { size: [6, 24, 30], spacing: [3, 1, 1.2], origin: [-5.813058235682547, -11.753937546163797, -15.997629608027637], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] }],
  ['permuted', 't2', '1a49fac5c126a5ec', '83293c1785589567', 6, { size: [24, 30, 6], spacing: [1, 1.2, 3], origin: [-8.631991661153734, -8.520890350453556, -16.235920540988445], direction: [0, 0, 1, 1, 0, 0, 0, 1, 0] }],
  ['flipped', 't2_SPACE', 'ddea51a933b111f3', '66110c1d4c0092e6', 5, { size: [6, 24, 30], spacing: [3, 1, 1.2], origin: [-8.468615391291678, 14.341913047246635, 20.56336404494941], direction: [1, 0, 0, 0, -1, 0, 0, 0, -1] }],
  ['axial', 't1', '0db1b1ec58dafd14', '265881bf8ce4e828', 5, { size: [9, 24, 11], spacing: [2, 1, 3.272727272727273], origin: [7.378202678635716, 14.541114948689938, -17.21058071218431], direction: [-1, 0, 0, 0, -1, 0, 0, 0, 1] }],
  ['permuted-flipped', 't2', 'e5a4fd6220f5d0a7', 'a8a6febbee5d5a20', 5, { size: [30, 24, 6], spacing: [1.2, 1, 3], origin: [8.984664135612547, -8.98796403966844, 19.17374813109636], direction: [0, 0, -1, 0, 1, 0, -1, 0, 0] }],
] as const;

describe('generatePhantom', () => {
  it('the variants, sequences and their layouts', async () => {
    const { PHANTOM_VARIANTS, PHANTOM_SEQUENCES, VARIANT_LAYOUT, DEFAULT_PHANTOM_SIZE, DEFAULT_PHANTOM_SPACING } = await load();
    expect(PHANTOM_VARIANTS).toEqual(['identity', 'permuted', 'flipped', 'axial', 'permuted-flipped']);
    expect(PHANTOM_SEQUENCES).toEqual(['t1', 't2', 't2_SPACE']);
    expect(VARIANT_LAYOUT).toEqual({
      identity: { permutation: [0, 1, 2], flips: [false, false, false] },
      permuted: { permutation: [1, 2, 0], flips: [false, false, false] },
      flipped: { permutation: [0, 1, 2], flips: [false, true, true] },
      axial: { permutation: [0, 1, 2], flips: [true, true, false] },
      'permuted-flipped': { permutation: [2, 1, 0], flips: [true, false, true] },
    });
    expect(DEFAULT_PHANTOM_SIZE).toEqual([12, 128, 160]);
    expect(DEFAULT_PHANTOM_SPACING).toEqual([3.3, 0.6, 0.6]);
  });

  for (const [i, [variant, sequence, imageSha, maskSha, vertebrae, geometry]] of CASES.entries()) {
    it(`${variant}, ${sequence}: voxels and geometry exactly as before`, async () => {
      const { generatePhantom } = await load();
      const p = generatePhantom({ seed: 5 + i, sequence, variant, sizeLrApSi: [6, 24, 30], spacingLrApSi: [3, 1, 1.2] });
      expect([p.variant, p.sequence, p.numVertebrae, p.numDiscs]).toEqual([variant, sequence, vertebrae, vertebrae - 1]);
      for (const v of [p.image, p.mask]) {
        expect(v.size).toEqual(geometry.size);
        expect(v.spacing).toEqual(geometry.spacing);
        expect(v.origin).toEqual(geometry.origin);
        expect(v.direction).toEqual(geometry.direction);
      }
      expect(p.image.data).toBeInstanceOf(Int16Array);
      expect(p.mask.data).toBeInstanceOf(Uint8Array);
      expect(sha(p.mask.data)).toBe(maskSha);
      expect(sha(p.image.data)).toBe(imageSha);
    });
  }

  it('defaults: t2, identity, the default spacing', async () => {
    const { generatePhantom } = await load();
    const p = generatePhantom({ seed: 2, sizeLrApSi: [4, 20, 26] });
    expect([p.sequence, p.variant, p.numVertebrae]).toEqual(['t2', 'identity', 6]);
    expect(p.image.spacing).toEqual([3.3, 0.6, 0.6]);
    expect(p.image.origin).toEqual([-5.842623529396951, -4.468913676217198, -5.867440469749272]);
    expect([sha(p.image.data), sha(p.mask.data)]).toEqual(['92466ba635f6bbb7', '7647ff69d4e32d37']);
  });

  it('axial: at least 2 columns left-right and 8 slices superior-inferior, over the same field of view', async () => {
    const { generatePhantom } = await load();
    const p = generatePhantom({ seed: 1, variant: 'axial', sizeLrApSi: [2, 4, 4], spacingLrApSi: [1, 1, 1] });
    expect(p.image.size).toEqual([2, 4, 8]);
    expect(p.image.spacing).toEqual([1, 1, 0.5]);
    expect(p.mask.data.length).toBe(64);
  });

  it('refuses sizes below 2 or not whole, naming the size', async () => {
    const { generatePhantom } = await load();
    for (const [size, text] of [[[1, 4, 4], '1x4x4'], [[4, 2.5, 4], '4x2.5x4'], [[4, 4, 0], '4x4x0']] as const) {
      const e = thrown(() => generatePhantom({ seed: 1, sizeLrApSi: [...size] }));
      expect(e.message).toBe(`phantom size ${text} must be integers >= 2`);
      expect(e).toMatchObject({ field: 'size', value: size });
    }
    expect(generatePhantom({ seed: 1, sizeLrApSi: [2, 2, 2] }).image.size).toEqual([2, 2, 2]);
  });
});

describe('phantom datasets', () => {
  it('phantomCasePlan: patient per 3 cases, sequences in turn, variants cycling, seed * 7919 + c', async () => {
    const { phantomCasePlan } = await load();
    expect([0, 1, 2, 3, 5, 6].map((c) => phantomCasePlan(c, 2))).toEqual([
      { patient: 1, sequence: 't1', variant: 'identity', seed: 15838 },
      { patient: 1, sequence: 't2', variant: 'permuted', seed: 15839 },
      { patient: 1, sequence: 't2_SPACE', variant: 'flipped', seed: 15840 },
      { patient: 2, sequence: 't1', variant: 'axial', seed: 15841 },
      { patient: 2, sequence: 't2_SPACE', variant: 'identity', seed: 15843 },
      { patient: 3, sequence: 't1', variant: 'permuted', seed: 15844 },
    ]);
  });

  it('writes images, masks and overview.csv line for line; the validation fraction picks the last patients', async () => {
    const { writePhantomDataset, generatePhantom, phantomCasePlan } = await load();
    const { readImage } = await import('../src/pipeline/io.ts');
    const out = path.join(root, 'seven');
    const calls: number[][] = [];
    const entries = await writePhantomDataset(out, { cases: 7, seed: 4, sizeLrApSi: [4, 12, 14], spacingLrApSi: [3, 1, 1.25], validationFraction: 0.6 }, (d, t) => calls.push([d, t]));
    expect(calls).toEqual([1, 2, 3, 4, 5, 6, 7].map((d) => [d, 7]));
    expect(entries.map((e) => [e.newFileName, e.subset, e.variant, e.sequence])).toEqual([
      ['1_t1', 'training', 'identity', 't1'], ['1_t2', 'training', 'permuted', 't2'], ['1_t2_SPACE', 'training', 'flipped', 't2_SPACE'],
      ['2_t1', 'validation', 'axial', 't1'], ['2_t2', 'validation', 'permuted-flipped', 't2'], ['2_t2_SPACE', 'validation', 'identity', 't2_SPACE'],
      ['3_t1', 'validation', 'permuted', 't1'],
    ]);
    expect(fs.readFileSync(path.join(out, 'overview.csv'), 'utf8')).toBe([
      'new_file_name,subset,patient_id,sequence,num_vertebrae,num_discs,dim_x,dim_y,dim_z,spacing_x,spacing_y,spacing_z,direction,acquisition_variant,compressed,seed',
      '1_t1,training,1,t1,5,4,4,12,14,3.0000,1.0000,1.2500,"1 0 0 0 1 0 0 0 1",identity,false,31676',
      '1_t2,training,1,t2,6,5,12,14,4,1.0000,1.2500,3.0000,"0 0 1 1 0 0 0 1 0",permuted,true,31677',
      '1_t2_SPACE,training,1,t2_SPACE,6,5,4,12,14,3.0000,1.0000,1.2500,"1 0 0 0 -1 0 0 0 -1",flipped,false,31678',
      '2_t1,validation,2,t1,5,4,6,12,8,2.0000,1.0000,2.1875,"-1 0 0 0 -1 0 0 0 1",axial,true,31679',
      '2_t2,validation,2,t2,5,4,14,12,4,1.2500,1.0000,3.0000,"0 0 -1 0 1 0 -1 0 0",permuted-flipped,false,31680',
      '2_t2_SPACE,validation,2,t2_SPACE,6,5,4,12,14,3.0000,1.0000,1.2500,"1 0 0 0 1 0 0 0 1",identity,true,31681',
      '3_t1,validation,3,t1,6,5,12,14,4,1.0000,1.2500,3.0000,"0 0 1 1 0 0 0 1 0",permuted,false,31682',
      '',
    ].join('\n'));
    const names = ['1_t1', '1_t2', '1_t2_SPACE', '2_t1', '2_t2', '2_t2_SPACE', '3_t1'].map((n) => `${n}.mha`);
    expect(fs.readdirSync(path.join(out, 'images')).sort()).toEqual(names);
    expect(fs.readdirSync(path.join(out, 'masks')).sort()).toEqual(names);
    expect(fs.readdirSync(root).filter((n) => n.includes('.tmp-'))).toEqual([]);
    // odd cases compressed, even ones raw
    expect(fs.readFileSync(path.join(out, 'masks', '1_t2.mha'), 'latin1')).toMatch(/CompressedData = True/);
    expect(fs.readFileSync(path.join(out, 'masks', '1_t1.mha'), 'latin1')).toMatch(/CompressedData = False/);
    const plan = phantomCasePlan(3, 4);
    const p = generatePhantom({ seed: plan.seed, sequence: plan.sequence, variant: plan.variant, sizeLrApSi: [4, 12, 14], spacingLrApSi: [3, 1, 1.25] });
    expect(sha((await readImage(path.join(out, 'images', '2_t1.mha'))).data)).toBe(sha(p.image.data));
    expect(sha((await readImage(path.join(out, 'masks', '2_t1.mha'))).data)).toBe(sha(p.mask.data));
  });

  it('defaults: seed 1, one validation patient of two (20 %), none of one; refuses bad counts and an existing folder', async () => {
    const { writePhantomDataset } = await load();
    const four = await writePhantomDataset(path.join(root, 'four'), { cases: 4, sizeLrApSi: [4, 12, 14] });
    expect(four.map((e) => e.subset)).toEqual(['training', 'training', 'training', 'validation']);
    const csv = fs.readFileSync(path.join(root, 'four', 'overview.csv'), 'utf8').split('\n');
    expect(csv[1]).toBe('1_t1,training,1,t1,6,5,4,12,14,3.3000,0.6000,0.6000,"1 0 0 0 1 0 0 0 1",identity,false,7919');
    const one = await writePhantomDataset(path.join(root, 'one'), { cases: 3, sizeLrApSi: [4, 12, 14] });
    expect(one.map((e) => e.subset)).toEqual(['training', 'training', 'training']);
    for (const cases of [0, -1, 1.5, NaN]) {
      const e = await writePhantomDataset(path.join(root, 'bad'), { cases }).then(() => null, (err: Error) => err);
      expect(e?.message).toBe(`--cases = ${cases}: must be a positive integer`);
      expect(e).toMatchObject({ field: 'cases' });
    }
    expect(fs.existsSync(path.join(root, 'bad'))).toBe(false);
    const e = await writePhantomDataset(path.join(root, 'one'), { cases: 1 }).then(() => null, (err: Error) => err);
    expect(e?.message).toBe(`${path.join(root, 'one')}: output folder already exists`);
    expect(e).toMatchObject({ file: path.join(root, 'one'), field: 'out' });
  });

  it('a failure removes the temp folder; a stale temp folder of an earlier run is replaced', async () => {
    const { writePhantomDataset } = await load();
    const stale = path.join(root, `.fresh.tmp-${process.pid}`);
    fs.mkdirSync(path.join(stale, 'junk'), { recursive: true });
    await writePhantomDataset(path.join(root, 'fresh'), { cases: 1, sizeLrApSi: [4, 12, 14] });
    expect(fs.readdirSync(path.join(root, 'fresh')).sort()).toEqual(['images', 'masks', 'overview.csv']);
    expect(fs.existsSync(stale)).toBe(false);
    // a failing progress callback stops the run: nothing is left behind
    const e = await writePhantomDataset(path.join(root, 'failed'), { cases: 2, sizeLrApSi: [4, 12, 14] }, () => { throw new Error('stop'); }).then(() => null, (err: Error) => err);
    expect(e?.message).toBe('stop');
    expect(fs.existsSync(path.join(root, 'failed'))).toBe(false);
    expect(fs.existsSync(path.join(root, `.failed.tmp-${process.pid}`))).toBe(false);
  });
});

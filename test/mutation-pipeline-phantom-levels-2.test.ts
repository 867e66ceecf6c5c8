// Mutation tests of src/pipeline/phantom-levels.ts (docs/MUTATION.md): every level phantom pinned to exact
// fingerprints of its output (voxels, geometry, analytic truth), which test/levels.test.ts checks against the
// labeller and the measurements; a change to any block, height, margin, intensity or the noise changes them.
// Everything runs inside the tests (nothing at collection), so each mutant is credited to the tests that reach it.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const sha = (a: ArrayBufferView | string) =>
  createHash('sha256').update(typeof a === 'string' ? a : new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex').slice(0, 16);
const load = () => import('../src/pipeline/phantom-levels.ts');

const IDENTITY = [1, 0, 0, 0, 1, -0, 0, 0, 1]; // -sin(0) is -0
const C20 = Math.cos((20 * Math.PI) / 180), S20 = Math.sin((20 * Math.PI) / 180);
// name -> image sha, mask sha, size, origin, direction, vertebrae, flags, levels sha (seed 1)
const EXPECTED = {
  oblique: ['6ef5310cada853cc', 'eab1fc97c7779a13', [15, 186, 273], [-21, 9.364546301493974, -147.59220429730522], [1, 0, 0, 0, C20, -S20, 0, S20, C20], 6, [], 'f3e921d83b3083fa'],
  straight: ['dd4432a3a9fda3fa', 'ae6a73ded3fa1fd0', [15, 86, 283], [-21, -26, -141], IDENTITY, 6, [], '0a69ae91d300e708'],
  lordotic: ['d63324cb2bcc54aa', 'c4cf7fe1cb38b0bc', [15, 122, 290], [-21, -26, -144.08637999131017], IDENTITY, 6, [], '78fbc12acb4e80b0'],
  'cut-top': ['72187c0b21409e9e', 'a8083d18861bdeb1', [15, 119, 255], [-21, -26, -140.81088443211135], IDENTITY, 5, ['fov-cut'], 'a0efb216fbb81d62'],
  'four-lumbar': ['4c1e0bb46c7772b1', 'db672f687d886ff3', [15, 107, 226], [-21, -26, -112.30633615584388], IDENTITY, 4, ['unusual-count'], '11794f9ba4125d91'],
  'six-lumbar': ['d52feddbe1501ef4', '4f1b11b32cc520ae', [15, 131, 318], [-21, -26, -158.28766555245764], IDENTITY, 7, ['unusual-count'], 'ecfd91cf4a5f4e1a'],
} as const;

describe('generateLevelPhantom', () => {
  it('lists the six phantoms with their specs', async () => {
    const { LEVEL_PHANTOMS, LEVEL_PHANTOM_NAMES, LEVEL_PHANTOM_SPACING } = await load();
    expect(LEVEL_PHANTOM_NAMES).toEqual(['straight', 'lordotic', 'oblique', 'cut-top', 'four-lumbar', 'six-lumbar']);
    expect(LEVEL_PHANTOM_SPACING).toEqual([3, 0.8, 1]);
    // every entry whole: this test loads the module, so Stryker credits the table's (static) mutants to it alone
    expect(LEVEL_PHANTOMS).toEqual({
      straight: { vertebrae: 6, topDisc: true, cutTop: false, radiusMm: null, tiltDeg: 0, canalMm: 14 },
      lordotic: { vertebrae: 6, topDisc: true, cutTop: false, radiusMm: 260, tiltDeg: 0, canalMm: 13 },
      oblique: { vertebrae: 6, topDisc: true, cutTop: false, radiusMm: 260, tiltDeg: 20, canalMm: 15 },
      'cut-top': { vertebrae: 6, topDisc: false, cutTop: true, radiusMm: 260, tiltDeg: 0, canalMm: 12 },
      'four-lumbar': { vertebrae: 4, topDisc: true, cutTop: false, radiusMm: 260, tiltDeg: 0, canalMm: 14 },
      'six-lumbar': { vertebrae: 7, topDisc: true, cutTop: false, radiusMm: 260, tiltDeg: 0, canalMm: 14 },
    });
  });

  for (const [name, [imageSha, maskSha, size, origin, direction, vertebrae, flags, levelsSha]] of Object.entries(EXPECTED)) {
    it(`${name}: voxels, geometry and truth are exactly those of the reference output`, async () => {
      const { generateLevelPhantom, LEVEL_PHANTOMS } = await load();
      const p = generateLevelPhantom(name as keyof typeof EXPECTED);
      expect(p.name).toBe(name);
      expect(p.spec).toBe(LEVEL_PHANTOMS[name as keyof typeof EXPECTED]);
      for (const v of [p.image, p.mask]) {
        expect(v.size).toEqual(size);
        expect(v.spacing).toEqual([3, 0.8, 1]);
        expect(v.origin).toEqual(origin);
        expect(v.direction).toEqual(direction);
      }
      expect(p.image.data).toBeInstanceOf(Int16Array);
      expect(p.mask.data).toBeInstanceOf(Uint8Array);
      expect(p.mask.data.length).toBe(size[0] * size[1] * size[2]);
      expect(sha(p.mask.data)).toBe(maskSha);
      expect(sha(p.image.data)).toBe(imageSha);
      expect(p.vertebraCount).toBe(vertebrae);
      expect(p.expectedFlags).toEqual(flags);
      expect(sha(JSON.stringify(p.levels))).toBe(levelsSha);
    });
  }

  it('the image geometry is a copy (editing it leaves the mask alone); the seed drives the noise only', async () => {
    const { generateLevelPhantom } = await load();
    const p = generateLevelPhantom('straight', 2);
    expect(sha(p.mask.data)).toBe('ae6a73ded3fa1fd0');
    expect(sha(p.image.data)).toBe('c09c59bf2e8b3fb7');
    for (const key of ['size', 'spacing', 'origin', 'direction'] as const) {
      expect(p.image[key]).not.toBe(p.mask[key]);
      expect(p.image[key]).toEqual(p.mask[key]);
    }
  });

  it('the truth of the straight phantom: codes, names, heights, areas and volumes from the block sizes', async () => {
    const { generateLevelPhantom } = await load();
    const p = generateLevelPhantom('straight');
    expect(p.levels.map((l) => l.code)).toEqual([201, 1, 202, 2, 203, 3, 204, 4, 205, 5, 206, 6, 207]);
    expect(p.levels[0]).toEqual({
      code: 201, name: 'L5/S1 intervertebral disc', kind: 'disc', complete: true, heights: { anterior: 10, middle: 10, posterior: 10 }, depth: 36,
      midSagittalArea: 360, volume: 360 * 11 * 3, canalDiameter: 14, canalWidth: 14, canalLateralWidth: 7 * 3,
    });
    expect(p.levels[1]).toMatchObject({ code: 1, name: 'L5 vertebra', kind: 'vertebra', heights: { anterior: 28, middle: 28, posterior: 28 }, midSagittalArea: 28 * 36, volume: 28 * 36 * 13 * 3 });
  });

  it('the cut top vertebra is partly visible (100 + code) in the mask and the truth', async () => {
    const { generateLevelPhantom } = await load();
    const p = generateLevelPhantom('cut-top');
    const top = p.levels.at(-1)!;
    expect(top).toEqual({ code: 106, name: 'T12 vertebra (partly visible)', kind: 'vertebra', complete: false, heights: null, depth: null, midSagittalArea: null, volume: null, canalDiameter: 12, canalWidth: 12, canalLateralWidth: 21 });
    expect(p.mask.data.includes(106)).toBe(true);
    expect(p.mask.data.includes(6)).toBe(false);
  });
});

describe('writeLevelPhantoms', () => {
  it('writes images, masks, overview.csv and levels.json, replaces a stale temp folder and leaves none, and refuses an existing folder', async () => {
    const { writeLevelPhantoms, generateLevelPhantom, LEVEL_PHANTOM_NAMES } = await load();
    const { readImage } = await import('../src/pipeline/io.ts');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spineseg-lp2-'));
    try {
      const out = path.join(dir, 'phantoms');
      // a stale temp folder of an earlier run is replaced
      fs.mkdirSync(path.join(dir, `.phantoms.tmp-${process.pid}`, 'junk'), { recursive: true });
      expect(await writeLevelPhantoms(out, 3)).toEqual(LEVEL_PHANTOM_NAMES);
      expect(fs.readdirSync(dir)).toEqual(['phantoms']);
      expect(fs.readdirSync(out).sort()).toEqual(['images', 'levels.json', 'masks', 'overview.csv']); // no junk
      const names = LEVEL_PHANTOM_NAMES.map((n) => `${n}.mha`).sort();
      expect(fs.readdirSync(path.join(out, 'images')).sort()).toEqual(names);
      expect(fs.readdirSync(path.join(out, 'masks')).sort()).toEqual(names);
      const csv = fs.readFileSync(path.join(out, 'overview.csv'), 'utf8').split('\n');
      expect(csv[0]).toBe('new_file_name,vertebrae,top_disc,cut_top,radius_mm,tilt_deg,canal_mm,dim_x,dim_y,dim_z,spacing_x,spacing_y,spacing_z,direction');
      expect(csv[1]).toBe('straight,6,true,false,,0,14,15,86,283,3,0.8,1,"1 0 0 0 1 0 0 0 1"');
      expect(csv[3]).toBe('oblique,6,true,false,260,20,15,15,186,273,3,0.8,1,"1 0 0 0 0.939693 -0.34202 0 0.34202 0.939693"');
      expect(csv).toHaveLength(8);
      expect(csv[7]).toBe('');
      const text = fs.readFileSync(path.join(out, 'levels.json'), 'utf8');
      expect(text.endsWith('}\n')).toBe(true);
      expect(text.split('\n')[1]).toBe(' "unit": "mm",');
      const truth = JSON.parse(text);
      expect(truth.seed).toBe(3);
      expect(truth.cases.map((c: { name: string }) => c.name)).toEqual(LEVEL_PHANTOM_NAMES);
      const p = generateLevelPhantom('four-lumbar', 3);
      expect(truth.cases[4]).toEqual(JSON.parse(JSON.stringify({ name: 'four-lumbar', spec: p.spec, vertebraCount: 4, expectedFlags: ['unusual-count'], levels: p.levels })));
      const image = await readImage(path.join(out, 'images', 'four-lumbar.mha'));
      expect(sha(image.data)).toBe(sha(p.image.data));
      const mask = await readImage(path.join(out, 'masks', 'four-lumbar.mha'));
      expect(sha(mask.data)).toBe(sha(p.mask.data));
      // written compressed, images and masks alike
      for (const sub of ['images', 'masks']) {
        const head = fs.readFileSync(path.join(out, sub, 'four-lumbar.mha')).subarray(0, 600).toString('latin1');
        expect(head, `${sub}/four-lumbar.mha`).toMatch(/^CompressedData = True$/m);
      }
      const err = await writeLevelPhantoms(out).then(() => null, (e: Error & { file?: string; field?: string }) => e);
      expect(err?.message).toBe(`${out}: output folder already exists`);
      expect(err).toMatchObject({ file: out, field: 'out' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

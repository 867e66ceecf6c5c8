// The one seeded generator (src/util/random.ts): the streams that shipped splits, phantoms and weight
// initialisation were built on (the U-Net's initial weights: test/model-unet-declaration.test.ts), pinned value for value.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Rng, seededRandom, gaussian, shuffleInPlace } from '../src/util/random.ts';
import { patientSplit3 } from '../src/pipeline/dataset.ts';
import { generatePhantom } from '../src/pipeline/phantom.ts';
import { generateLevelPhantom } from '../src/pipeline/phantom-levels.ts';
import { createHash } from 'node:crypto';

const take = (f: () => number, n = 4) => Array.from({ length: n }, f);
const digest = (a: ArrayBufferView) => createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex').slice(0, 16);

describe('seeded generator streams', () => {
  it('new Rng(seed) gives the mulberry32 stream, seed 0 starting at 0x9e3779b9', () => {
    const r42 = new Rng(42);
    expect(take(() => r42.next())).toEqual([0.6011037519201636, 0.44829055899754167, 0.8524657934904099, 0.6697340414393693]);
    const r0 = new Rng(0);
    expect(take(() => r0.next())).toEqual([0.3588899802416563, 0.10590326134115458, 0.675290479324758, 0.9179345588199794]);
    const r7 = new Rng(7);
    expect(r7.normal()).toBe(2.759372987028844);
    expect(r7.shuffle([1, 2, 3, 4, 5, 6, 7, 8])).toEqual([7, 6, 1, 2, 3, 4, 5, 8]);
    const z = new Rng(0);
    expect(z.normal()).toBe(1.1261880167898186);
    expect(z.shuffle([1, 2, 3, 4, 5, 6, 7, 8])).toEqual([3, 4, 5, 8, 2, 1, 7, 6]);
  });

  it('seededRandom(seed) gives the same stream, except that seed 0 starts at state 0', () => {
    expect(take(seededRandom(42))).toEqual([0.6011037519201636, 0.44829055899754167, 0.8524657934904099, 0.6697340414393693]);
    expect(take(seededRandom(0))).toEqual([0.26642920868471265, 0.0003297457005828619, 0.2232720274478197, 0.1462021479383111]);
    const s0 = seededRandom(0);
    expect(gaussian(s0)).toBe(1.6264323081902676);
    expect(shuffleInPlace([1, 2, 3, 4, 5, 6, 7, 8], s0)).toEqual([4, 1, 7, 5, 6, 3, 8, 2]);
  });

  it("splits the 27 patients with seed 42 exactly as the shipped ensemble's folds and the model it replaced (models/default/previous) say", () => {
    const training = ['11', '118', '129', '136', '142', '146', '161', '162', '185', '200', '234', '239', '34', '45', '55', '57', '65', '69', '81', '98'];
    const validation = ['35', '5', '50'];
    const test = ['110', '177', '18', '209'];
    const samples = [...training, ...validation, ...test].sort().flatMap((patient) => [{ patient }, { patient }]);
    const s = patientSplit3(samples, { testFraction: 0.15, valFraction: 0.12, seed: 42 });
    const pats = (xs: { patient: string }[]) => [...new Set(xs.map((x) => x.patient))];
    expect({ train: pats(s.train), val: pats(s.val), test: pats(s.test) }).toEqual({ train: training, val: validation, test });
    // the single checkpoint the ensemble replaced: its record in previous/
    const replaced = JSON.parse(readFileSync('models/default/previous/config.json', 'utf8')) as { split: { train: string[]; val: string[]; test: string[] } };
    expect(replaced.split).toEqual({ train: training, val: validation, test });
    const md = readFileSync('models/default/previous/MODEL.md', 'utf8');
    expect(md).toContain(`- training: ${training.join(', ')}\n`);
    expect(md).toContain(`- test (only the tables below): ${test.join(', ')}\n`);
    // the folds hold out the same test patients; the other 23 are partitioned among their validation sets
    const folds = (JSON.parse(readFileSync('models/default/ensemble.json', 'utf8')) as { members: string[] }).members;
    const vals: string[] = [];
    for (const f of folds) {
      const c = JSON.parse(readFileSync(`models/default/${f}/config.json`, 'utf8')) as { split: { train: string[]; val: string[]; test: string[] } };
      expect(c.split.test, f).toEqual(test);
      expect([...c.split.train, ...c.split.val].sort(), f).toEqual([...training, ...validation].sort());
      vals.push(...c.split.val);
    }
    expect(vals.sort()).toEqual([...training, ...validation].sort());
    expect(readFileSync('models/default/MODEL.md', 'utf8')).toContain(`- test (held out of every fold and every choice; only the tables under "Test patients"): ${test.join(', ')}\n`);
  });

  it('generates the same phantoms (seed 0 and 3, and a level phantom) as before the generators were merged', () => {
    const p0 = generatePhantom({ seed: 0 });
    expect([digest(p0.image.data), digest(p0.mask.data), p0.numVertebrae]).toEqual(['de18dd960f26a2e8', '5f4f4aeed81d388f', 5]);
    expect(p0.image.origin).toEqual([-16.532766953296957, -35.70912903416902, -47.704982972703874]);
    const p3 = generatePhantom({ seed: 3 });
    expect([digest(p3.image.data), digest(p3.mask.data), p3.numVertebrae]).toEqual(['024e15a310a803f3', '6f1fc2d953cb1c52', 6]);
    expect(digest(generateLevelPhantom('oblique', 0).image.data)).toBe('4f0534483fa4806e');
  });
});

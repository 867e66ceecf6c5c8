// Mutation tests of src/pipeline/apta.ts (docs/MUTATION.md): every step of the APTA against a brute-force reference
// written from its documented rule, on random small images of a few colours (borders, corners, 1-pixel-wide
// images, ties included), plus hand-built cases of the tie order and the agreement counts.
import { describe, expect, it } from 'vitest';
import {
  APTA_COLOUR_CLASS, BLACK, BLUE, DEFAULT_APTA_RANGES, GREEN, RED, addAgreements, alignBorderPixels, apta, aptaAgreement,
  aptaColoursToClasses, compareClassMaps, harmoniseNeighbours, isSingleton, mostCommonColour, redWhenNoRed, removeOutlines,
  removeSingletons, replaceColourRanges, summariseAgreement, type ColourImage,
} from '../src/pipeline/apta.ts';
import { seededRandom } from '../src/util/random.ts';

const R = RED, G = GREEN, B = BLUE, K = BLACK;
const img = (rows: number[][]): ColourImage => ({ pixels: Int32Array.from(rows.flat()), width: rows[0]!.length, height: rows.length });

// ---- the reference, pixel by pixel from the documented rules ----
type Img = { w: number; h: number; at: (x: number, y: number) => number };
const view = (c: ColourImage): Img => ({ w: c.width, h: c.height, at: (x, y) => c.pixels[y * c.width + x]! });
const N4: Array<[number, number]> = [[0, -1], [0, 1], [-1, 0], [1, 0]];
const N8: Array<[number, number]> = [[-1, -1], [0, -1], [1, -1], [-1, 0], [1, 0], [-1, 1], [0, 1], [1, 1]];
const around = (m: Img, x: number, y: number, offs: Array<[number, number]>) =>
  offs.filter(([dx, dy]) => x + dx >= 0 && x + dx < m.w && y + dy >= 0 && y + dy < m.h).map(([dx, dy]) => m.at(x + dx, y + dy));
function mode(cs: number[]): { colour: number; count: number } {
  let colour = BLACK, count = 0;
  for (const c of cs) {
    const n = cs.filter((d) => d === c).length;
    if (n > count) { colour = c; count = n; }
  }
  return { colour, count };
}
const dist = (a: number, b: number) => Math.max(...[16, 8, 0].map((s) => Math.abs(((a >> s) & 255) - ((b >> s) & 255))));
const build = (w: number, h: number, f: (x: number, y: number) => number): number[] =>
  Array.from({ length: w * h }, (_, i) => f(i % w, Math.floor(i / w)));

const refHarmonise = (m: Img, tol: number) => build(m.w, m.h, (x, y) => around(m, x, y, N4).find((c) => dist(c, m.at(x, y)) <= tol) ?? m.at(x, y));
const refOutlines = (m: Img) => build(m.w, m.h, (x, y) => {
  const cs = around(m, x, y, N8);
  const md = mode(cs);
  return cs.filter((c) => c === m.at(x, y)).length < md.count ? md.colour : m.at(x, y);
});
const refBorder = (m: Img) => build(m.w, m.h, (x, y) => {
  const p = m.at(x, y);
  const cs = around(m, x, y, N4);
  const horiz = around(m, x, y, [[-1, 0], [1, 0]]);
  const vert = around(m, x, y, [[0, -1], [0, 1]]);
  const differs = (pair: number[]) => pair.length > 0 && pair.every((c) => c !== p);
  return differs(horiz) || differs(vert) ? mode(cs).colour : p;
});
const refSingleton = (m: Img, x: number, y: number) => {
  const cs = around(m, x, y, N8);
  return cs.length > 0 && !cs.includes(m.at(x, y));
};
const refSingletons = (m: Img) => build(m.w, m.h, (x, y) => (refSingleton(m, x, y) ? mode(around(m, x, y, N8)).colour : m.at(x, y)));

function randomImage(random: () => number, palette: number[]): ColourImage {
  const w = 1 + Math.floor(random() * 6), h = 1 + Math.floor(random() * 6);
  return { pixels: Int32Array.from({ length: w * h }, () => palette[Math.floor(random() * palette.length)]!), width: w, height: h };
}
const PALETTES = [[R, G], [R, G, B, K], [K, B], [R, G, B, K, 0x808080], [0xfe0000, R, 0x00fd00, G, 0x0000fa, K]];

describe('APTA steps against the brute-force reference (random images up to 6x6)', () => {
  it('harmonise (tolerances 0, 1, 2, 5), outlines, border pixels, singletons', () => {
    const random = seededRandom(7);
    for (let t = 0; t < 400; t++) {
      const a = randomImage(random, PALETTES[t % PALETTES.length]!);
      const m = view(a);
      for (const tol of [0, 1, 2, 5]) expect(Array.from(harmoniseNeighbours(a, tol).pixels)).toEqual(refHarmonise(m, tol));
      expect(Array.from(harmoniseNeighbours(a).pixels)).toEqual(Array.from(a.pixels));
      expect(Array.from(removeOutlines(a).pixels)).toEqual(refOutlines(m));
      expect(Array.from(alignBorderPixels(a).pixels)).toEqual(refBorder(m));
      expect(Array.from(removeSingletons(a).pixels)).toEqual(refSingletons(m));
      for (let y = 0; y < a.height; y++) for (let x = 0; x < a.width; x++) expect(isSingleton(a, x, y)).toBe(refSingleton(m, x, y));
      for (const out of [removeOutlines(a), alignBorderPixels(a), removeSingletons(a), harmoniseNeighbours(a, 1), redWhenNoRed(a)]) {
        expect([out.width, out.height]).toEqual([a.width, a.height]);
        expect(out.pixels).not.toBe(a.pixels);
      }
    }
  });

  it('a whole APTA run is the steps in the paper\'s order', () => {
    const random = seededRandom(11);
    for (let t = 0; t < 100; t++) {
      const w = 2 + Math.floor(random() * 5), h = 2 + Math.floor(random() * 5);
      const grey = Uint8Array.from({ length: w * h }, () => [0, 10, 63, 64, 100, 170, 171, 250, 255][Math.floor(random() * 9)]!);
      const tol = [0, 1, 155, 255][t % 4]!; // grey 100 is 155 from red; black is 255 from any colour
      let m = replaceColourRanges(grey, w, h);
      m = { pixels: Int32Array.from(refHarmonise(view(m), tol)), width: w, height: h };
      m = { pixels: Int32Array.from(refOutlines(view(m))), width: w, height: h };
      m = { pixels: Int32Array.from(refBorder(view(m))), width: w, height: h };
      m = { pixels: Int32Array.from(refSingletons(view(m))), width: w, height: h };
      m = redWhenNoRed(m);
      const got = apta(grey, w, h, { harmoniseTolerance: tol });
      expect(Array.from(got.colours.pixels)).toEqual(Array.from(m.pixels));
      expect([got.colours.width, got.colours.height]).toEqual([w, h]);
      expect(Array.from(got.classes)).toEqual(Array.from(m.pixels, (c) => ({ [R]: 1, [G]: 2, [B]: 3 })[c] ?? 0));
    }
  });
});

describe('APTA by hand', () => {
  it('step 1: the default ranges at their bounds, grey kept as (g, g, g), custom ranges, first range wins', () => {
    expect(DEFAULT_APTA_RANGES).toEqual([{ min: 1, max: 63, colour: R }, { min: 64, max: 170, colour: G }, { min: 171, max: 255, colour: B }]);
    const out = replaceColourRanges(Uint8Array.from([0, 1, 63, 64, 170, 171, 255]), 7, 1);
    expect(Array.from(out.pixels)).toEqual([K, R, R, G, G, B, B]);
    expect([out.width, out.height]).toEqual([7, 1]);
    const custom = replaceColourRanges(Uint8Array.from([5, 9, 10, 20, 21, 200]), 3, 2, [{ min: 10, max: 20, colour: G }, { min: 15, max: 30, colour: B }]);
    expect(Array.from(custom.pixels)).toEqual([0x050505, 0x090909, G, G, B, 0xc8c8c8]);
    expect([custom.width, custom.height]).toEqual([3, 2]);
  });

  it('ties go to the colour seen first; an empty list is black', () => {
    expect(mostCommonColour([G, R, R, G])).toBe(G);
    expect(mostCommonColour([B, R, R, G])).toBe(R);
    expect(mostCommonColour([R, R, R])).toBe(R);
    expect(mostCommonColour([G])).toBe(G);
    expect(mostCommonColour([])).toBe(K);
    expect(mostCommonColour([B, G, R])).toBe(B);
  });

  it('harmonise takes the first adjacent match in the order up, down, left, right', () => {
    const near = img([[K, 0xfe0000, K], [0xfd0000, R, 0xfc0000], [K, 0xfb0000, K]]);
    expect(harmoniseNeighbours(near, 5).pixels[4]).toBe(0xfe0000);
    expect(harmoniseNeighbours(near, 2).pixels[4]).toBe(0xfe0000);
    expect(harmoniseNeighbours(near, 0).pixels[4]).toBe(R);
    const green = img([[K, 0x00fe00, K], [0x0100ff, 0x00ff01, K], [K, K, K]]);
    expect(harmoniseNeighbours(green, 1).pixels[4]).toBe(0x00fe00);
  });

  it('step 6 with only blue, with only red, with nothing coloured', () => {
    expect(Array.from(redWhenNoRed(img([[B, K]])).pixels)).toEqual([R, K]);
    expect(Array.from(redWhenNoRed(img([[G, K]])).pixels)).toEqual([R, K]);
    expect(Array.from(redWhenNoRed(img([[R, K]])).pixels)).toEqual([R, K]);
    expect(Array.from(redWhenNoRed(img([[K, 0x808080]])).pixels)).toEqual([K, 0x808080]);
    const out = redWhenNoRed(img([[G], [B]]));
    expect([out.width, out.height]).toEqual([1, 2]);
  });

  it('colours to classes: red, green, blue -> 1, 2, 3, anything else 0', () => {
    expect([...APTA_COLOUR_CLASS]).toEqual([[K, 0], [R, 1], [G, 2], [B, 3]]);
    expect(Array.from(aptaColoursToClasses(img([[R, G, B, K, 0x808080, 0xfe0000]])))).toEqual([1, 2, 3, 0, 0, 0]);
  });
});

describe('agreement', () => {
  it('counts per class, recall and precision (NaN when a class is absent), overall', () => {
    const a = compareClassMaps(Uint8Array.from([0, 1, 1, 2, 2, 2, 0, 1]), Uint8Array.from([0, 1, 2, 2, 2, 1, 1, 1]));
    expect(a.pixels).toBe(8);
    expect(a.overall).toBe(5 / 8);
    expect(a.perClass).toEqual([
      { class: 0, exactPixels: 1, aptaPixels: 2, bothPixels: 1, recall: 1, precision: 1 / 2 },
      { class: 1, exactPixels: 4, aptaPixels: 3, bothPixels: 2, recall: 2 / 4, precision: 2 / 3 },
      { class: 2, exactPixels: 3, aptaPixels: 3, bothPixels: 2, recall: 2 / 3, precision: 2 / 3 },
      { class: 3, exactPixels: 0, aptaPixels: 0, bothPixels: 0, recall: NaN, precision: NaN },
    ]);
    const none = compareClassMaps(new Uint8Array(0), new Uint8Array(0));
    expect(none.pixels).toBe(0);
    expect(none.overall).toBeNaN();
    expect(summariseAgreement([0, 2], [1, 0], [0, 0], 3, 2)).toEqual({
      pixels: 3, overall: 2 / 3,
      perClass: [{ class: 0, exactPixels: 0, aptaPixels: 1, bothPixels: 0, recall: NaN, precision: 0 }, { class: 1, exactPixels: 2, aptaPixels: 0, bothPixels: 0, recall: 0, precision: NaN }],
    });
  });

  it('aptaAgreement runs APTA (with its options) on the rendered mask; addAgreements sums the counts', () => {
    // 4x4 quadrants of grey 10 | 100 over 200 | 0: APTA keeps them (classes 1 | 2 over 3 | 0)
    const q = (a: number, b: number, c: number, d: number) => Uint8Array.from([a, a, b, b, a, a, b, b, c, c, d, d, c, c, d, d]);
    const grey = q(10, 100, 200, 0);
    const exact = Uint8Array.from([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 0, 0, 3, 3, 0, 1]);
    const one = aptaAgreement(grey, exact, 4, 4);
    expect(one.overall).toBe(15 / 16);
    expect(one.perClass.map((c) => c.aptaPixels)).toEqual([4, 4, 4, 4]);
    const ranged = aptaAgreement(grey, exact, 4, 4, { ranges: [{ min: 1, max: 150, colour: R }] });
    expect(ranged.perClass.map((c) => c.aptaPixels)).toEqual([8, 8, 0, 0]);
    const two = compareClassMaps(Uint8Array.from([0, 3]), Uint8Array.from([0, 0]));
    const sum = addAgreements([one, two]);
    expect(sum.pixels).toBe(18);
    expect(sum.overall).toBe(16 / 18);
    expect(sum.perClass).toEqual([
      { class: 0, exactPixels: 5, aptaPixels: 5, bothPixels: 4, recall: 4 / 5, precision: 4 / 5 },
      { class: 1, exactPixels: 5, aptaPixels: 4, bothPixels: 4, recall: 4 / 5, precision: 1 },
      { class: 2, exactPixels: 4, aptaPixels: 4, bothPixels: 4, recall: 1, precision: 1 },
      { class: 3, exactPixels: 4, aptaPixels: 5, bothPixels: 4, recall: 1, precision: 4 / 5 },
    ]);
    const empty = addAgreements([]);
    expect(empty.pixels).toBe(0);
    expect(empty.overall).toBeNaN();
    expect(empty.perClass.map((c) => c.exactPixels)).toEqual([0, 0, 0, 0]);
  });
});

describe('the harmonise tolerance reaches step 2', () => {
  it('APTA with a tolerance of 155 snaps grey 100 to an adjacent red (all red); without one outline removal turns the thin red rows grey', () => {
    // ranges that leave 100 grey: (100, 100, 100) is 155 from red (255, 0, 0)
    const ranges = [{ min: 1, max: 63, colour: R }];
    const grey = Uint8Array.from([10, 10, 10, 100, 100, 100, 10, 10, 10]);
    expect(Array.from(apta(grey, 3, 3, { ranges }).colours.pixels)).toEqual(new Array(9).fill(0x646464));
    expect(Array.from(apta(grey, 3, 3, { ranges, harmoniseTolerance: 155 }).colours.pixels)).toEqual([R, R, R, R, R, R, R, R, R]);
  });
});

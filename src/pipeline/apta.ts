/**
 * The paper's Adaptive Pixel Transformation Algorithm (Algorithm 1), step by step, on a rendered grey mask.
 * Colours are packed 0xRRGGBB numbers in an Int32Array (one per pixel); each step reads its input and writes a
 * new image (synchronous update), so the order of the scan never changes the result.
 * Neighbourhoods: "adjacent" = the 4 edge neighbours, "neighbouring" = the 8 surrounding pixels; pixels outside
 * the image are not neighbours (this is how image-border pixels are handled everywhere).
 */
import { NUM_CLASSES } from './labels.ts';

export const RED = 0xff0000;
export const GREEN = 0x00ff00;
export const BLUE = 0x0000ff;
export const BLACK = 0x000000;

export interface ColourImage {
  pixels: Int32Array;
  width: number;
  height: number;
}

export interface ColourRange {
  /** Inclusive grey range. */
  min: number;
  max: number;
  colour: number;
}

/**
 * Default ranges for SPIDER codes rendered as grey = code: 1-25 (vertebrae) are the "very dark shades", 100 (canal)
 * mid-range, 201-225 (discs) light. 0 stays black. Partial vertebrae 101-125 fall in the mid range: APTA cannot
 * tell them from the canal, which aptaAgreement exposes.
 */
export const DEFAULT_APTA_RANGES: readonly ColourRange[] = [
  { min: 1, max: 63, colour: RED },
  { min: 64, max: 170, colour: GREEN },
  { min: 171, max: 255, colour: BLUE },
];

export const APTA_COLOUR_CLASS: ReadonlyMap<number, number> = new Map([
  [BLACK, 0],
  [RED, 1],
  [GREEN, 2],
  [BLUE, 3],
]);

const N4 = [
  [0, -1],
  [0, 1],
  [-1, 0],
  [1, 0],
] as const;
const N8 = [
  [-1, -1],
  [0, -1],
  [1, -1],
  [-1, 0],
  [1, 0],
  [-1, 1],
  [0, 1],
  [1, 1],
] as const;

/** Writes the in-image neighbours' colours into `into` and returns how many there are (no allocation per pixel). */
function neighbourColours(img: ColourImage, x: number, y: number, offsets: ReadonlyArray<readonly [number, number]>, into: Int32Array): number {
  let n = 0;
  const { width, height, pixels } = img;
  for (let k = 0; k < offsets.length; k++) {
    const o = offsets[k]!;
    const nx = x + o[0];
    const ny = y + o[1];
    if (nx >= 0 && ny >= 0 && nx < width && ny < height) into[n++] = pixels[ny * width + nx]!;
  }
  return n;
}

/** Most common of the first n colours; ties go to the colour seen first (deterministic). */
function modeOf(colours: Int32Array, n: number): { colour: number; count: number } {
  let best = n > 0 ? colours[0]! : BLACK;
  let bestCount = 0;
  let uniform = true;
  for (let i = 1; i < n && uniform; i++) uniform = colours[i] === best;
  if (uniform) return { colour: best, count: n };
  for (let i = 0; i < n; i++) {
    const c = colours[i]!;
    let count = 0;
    for (let j = 0; j < n; j++) if (colours[j] === c) count++;
    if (count > bestCount) {
      bestCount = count;
      best = c;
    }
  }
  return { colour: best, count: bestCount };
}

function countOf(colours: Int32Array, n: number, colour: number): number {
  let count = 0;
  for (let i = 0; i < n; i++) if (colours[i] === colour) count++;
  return count;
}

/** Most common colour; ties go to the colour seen first in neighbour order (deterministic). */
export function mostCommonColour(colours: readonly number[]): number {
  return modeOf(Int32Array.from(colours), colours.length).colour;
}

function colourDistance(a: number, b: number): number {
  return Math.max(Math.abs(((a >> 16) & 255) - ((b >> 16) & 255)), Math.abs(((a >> 8) & 255) - ((b >> 8) & 255)), Math.abs((a & 255) - (b & 255)));
}

/** Step 1: grey levels inside a range become that range's colour; others keep their grey as (g, g, g). */
export function replaceColourRanges(grey: Uint8Array, width: number, height: number, ranges: readonly ColourRange[] = DEFAULT_APTA_RANGES): ColourImage {
  const pixels = new Int32Array(width * height);
  for (let i = 0; i < pixels.length; i++) {
    const g = grey[i]!;
    const range = ranges.find((r) => g >= r.min && g <= r.max);
    pixels[i] = range ? range.colour : (g << 16) | (g << 8) | g;
  }
  return { pixels, width, height };
}

/**
 * Step 2: each pixel takes the colour of the first adjacent pixel (up, down, left, right) that matches it.
 * As written in the paper "matches" means equal, which makes this step the identity; `tolerance` (max channel
 * difference) lets near-equal colours, e.g. anti-aliased edges, snap to their neighbour.
 */
export function harmoniseNeighbours(img: ColourImage, tolerance = 0): ColourImage {
  const pixels = new Int32Array(img.pixels.length);
  const around = new Int32Array(8);
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const p = img.pixels[y * img.width + x]!;
      const n = neighbourColours(img, x, y, N4, around);
      let match = p;
      for (let k = 0; k < n; k++) {
        if (colourDistance(around[k]!, p) <= tolerance) {
          match = around[k]!;
          break;
        }
      }
      pixels[y * img.width + x] = match;
    }
  }
  return { pixels, width: img.width, height: img.height };
}

/**
 * Step 3: outline removal. A pixel that differs from its surroundings (fewer of its 8 neighbours share its colour
 * than share the most common neighbour colour) takes the most common neighbouring colour.
 */
export function removeOutlines(img: ColourImage): ColourImage {
  const pixels = new Int32Array(img.pixels.length);
  const around = new Int32Array(8);
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const p = img.pixels[y * img.width + x]!;
      const n = neighbourColours(img, x, y, N8, around);
      const mode = modeOf(around, n);
      pixels[y * img.width + x] = countOf(around, n, p) < mode.count ? mode.colour : p;
    }
  }
  return { pixels, width: img.width, height: img.height };
}

/**
 * Step 4: border pixels. When both adjacent pixels along a row (left and right) or along a column (up and down)
 * differ from the pixel, it takes the most common of its adjacent colours. At the image edge the one adjacent
 * pixel that exists stands for the pair.
 */
export function alignBorderPixels(img: ColourImage): ColourImage {
  const pixels = new Int32Array(img.pixels.length);
  const around = new Int32Array(8);
  const { width, height } = img;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const p = img.pixels[i]!;
      const left = img.pixels[x > 0 ? i - 1 : i + 1]!;
      const right = img.pixels[x < width - 1 ? i + 1 : i - 1]!;
      const up = img.pixels[y > 0 ? i - width : i + width]!;
      const down = img.pixels[y < height - 1 ? i + width : i - width]!;
      const rowDiffers = width > 1 && left !== p && right !== p;
      const columnDiffers = height > 1 && up !== p && down !== p;
      pixels[i] = rowDiffers || columnDiffers ? modeOf(around, neighbourColours(img, x, y, N4, around)).colour : p;
    }
  }
  return { pixels, width, height };
}

/** True when none of the pixel's 8 neighbours has its colour. */
export function isSingleton(img: ColourImage, x: number, y: number, scratch: Int32Array = new Int32Array(8)): boolean {
  const p = img.pixels[y * img.width + x]!;
  const n = neighbourColours(img, x, y, N8, scratch);
  return n > 0 && countOf(scratch, n, p) === 0;
}

/** Step 5: isolated pixels take their most common neighbouring colour. */
export function removeSingletons(img: ColourImage): ColourImage {
  const pixels = new Int32Array(img.pixels.length);
  const around = new Int32Array(8);
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const i = y * img.width + x;
      pixels[i] = isSingleton(img, x, y, around) ? modeOf(around, neighbourColours(img, x, y, N8, around)).colour : img.pixels[i]!;
    }
  }
  return { pixels, width: img.width, height: img.height };
}

/** Step 6: an image with green or blue but no red has its green and blue pixels turned red. */
export function redWhenNoRed(img: ColourImage): ColourImage {
  const pixels = Int32Array.from(img.pixels);
  if (pixels.includes(RED) || !(pixels.includes(GREEN) || pixels.includes(BLUE))) return { pixels, width: img.width, height: img.height };
  for (let i = 0; i < pixels.length; i++) if (pixels[i] === GREEN || pixels[i] === BLUE) pixels[i] = RED;
  return { pixels, width: img.width, height: img.height };
}

/** Final grey conversion: red/green/blue -> classes 1/2/3, anything else background. */
export function aptaColoursToClasses(img: ColourImage): Uint8Array {
  const out = new Uint8Array(img.pixels.length);
  for (let i = 0; i < out.length; i++) out[i] = APTA_COLOUR_CLASS.get(img.pixels[i]!) ?? 0;
  return out;
}

export interface AptaOptions {
  ranges?: readonly ColourRange[];
  harmoniseTolerance?: number;
}

/** Algorithm 1 in the paper's order, then colours to classes 0-3. */
export function apta(grey: Uint8Array, width: number, height: number, options: AptaOptions = {}): { colours: ColourImage; classes: Uint8Array } {
  let img = replaceColourRanges(grey, width, height, options.ranges);
  img = harmoniseNeighbours(img, options.harmoniseTolerance ?? 0);
  img = removeOutlines(img);
  img = alignBorderPixels(img);
  img = removeSingletons(img);
  img = redWhenNoRed(img);
  return { colours: img, classes: aptaColoursToClasses(img) };
}

export interface ClassAgreement {
  class: number;
  /** Pixels of this class in the exact mapping. */
  exactPixels: number;
  /** Pixels APTA put in this class. */
  aptaPixels: number;
  /** Pixels both put in this class. */
  bothPixels: number;
  /** bothPixels / exactPixels (NaN when the class is absent from the exact mapping). */
  recall: number;
  /** bothPixels / aptaPixels (NaN when APTA never produced it). */
  precision: number;
}

export interface AptaAgreement {
  pixels: number;
  /** Fraction of all pixels where APTA and the exact mapping agree. */
  overall: number;
  perClass: ClassAgreement[];
}

/** Runs APTA on a rendered mask and compares it pixel by pixel with the exact label mapping. */
export function aptaAgreement(renderedMask: Uint8Array, exactLabels: Uint8Array, width: number, height: number, options: AptaOptions = {}): AptaAgreement {
  return compareClassMaps(apta(renderedMask, width, height, options).classes, exactLabels);
}

/** Per-class agreement of two class maps; sums of counts, so results over many slices can be added. */
export function compareClassMaps(aptaClasses: Uint8Array, exactLabels: Uint8Array): AptaAgreement {
  const exact = new Array<number>(NUM_CLASSES).fill(0);
  const got = new Array<number>(NUM_CLASSES).fill(0);
  const both = new Array<number>(NUM_CLASSES).fill(0);
  let agree = 0;
  for (let i = 0; i < exactLabels.length; i++) {
    const e = exactLabels[i]!;
    const a = aptaClasses[i]!;
    exact[e]!++;
    got[a]!++;
    if (a === e) {
      both[e]!++;
      agree++;
    }
  }
  return summariseAgreement(exact, got, both, exactLabels.length, agree);
}

export function summariseAgreement(exact: number[], got: number[], both: number[], pixels: number, agree: number): AptaAgreement {
  return {
    pixels,
    overall: pixels > 0 ? agree / pixels : NaN,
    perClass: exact.map((e, c) => ({
      class: c,
      exactPixels: e,
      aptaPixels: got[c]!,
      bothPixels: both[c]!,
      recall: e > 0 ? both[c]! / e : NaN,
      precision: got[c]! > 0 ? both[c]! / got[c]! : NaN,
    })),
  };
}

/** Adds agreements (counts) of several slices. */
export function addAgreements(parts: readonly AptaAgreement[]): AptaAgreement {
  const exact = new Array<number>(NUM_CLASSES).fill(0);
  const got = new Array<number>(NUM_CLASSES).fill(0);
  const both = new Array<number>(NUM_CLASSES).fill(0);
  let pixels = 0;
  let agree = 0;
  for (const p of parts) {
    pixels += p.pixels;
    agree += p.overall * p.pixels;
    p.perClass.forEach((c) => {
      exact[c.class]! += c.exactPixels;
      got[c.class]! += c.aptaPixels;
      both[c.class]! += c.bothPixels;
    });
  }
  return summariseAgreement(exact, got, both, pixels, Math.round(agree));
}

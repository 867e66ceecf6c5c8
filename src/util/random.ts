// The project's one seeded generator (mulberry32) for initialisation, phantoms, splits, batch orders, augmentation
// and tests: reproducible everywhere, no dependency on Math.random.
//
// Two seed mappings are in use and both are kept bit for bit, because shipped splits, phantoms and weights depend
// on them: `new Rng(seed)` (U-Net init, augmentation, batch order, the checks) starts seed 0 at 0x9e3779b9;
// `seededRandom(seed)` (phantoms, dataset splits) starts every seed, 0 included, at the seed itself.
// For any other seed the two give the same stream.

/** Seed 0's starting state for `new Rng(0)` (a zero state would be a valid but easily repeated stream). */
const RNG_ZERO_SEED = 0x9e3779b9;

export class Rng {
  private s: number;
  /** `zeroSeed: 'keep'` starts seed 0 at state 0 (the phantom and split stream); the default maps it to 0x9e3779b9. */
  constructor(seed: number, opts: { zeroSeed?: 'remap' | 'keep' } = {}) {
    this.s = opts.zeroSeed === 'keep' ? seed >>> 0 : seed >>> 0 || RNG_ZERO_SEED;
  }
  /** uniform in [0, 1) */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  normal(): number {
    return gaussian(() => this.next());
  }
  array(n: number, lo = -1, hi = 1): Float64Array {
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++) a[i] = this.uniform(lo, hi);
    return a;
  }
  shuffle<T>(xs: T[]): T[] {
    return shuffleInPlace(xs, () => this.next());
  }
}

/** The generator as a function: the phantoms' and dataset splits' stream (seed 0 starts at state 0). */
export function seededRandom(seed: number): () => number {
  const rng = new Rng(seed, { zeroSeed: 'keep' });
  return () => rng.next();
}

/** Standard normal sample by Box-Muller from a uniform source. */
export function gaussian(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Fisher-Yates shuffle in place. */
export function shuffleInPlace<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = items[i]!;
    items[i] = items[j]!;
    items[j] = t;
  }
  return items;
}

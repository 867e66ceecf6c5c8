// A confidence signal per slice, from the members' disagreement: the networks of an ensemble (a folder of folds)
// times the test-time views (src/model/predict.ts). For each foreground class, the agreement is the pixels every
// member labels with the class over the pixels any member does (1: unanimous); an ensemble with test-time views
// takes the mean of that ratio over its networks, each across its own views, since unanimity across all members
// falls as members are added and a threshold chosen with one network per validation slice would flag most slices
// of a fold ensemble. A slice's score is its lowest foreground agreement. A single network without test-time
// augmentation has nothing to disagree with and scores 1.
// The threshold that flags a slice is chosen on validation patients (`spineseg crossval`) and kept in the
// checkpoint's config.json as a `confidence` block. Node-free.
import type { SliceConfidence } from '../model/predict.ts';

/** A slice's confidence score: its lowest agreement over the foreground classes (1 when unanimous). */
export function sliceScore(c: SliceConfidence): number {
  let s = 1;
  for (let k = 1; k < c.agreement.length; k++) s = Math.min(s, c.agreement[k]!);
  return s;
}

/** What a checkpoint records about its confidence signal (decided on validation patients). */
export interface ConfidenceBlock {
  /** slices scoring below this are flagged */
  threshold: number;
  /** the test-time augmentation and ensemble size the threshold was chosen with */
  tta: string;
  members: number;
  /** Spearman correlation between slice score and slice Dice on the validation slices */
  spearman: number;
  /** validation slices the threshold was chosen on */
  slices: number;
  /** what fraction of slices the threshold flags, by design */
  quantile: number;
}

/** The checkpoint's `confidence` block, or null when it has none; a malformed one is refused naming the field. */
export function readConfidenceBlock(config: unknown, file: string): ConfidenceBlock | null {
  const raw = (config as { confidence?: unknown } | null)?.confidence;
  if (raw === undefined) return null;
  if (typeof raw !== 'object' || raw === null) throw new Error(`${file}: confidence = ${JSON.stringify(raw)}: expected an object`);
  const b = raw as Record<string, unknown>;
  for (const key of ['threshold', 'members', 'spearman', 'slices', 'quantile'] as const) {
    if (typeof b[key] !== 'number' || !Number.isFinite(b[key])) throw new Error(`${file}: confidence.${key} = ${JSON.stringify(b[key])}: expected a number`);
  }
  if ((b.threshold as number) < 0 || (b.threshold as number) > 1) throw new Error(`${file}: confidence.threshold = ${b.threshold}: expected a number in [0, 1]`);
  if (typeof b.tta !== 'string') throw new Error(`${file}: confidence.tta = ${JSON.stringify(b.tta)}: expected a string`);
  return b as unknown as ConfidenceBlock;
}

/** A slice's score and whether it is flagged (null threshold: the checkpoint records none). */
export function sliceFlag(c: SliceConfidence, block: ConfidenceBlock | null): { score: number; threshold: number | null; low: boolean } {
  const score = sliceScore(c);
  return { score, threshold: block?.threshold ?? null, low: block !== null && score < block.threshold };
}

/** Ranks from 1, ties given their average rank. */
function ranks(xs: readonly number[]): number[] {
  const order = xs.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const r = new Array<number>(xs.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    for (let k = i; k <= j; k++) r[order[k]![1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}

/** Spearman's rank correlation (Pearson on the tie-averaged ranks); NaN when either side is constant. */
export function spearman(xs: readonly number[], ys: readonly number[]): number {
  if (xs.length !== ys.length) throw new Error(`spearman: ${xs.length} vs ${ys.length} values`);
  const rx = ranks(xs);
  const ry = ranks(ys);
  const n = xs.length;
  const mx = rx.reduce((a, b) => a + b, 0) / n;
  const my = ry.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (rx[i]! - mx) * (ry[i]! - my);
    sxx += (rx[i]! - mx) ** 2;
    syy += (ry[i]! - my) ** 2;
  }
  return sxx === 0 || syy === 0 ? NaN : sxy / Math.sqrt(sxx * syy);
}

export interface ThresholdChoice {
  threshold: number;
  spearman: number;
  /** mean slice Dice of the flagged and the other slices */
  flaggedMeanDice: number;
  otherMeanDice: number;
  flagged: number;
  /** of the `quantile` worst slices by Dice, the fraction flagged */
  worstFlagged: number;
}

/**
 * The threshold that flags the lowest-scoring `quantile` of validation slices (scores equal to it are not flagged,
 * so a tie at 1 flags nothing), and how well the score ranks the slices' Dice.
 */
export function chooseThreshold(scores: readonly number[], dice: readonly number[], quantile = 0.1): ThresholdChoice {
  if (scores.length === 0 || scores.length !== dice.length) throw new Error(`chooseThreshold: ${scores.length} scores and ${dice.length} Dice values`);
  const n = scores.length;
  const k = Math.max(1, Math.round(n * quantile));
  const sorted = [...scores].sort((a, b) => a - b);
  // the k-th lowest score: slices strictly below the next distinct score above the k lowest are flagged
  const threshold = sorted[Math.min(n - 1, k)]!;
  const flaggedIdx = scores.map((s, i) => (s < threshold ? i : -1)).filter((i) => i >= 0);
  const flaggedSet = new Set(flaggedIdx);
  const mean = (idx: number[]) => (idx.length ? idx.reduce((a, i) => a + dice[i]!, 0) / idx.length : NaN);
  const others = scores.map((_, i) => i).filter((i) => !flaggedSet.has(i));
  const worst = dice.map((d, i) => [d, i] as const).sort((a, b) => a[0] - b[0]).slice(0, k).map(([, i]) => i);
  return {
    threshold,
    spearman: spearman(scores, dice),
    flaggedMeanDice: mean(flaggedIdx),
    otherMeanDice: mean(others),
    flagged: flaggedIdx.length,
    worstFlagged: worst.filter((i) => flaggedSet.has(i)).length / worst.length,
  };
}

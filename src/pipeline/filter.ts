/**
 * The paper's two-step filtration.
 * Step 1 drops slices whose mask holds fewer than 4 classes.
 * Step 2 drops slices whose class imbalance exceeds a threshold.
 *
 * Reading of the paper's inconsistency: it defines "class weight" both as balanced weight (highest / lowest weight,
 * a ratio >= 1, e.g. 37x for background vs disc) and as "class pixels / total pixels", yet quotes 57%, 56%, 40%
 * before and 55%, 55%, 37% after with a 55% threshold. A ratio of weights can never be a percentage below 100%.
 * Measured on the shared T2-SPACE PNG set (570 slices), the spread between the largest and smallest *foreground*
 * class fraction is 48.6% over the set (median slice 50%, 10-90% range 41-60%), the only reading that lands in the
 * paper's range and makes a 55% threshold drop a minority of slices; the smallest over largest class fraction of
 * all four classes is 2.7% (slices 1.6-3.6%), the scale of the paper's "reduced to 3.51%, 1.79%, 7.5%".
 * So: 'paper-ratio' is the literal formula, 'foreground-spread' (default) the percentage that fits Table 1,
 * 'minority-percent' the other percentage.
 */
import { NUM_CLASSES } from './labels.ts';

export type ImbalanceRule = 'none' | 'paper-ratio' | 'foreground-spread' | 'minority-percent';
export const IMBALANCE_RULES: readonly ImbalanceRule[] = ['none', 'paper-ratio', 'foreground-spread', 'minority-percent'];
export const DEFAULT_IMBALANCE_RULE: ImbalanceRule = 'foreground-spread';
export const DEFAULT_IMBALANCE_THRESHOLD = 55;

/** Pixels per class 0..numClasses-1. */
export function classCounts(labels: ArrayLike<number>, numClasses = NUM_CLASSES): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < labels.length; i++) counts[labels[i]!]!++;
  return counts;
}

export function classesPresent(counts: readonly number[]): number {
  return counts.filter((c) => c > 0).length;
}

/** sklearn compute_class_weight('balanced'): n_pixels / (n_classes * count_c); Infinity for an absent class. */
export function balancedClassWeights(counts: readonly number[]): number[] {
  const n = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => (c > 0 ? n / (counts.length * c) : Infinity));
}

/** The paper's formula: highest / lowest balanced class weight over the classes present (= largest / smallest count). */
export function paperImbalanceRatio(counts: readonly number[]): number {
  const w = balancedClassWeights(counts).filter(Number.isFinite);
  if (w.length === 0) return NaN;
  return Math.max(...w) / Math.min(...w);
}

/** Largest minus smallest foreground class fraction (classes 1..), in percent of foreground pixels. */
export function foregroundFractionSpread(counts: readonly number[]): number {
  const fg = counts.slice(1);
  const total = fg.reduce((a, b) => a + b, 0);
  if (total === 0) return NaN;
  const f = fg.map((c) => c / total);
  return 100 * (Math.max(...f) - Math.min(...f));
}

/** Smallest over largest class fraction of all classes, in percent (100% = perfectly balanced). */
export function minorityPercent(counts: readonly number[]): number {
  const max = Math.max(...counts);
  return max > 0 ? (100 * Math.min(...counts)) / max : NaN;
}

/** The value a rule measures, and whether larger means more imbalanced. */
export function imbalanceMeasure(rule: ImbalanceRule, counts: readonly number[]): number {
  switch (rule) {
    case 'none':
      return NaN;
    case 'paper-ratio':
      return paperImbalanceRatio(counts);
    case 'foreground-spread':
      return foregroundFractionSpread(counts);
    case 'minority-percent':
      return minorityPercent(counts);
  }
}

export function imbalanceUnit(rule: ImbalanceRule): string {
  return rule === 'paper-ratio' ? 'x' : rule === 'none' ? '' : '%';
}

export interface FilterSettings {
  rule: ImbalanceRule;
  threshold: number;
  minClasses?: number;
}

export type FilterVerdict = { keep: true } | { keep: false; step: 1 | 2; reason: string };

/** Step 1 then step 2 for one slice. minority-percent keeps slices at or above the threshold; the others at or below. */
export function filterSlice(counts: readonly number[], settings: FilterSettings): FilterVerdict {
  const minClasses = settings.minClasses ?? NUM_CLASSES;
  const present = classesPresent(counts);
  if (present < minClasses) return { keep: false, step: 1, reason: `${present} classes < ${minClasses}` };
  if (settings.rule === 'none') return { keep: true };
  const value = imbalanceMeasure(settings.rule, counts);
  const unit = imbalanceUnit(settings.rule);
  const tooImbalanced = settings.rule === 'minority-percent' ? value < settings.threshold : value > settings.threshold;
  if (tooImbalanced) {
    const cmp = settings.rule === 'minority-percent' ? '<' : '>';
    return { keep: false, step: 2, reason: `${settings.rule} ${value.toFixed(2)}${unit} ${cmp} ${settings.threshold}${unit}` };
  }
  return { keep: true };
}

export interface SequenceTally {
  sequence: string;
  slices: number;
  afterStep1: number;
  afterStep2: number;
  countsBefore: number[];
  countsAfter: number[];
}

/** Per-sequence class counts before filtering and after both steps. */
export class FilterTally {
  readonly bySequence = new Map<string, SequenceTally>();

  add(sequence: string, counts: readonly number[], verdict: FilterVerdict): void {
    let t = this.bySequence.get(sequence);
    if (!t) {
      t = { sequence, slices: 0, afterStep1: 0, afterStep2: 0, countsBefore: new Array<number>(counts.length).fill(0), countsAfter: new Array<number>(counts.length).fill(0) };
      this.bySequence.set(sequence, t);
    }
    t.slices++;
    counts.forEach((c, i) => (t.countsBefore[i]! += c));
    if (verdict.keep || verdict.step === 2) t.afterStep1++;
    if (verdict.keep) {
      t.afterStep2++;
      counts.forEach((c, i) => (t.countsAfter[i]! += c));
    }
  }

  sequences(): SequenceTally[] {
    return [...this.bySequence.values()].sort((a, b) => a.sequence.localeCompare(b.sequence));
  }
}

export interface Table1Row {
  sequence: string;
  images: number;
  imagesBefore: number;
  ratioBefore: number;
  ratioAfter: number;
}

/** Table 1 rows: images kept per sequence and the set-level imbalance before and after filtering. */
export function table1Rows(tally: FilterTally, rule: ImbalanceRule): Table1Row[] {
  const measure = rule === 'none' ? DEFAULT_IMBALANCE_RULE : rule;
  return tally.sequences().map((t) => ({
    sequence: t.sequence,
    images: t.afterStep2,
    imagesBefore: t.slices,
    ratioBefore: imbalanceMeasure(measure, t.countsBefore),
    ratioAfter: imbalanceMeasure(measure, t.countsAfter),
  }));
}

/** Table 1 in the paper's form, as markdown. */
export function formatTable1(rows: readonly Table1Row[], rule: ImbalanceRule): string {
  const measure = rule === 'none' ? DEFAULT_IMBALANCE_RULE : rule;
  const unit = imbalanceUnit(measure);
  const fmt = (v: number) => (Number.isFinite(v) ? `${v.toFixed(measure === 'paper-ratio' ? 1 : 2)}${unit}` : '-');
  const lines = [
    `| Dataset | No. of Images (before filtering) | Class Imbalance Ratio before (${measure}) | Class Imbalance Ratio after |`,
    '|---|---|---|---|',
    ...rows.map((r) => `| ${r.sequence} | ${r.images} (${r.imagesBefore}) | ${fmt(r.ratioBefore)} | ${fmt(r.ratioAfter)} |`),
    `| Total | ${rows.reduce((a, r) => a + r.images, 0)} (${rows.reduce((a, r) => a + r.imagesBefore, 0)}) | - | - |`,
  ];
  return lines.join('\n');
}

// Which post-processing steps a checkpoint gets, decided as nnU-Net does: on the VALIDATION patients of the
// checkpoint's own split, at the data's original resolution, a step is kept only if it raises that class's
// mean validation Dice. The decision is written into the checkpoint's config.json as its `postprocess`
// block (atomically), and `spineseg predict` applies exactly that block.
import path from 'node:path';
import { applyPostprocess, connectedComponents, NO_POSTPROCESS, type ClassPostprocess, type PostprocessBlock } from '../pipeline/postprocess.ts';
import { writeFileAtomic, readJsonFile, resolveCheckpointDir } from '../model/checkpoint.ts';
import { REPO_ROOT } from '../pipeline/dataset.ts';
import { thresholdSpacing, type SegmentationNet } from '../model/predict.ts';
import { loadOriginalSlices, predictOriginal, recordedSplit, hasSpacing, sizesOf } from './evaluate-checkpoint.ts';

export interface DecisionCase {
  pred: Uint8Array;
  truth: Uint8Array;
  /** [1, H, W] for slices */
  dims: readonly [number, number, number];
  /** size of a pixel in the decision's unit, [slice, row, column] (src/model/predict.ts thresholdSpacing) */
  spacing: readonly [number, number, number];
}

export interface DecisionRow {
  cls: number;
  step: string;
  /** mean validation Dice of the class with the steps kept so far, and with this step added */
  before: number | null;
  after: number | null;
  kept: boolean;
}

/** Mean over cases of class c's Dice (cases with the class in neither map are skipped); null when none has it. */
export function meanDice(preds: readonly Uint8Array[], truths: readonly Uint8Array[], c: number): number | null {
  let sum = 0;
  let n = 0;
  preds.forEach((p, k) => {
    const t = truths[k]!;
    let inter = 0;
    let a = 0;
    let b = 0;
    for (let i = 0; i < p.length; i++) {
      const pi = p[i] === c;
      const ti = t[i] === c;
      if (pi) a++;
      if (ti) b++;
      if (pi && ti) inter++;
    }
    if (a + b > 0) {
      sum += (2 * inter) / (a + b);
      n++;
    }
  });
  return n ? sum / n : null;
}

/**
 * Candidate size thresholds of class c: fractions of the median (over slices) of the largest true
 * component's area, so stray fragments in the truth do not pull the scale down. Exported for its tests.
 */
export function sizeCandidates(cases: readonly DecisionCase[], c: number): number[] {
  const largest: number[] = [];
  for (const k of cases) {
    const cc = connectedComponents(Uint8Array.from(k.truth, (v) => (v === c ? 1 : 0)), k.dims, false);
    const pixelArea = k.spacing[1] * k.spacing[2];
    if (cc.sizes.length > 1) largest.push(Math.max(...cc.sizes.slice(1)) * pixelArea);
  }
  if (largest.length === 0) return [];
  largest.sort((a, b) => a - b);
  const median = largest[Math.floor(largest.length / 2)]!;
  return [...new Set([0.02, 0.05, 0.1, 0.25].map((f) => Number((median * f).toPrecision(3))))].filter((v) => v > 0);
}

export interface DecideOptions {
  classes: number;
  unit: 'grid-px' | 'mm2';
  /** classes that are one connected structure (keep-largest is tried only for them): the spinal canal */
  singleComponentClasses?: readonly number[];
}

/**
 * Greedy per class, in the order keep-largest (single-structure classes only), size threshold (best of a
 * few candidates), hole filling; a step stays only if it raises the class's mean validation Dice. Classes
 * are independent: every step only turns pixels of its own class into background or background into it.
 */
export function decidePostprocess(cases: readonly DecisionCase[], o: DecideOptions): { classes: Record<string, ClassPostprocess>; rows: DecisionRow[]; before: (number | null)[]; after: (number | null)[] } {
  const truths = cases.map((k) => k.truth);
  const classes: Record<string, ClassPostprocess> = {};
  const rows: DecisionRow[] = [];
  const before: (number | null)[] = [];
  const after: (number | null)[] = [];
  const single = new Set(o.singleComponentClasses ?? [2]);
  for (let c = 1; c < o.classes; c++) {
    const diceWith = (steps: ClassPostprocess) => meanDice(cases.map((k) => applyPostprocess(k.pred, k.dims, k.spacing, { unit: o.unit, classes: { [c]: steps } }, false)), truths, c);
    let current: ClassPostprocess = { ...NO_POSTPROCESS };
    let best = meanDice(cases.map((k) => k.pred), truths, c);
    before.push(best);
    const tryStep = (step: string, candidate: ClassPostprocess): boolean => {
      const d = diceWith(candidate);
      const kept = d !== null && best !== null && d > best + 1e-9;
      rows.push({ cls: c, step, before: best, after: d, kept });
      if (kept) {
        current = candidate;
        best = d;
      }
      return kept;
    };
    if (single.has(c)) tryStep('keep the largest component', { ...current, keepLargest: true });
    // of the size candidates, the best one competes
    let bestSize: { size: number; dice: number } | null = null;
    for (const size of sizeCandidates(cases, c)) {
      const d = diceWith({ ...current, minSize: size });
      if (d !== null && (bestSize === null || d > bestSize.dice)) bestSize = { size, dice: d };
    }
    if (bestSize) tryStep(`drop components < ${bestSize.size} ${o.unit === 'mm2' ? 'mm²' : 'network px'}`, { ...current, minSize: bestSize.size });
    tryStep('fill holes', { ...current, fillHoles: true });
    classes[String(c)] = current;
    after.push(best);
  }
  return { classes, rows, before, after };
}

export function formatDecisionTable(rows: readonly DecisionRow[], classNames: readonly string[]): string {
  const f = (v: number | null) => (v === null ? 'n/a' : v.toFixed(4));
  return [
    '| class | step | val Dice before | val Dice with step | kept |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${classNames[r.cls] ?? `class ${r.cls}`} | ${r.step} | ${f(r.before)} | ${f(r.after)} | ${r.kept ? 'yes' : 'no'} |`),
  ].join('\n');
}

export interface PostprocessCheckpointOptions {
  checkpoint: string;
  data: string;
  /** loads the network of a checkpoint folder (kept out of this module so it stays free of GPU start-up) */
  load: (dir: string) => Promise<{ net: SegmentationNet & { dispose?: () => void }; config: Record<string, unknown> }>;
  batchSize?: number;
  log?: (line: string) => void;
}

/**
 * Decides the post-processing of a checkpoint on its validation patients in `data` at the original
 * resolution and writes it into the checkpoint's config.json. Returns the block and the table of steps.
 */
export async function postprocessCheckpoint(o: PostprocessCheckpointOptions): Promise<{ block: PostprocessBlock; table: string }> {
  const log = o.log ?? (() => {});
  const dir = resolveCheckpointDir(o.checkpoint);
  const configFile = path.join(dir, 'config.json');
  const { net, config } = await o.load(dir);
  try {
    const split = recordedSplit(config as { split?: { train?: unknown; val?: unknown; test?: unknown } }, configFile, o.data);
    if (split.val.length === 0) throw new Error(`${configFile}: field split.val is empty; post-processing is decided on validation patients`);
    const samples = loadOriginalSlices(o.data, split.val);
    log(`predicting ${samples.length} slices of validation patients ${split.val.join(', ')} at ${sizesOf(samples)}`);
    const preds = await predictOriginal(net, samples, { batchSize: o.batchSize });
    const unit = hasSpacing(o.data) ? 'mm2' : 'grid-px';
    const cases = preds.map((p) => {
      const px = thresholdSpacing(unit, p.sample, net.config.width, net.config.height, p.sample.spacing);
      return { pred: p.raw, truth: p.sample.labels, dims: [1, p.sample.height, p.sample.width] as const, spacing: [1, px[0], px[1]] as const };
    });
    const classNames = (config.classes as string[] | undefined) ?? [];
    const decision = decidePostprocess(cases, { classes: net.config.classes, unit });
    const block: PostprocessBlock = {
      version: 1,
      unit,
      classes: decision.classes,
      decidedOn: { data: path.relative(REPO_ROOT, path.resolve(o.data)) || '.', patients: split.val, slices: samples.length, resolution: sizesOf(samples) },
      validationDice: { before: decision.before, after: decision.after },
    };
    // re-read right before writing, so only the block changes
    const fresh = readJsonFile<Record<string, unknown>>(configFile);
    writeFileAtomic(configFile, JSON.stringify({ ...fresh, postprocess: block }, null, 2));
    return { block, table: formatDecisionTable(decision.rows, classNames) };
  } finally {
    net.dispose?.();
  }
}

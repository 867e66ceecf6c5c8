// Cross-validation as one resumable command (`spineseg train --folds N`), as nnU-Net fixes its recipe: the
// non-test patients are split into N folds; fold k trains on the others and validates on its own patients
// (runs/<out>/fold-k, a whole `spineseg train` run each). A killed run continues at the fold and epoch it reached.
// When every fold is done, each fold's best checkpoint predicts its own validation patients at the original
// resolution (out of fold), with each test-time augmentation; from those pooled predictions it decides
//  - the default test-time augmentation: the cheapest mode within 0.001 mean Dice of the best,
//  - the post-processing (src/app/postprocess-decision.ts, on the pooled out-of-fold predictions),
//  - the confidence threshold that flags the lowest-scoring tenth of slices (src/app/confidence.ts),
// writes them into every fold's checkpoint, writes ensemble.json (the folds as one model for `predict
// --checkpoint <out>` and the page), and the tables: crossval.md and crossval.json.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../pipeline/atomic-write.ts';
import { readJsonFile } from '../model/checkpoint.ts';
import { predictSlices, thresholdSpacing, TTA_MODES, type SegmentationNet, type SliceConfidence, type TtaMode } from '../model/predict.ts';
import { applyPostprocess, type PostprocessBlock } from '../pipeline/postprocess.ts';
import type { Sample } from '../pipeline/dataset.ts';
import { REPO_ROOT } from '../pipeline/dataset.ts';
import { CLASS_DISPLAY_NAMES } from '../pipeline/labels.ts';
import { runTraining, type TrainProgress, type TrainRunOptions, type RunConfig } from './session.ts';
import { loadOriginalSlices, hasSpacing, sizesOf } from './evaluate-checkpoint.ts';
import { decidePostprocess, formatDecisionTable, meanDice } from './postprocess-decision.ts';
import { chooseThreshold, sliceScore, type ConfidenceBlock } from './confidence.ts';
import { ENSEMBLE_FILE, type EnsembleManifest } from './ensemble.ts';

export interface CrossvalOptions extends Omit<TrainRunOptions, 'fold' | 'resume'> {
  folds: number;
  resume: boolean;
  /** loads a fold's best checkpoint for the out-of-fold predictions (kept out of this module's imports of the GPU) */
  load: (dir: string) => Promise<{ net: SegmentationNet & { dispose(): void }; config: RunConfig }>;
  /** TTA modes compared out of fold (default: all) */
  ttaModes?: readonly TtaMode[];
}

/** One fold's out-of-fold scores under one TTA mode. */
export interface FoldScores {
  fold: number;
  patients: string[];
  slices: number;
  tta: TtaMode;
  /** mean per-slice Dice per foreground class (vertebrae, canal, discs), no post-processing */
  dice: (number | null)[];
  /** the same after the pooled post-processing decision (chosen TTA only) */
  dicePost?: (number | null)[];
  /** milliseconds per slice of the prediction (networks, TTA views, resampling) */
  msPerSlice: number;
}

export interface CrossvalResult {
  folds: number;
  chosenTta: TtaMode;
  scores: FoldScores[];
  postprocess: PostprocessBlock;
  confidence: ConfidenceBlock & { flaggedMeanDice: number; otherMeanDice: number; worstFlagged: number };
  markdown: string;
}

const PLAN_FILE = 'crossval-plan.json';
const FINISHED = 'finished.json';
const foldDir = (out: string, k: number) => path.join(out, `fold-${k}`);

/** The settings a cross-validation keeps in its folder: a resumed run uses them, except the epoch count. */
type Plan = Omit<CrossvalOptions, 'load' | 'out' | 'resume' | 'ttaModes'>;

function planOf(o: CrossvalOptions): Plan {
  const { load: _l, out: _o, resume: _r, ttaModes: _t, ...plan } = o;
  return plan;
}

export async function runCrossval(o: CrossvalOptions, log: (line: string) => void = console.log, progress?: TrainProgress): Promise<CrossvalResult> {
  if (!(Number.isInteger(o.folds) && o.folds >= 2)) throw new Error(`--folds '${o.folds}' must be an integer >= 2`);
  const planFile = path.join(o.out, PLAN_FILE);
  let plan = planOf(o);
  if (fs.existsSync(planFile)) {
    if (!o.resume) throw new Error(`${o.out} already holds a cross-validation; pass --resume to continue it or choose another --out`);
    plan = { ...readJsonFile<Plan>(planFile), epochs: o.epochs };
    log(`resuming the ${plan.folds}-fold cross-validation in ${o.out}`);
  } else {
    if (o.resume) throw new Error(`${o.out}: nothing to resume (no ${PLAN_FILE})`);
    fs.mkdirSync(o.out, { recursive: true });
  }
  writeFileAtomic(planFile, JSON.stringify(plan, null, 2));

  for (let k = 1; k <= plan.folds; k++) {
    const dir = foldDir(o.out, k);
    if (fs.existsSync(path.join(dir, FINISHED))) {
      log(`fold ${k}/${plan.folds}: done before`);
      continue;
    }
    const resume = fs.existsSync(path.join(dir, 'checkpoint-last', 'config.json')) || fs.existsSync(path.join(dir, 'checkpoint-last.prev', 'config.json'));
    log(`fold ${k}/${plan.folds}: ${resume ? 'resuming' : 'training'} in ${dir}`);
    const r = await runTraining({ ...plan, fold: { k, n: plan.folds }, out: dir, resume }, (line) => log(`[fold ${k}] ${line}`), progress);
    writeFileAtomic(path.join(dir, FINISHED), JSON.stringify({ epochs: r.state.epoch, bestEpoch: r.state.bestEpoch, bestMeanIoU: r.state.bestMeanIoU, seconds: r.seconds }, null, 2));
    r.model.dispose();
  }
  return evaluateFolds(o.out, plan, o, log);
}

/** Per-slice Dice of class c, or null when the class is in neither map. */
function sliceDice(pred: Uint8Array, truth: Uint8Array, c: number): number | null {
  return meanDice([pred], [truth], c);
}

/** A slice's Dice over the foreground classes present in prediction or truth (for ranking by confidence). */
export function sliceMeanDice(pred: Uint8Array, truth: Uint8Array, classes: number): number {
  const ds = Array.from({ length: classes - 1 }, (_, i) => sliceDice(pred, truth, i + 1)).filter((d): d is number => d !== null);
  return ds.length ? ds.reduce((a, b) => a + b, 0) / ds.length : 1;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: readonly number[]) => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1)));

interface OutOfFold {
  fold: number;
  sample: Sample;
  raw: Uint8Array;
  confidence: SliceConfidence;
}

/**
 * One network on labelled slices at their original resolution under each TTA mode: per-slice labels (no
 * post-processing), confidences, mean per-slice Dice per foreground class and milliseconds per slice.
 */
export async function ttaScores(nets: SegmentationNet | readonly SegmentationNet[], samples: readonly Sample[], modes: readonly TtaMode[], batchSize: number): Promise<Array<{ tta: TtaMode; raw: Uint8Array[]; confidence: SliceConfidence[]; dice: (number | null)[]; msPerSlice: number }>> {
  const classes = (Array.isArray(nets) ? (nets as readonly SegmentationNet[])[0]! : (nets as SegmentationNet)).config.classes;
  const out = [];
  for (const tta of modes) {
    const confidence: SliceConfidence[] = [];
    const t0 = performance.now();
    const raw = await predictSlices(nets, [...samples], batchSize, undefined, 'probabilities', undefined, { tta, onSliceConfidence: (i, c) => (confidence[i] = c) });
    const msPerSlice = (performance.now() - t0) / samples.length;
    const dice = Array.from({ length: classes - 1 }, (_, i) => meanDice(raw, samples.map((s) => s.labels), i + 1));
    out.push({ tta, raw, confidence, dice, msPerSlice });
  }
  return out;
}

async function evaluateFolds(out: string, plan: Plan, o: CrossvalOptions, log: (line: string) => void): Promise<CrossvalResult> {
  const modes = o.ttaModes ?? TTA_MODES;
  const scores: FoldScores[] = [];
  const oof = new Map<TtaMode, OutOfFold[]>(modes.map((m) => [m, []]));
  let grid: { width: number; height: number; classes: number } | null = null;
  const members: string[] = [];
  for (let k = 1; k <= plan.folds; k++) {
    const best = path.join(foldDir(out, k), 'checkpoint-best');
    members.push(path.relative(out, best));
    const { net, config } = await o.load(best);
    try {
      grid = net.config;
      const patients = config.split.val;
      const samples = loadOriginalSlices(plan.data, patients);
      for (const r of await ttaScores(net, samples, modes, plan.batchSize)) {
        scores.push({ fold: k, patients, slices: samples.length, tta: r.tta, dice: r.dice, msPerSlice: r.msPerSlice });
        samples.forEach((sample, i) => oof.get(r.tta)!.push({ fold: k, sample, raw: r.raw[i]!, confidence: r.confidence[i]! }));
        log(`fold ${k}: ${samples.length} validation slices of ${patients.join(', ')}, TTA ${r.tta}: Dice ${r.dice.map((d) => d?.toFixed(4) ?? 'n/a').join(' / ')}, ${r.msPerSlice.toFixed(0)} ms per slice`);
      }
    } finally {
      net.dispose();
    }
  }
  const classes = grid!.classes;
  const meanOverClasses = (tta: TtaMode) => mean(scores.filter((s) => s.tta === tta).flatMap((s) => s.dice.filter((d): d is number => d !== null)));
  const msOf = (tta: TtaMode) => mean(scores.filter((s) => s.tta === tta).map((s) => s.msPerSlice));
  const bestDice = Math.max(...modes.map(meanOverClasses));
  // the cheapest mode within 0.001 mean Dice of the best
  const chosenTta = [...modes].sort((a, b) => msOf(a) - msOf(b)).find((m) => meanOverClasses(m) >= bestDice - 0.001)!;
  log(`test-time augmentation: ${modes.map((m) => `${m} ${meanOverClasses(m).toFixed(4)} (${msOf(m).toFixed(0)} ms/slice)`).join(', ')}; chosen: ${chosenTta}`);

  // post-processing on the pooled out-of-fold predictions of the chosen mode
  const pooled = oof.get(chosenTta)!;
  const unit = hasSpacing(plan.data) ? 'mm2' : 'grid-px';
  const cases = pooled.map((p) => {
    const px = thresholdSpacing(unit, p.sample, grid!.width, grid!.height, p.sample.spacing);
    return { pred: p.raw, truth: p.sample.labels, dims: [1, p.sample.height, p.sample.width] as const, spacing: [1, px[0], px[1]] as const };
  });
  const decision = decidePostprocess(cases, { classes, unit });
  const allPatients = [...new Set(pooled.map((p) => p.sample.patient))].sort();
  const postprocess: PostprocessBlock = {
    version: 1,
    unit,
    classes: decision.classes,
    decidedOn: { data: path.relative(REPO_ROOT, path.resolve(plan.data)) || '.', patients: allPatients, slices: pooled.length, resolution: `${sizesOf(pooled.map((p) => p.sample))} (out of fold, ${plan.folds} folds, TTA ${chosenTta})` },
    validationDice: { before: decision.before, after: decision.after },
  };
  const post = pooled.map((p, i) => applyPostprocess(p.raw, cases[i]!.dims, cases[i]!.spacing, postprocess, false));
  for (const s of scores.filter((x) => x.tta === chosenTta)) {
    const idx = pooled.map((p, i) => (p.fold === s.fold ? i : -1)).filter((i) => i >= 0);
    s.dicePost = Array.from({ length: classes - 1 }, (_, c) => meanDice(idx.map((i) => post[i]!), idx.map((i) => pooled[i]!.sample.labels), c + 1));
  }

  // confidence: slice score vs slice Dice (post-processed, as predict gives it), pooled
  const sliceScores = pooled.map((p) => sliceScore(p.confidence));
  const sliceDices = pooled.map((p, i) => sliceMeanDice(post[i]!, p.sample.labels, classes));
  const choice = chooseThreshold(sliceScores, sliceDices, 0.1);
  const confidence = {
    threshold: choice.threshold,
    tta: chosenTta,
    members: pooled[0]?.confidence.members ?? 1,
    spearman: choice.spearman,
    slices: pooled.length,
    quantile: 0.1,
    flaggedMeanDice: choice.flaggedMeanDice,
    otherMeanDice: choice.otherMeanDice,
    worstFlagged: choice.worstFlagged,
  };

  // every fold's checkpoint carries the decisions; ensemble.json makes the folds one model
  for (const m of members) {
    const file = path.join(out, m, 'config.json');
    const fresh = readJsonFile<Record<string, unknown>>(file);
    const { flaggedMeanDice: _a, otherMeanDice: _b, worstFlagged: _c, ...block } = confidence;
    writeFileAtomic(file, JSON.stringify({ ...fresh, postprocess, confidence: block, inference: { tta: chosenTta } }, null, 2));
  }
  const manifest: EnsembleManifest = { format: 'spineseg-ensemble', version: 1, members, about: `${plan.folds}-fold cross-validation: each fold's best checkpoint; probabilities averaged` };
  writeFileAtomic(path.join(out, ENSEMBLE_FILE), JSON.stringify(manifest, null, 2));

  const markdown = crossvalMarkdown(plan, scores, chosenTta, modes, decision.rows, confidence);
  const result: CrossvalResult = { folds: plan.folds, chosenTta, scores, postprocess, confidence, markdown };
  writeFileAtomic(path.join(out, 'crossval.md'), markdown);
  writeFileAtomic(path.join(out, 'crossval.json'), JSON.stringify({ ...result, markdown: undefined }, null, 2));
  return result;
}

const NAMES = CLASS_DISPLAY_NAMES.slice(1);
const f4 = (v: number | null | undefined) => (v === null || v === undefined || Number.isNaN(v) ? 'n/a' : v.toFixed(4));

function crossvalMarkdown(plan: Plan, scores: FoldScores[], chosen: TtaMode, modes: readonly TtaMode[], rows: Parameters<typeof formatDecisionTable>[0], conf: CrossvalResult['confidence']): string {
  const chosenRows = scores.filter((s) => s.tta === chosen);
  const col = (pick: (s: FoldScores) => (number | null)[] | undefined, c: number) => chosenRows.map((s) => pick(s)?.[c]).filter((v): v is number => typeof v === 'number');
  const stat = (xs: number[]) => (xs.length ? `${mean(xs).toFixed(4)} ± ${sd(xs).toFixed(4)}` : 'n/a');
  const lines = [
    `# ${plan.folds}-fold cross-validation`,
    '',
    `Data: ${path.relative(REPO_ROOT, path.resolve(plan.data)) || '.'}; test patients (${Math.round((plan.testFraction ?? 0) * 100)} %, seed ${plan.seed}) held out of every fold and every choice below. Model ${plan.width}x${plan.height}, width x${plan.widthMult}, batch ${plan.batchSize}, ${plan.epochs} epochs, lr ${plan.lr} ${plan.lrSchedule ?? 'constant'}, augmentation ${plan.augment?.level ?? 'none'}.`,
    'Each fold\'s best checkpoint predicts its own validation patients at their original resolution (probabilities resampled); Dice is per slice, averaged over slices.',
    '',
    `## Per fold (TTA ${chosen})`,
    '',
    `| fold | validation patients | slices | ${NAMES.join(' | ')} | ${NAMES.map((n) => `${n}, post-processed`).join(' | ')} |`,
    `|---|---|---|${NAMES.map(() => '---').join('|')}|${NAMES.map(() => '---').join('|')}|`,
    ...chosenRows.map((s) => `| ${s.fold} | ${s.patients.join(', ')} | ${s.slices} | ${s.dice.map(f4).join(' | ')} | ${(s.dicePost ?? []).map(f4).join(' | ')} |`),
    `| mean ± sd | | ${chosenRows.reduce((a, s) => a + s.slices, 0)} | ${NAMES.map((_, c) => stat(col((s) => s.dice, c))).join(' | ')} | ${NAMES.map((_, c) => stat(col((s) => s.dicePost, c))).join(' | ')} |`,
    '',
    '## Test-time augmentation (out of fold, mean over folds, no post-processing)',
    '',
    `| TTA | ${NAMES.join(' | ')} | mean | ms per slice |`,
    `|---|${NAMES.map(() => '---').join('|')}|---|---|`,
    ...modes.map((m) => {
      const rs = scores.filter((s) => s.tta === m);
      const per = NAMES.map((_, c) => mean(rs.map((s) => s.dice[c]).filter((v): v is number => typeof v === 'number')));
      return `| ${m}${m === chosen ? ' (chosen)' : ''} | ${per.map(f4).join(' | ')} | ${f4(mean(per))} | ${mean(rs.map((s) => s.msPerSlice)).toFixed(0)} |`;
    }),
    '',
    'Chosen: the cheapest mode within 0.001 mean Dice of the best.',
    '',
    '## Post-processing (decided on the pooled out-of-fold predictions)',
    '',
    formatDecisionTable(rows, CLASS_DISPLAY_NAMES),
    '',
    '## Confidence',
    '',
    `Slice score: the lowest foreground agreement among the ${conf.members} predictions of a slice (${conf.tta === 'none' ? 'one network, no TTA: every slice scores 1' : `one fold network x the ${conf.tta} TTA views`}). On ${conf.slices} out-of-fold slices, Spearman's rho between score and slice Dice (mean over foreground classes, post-processed) is ${f4(conf.spearman)}. The threshold ${f4(conf.threshold)} flags the lowest-scoring ${conf.quantile * 100} %: their mean Dice is ${f4(conf.flaggedMeanDice)} against ${f4(conf.otherMeanDice)} for the others, and it flags ${(conf.worstFlagged * 100).toFixed(0)} % of the ${conf.quantile * 100} % worst slices by Dice.`,
    'The fold ensemble scores a slice by the mean of its networks\' own agreements across their TTA views (src/model/predict.ts), the quantity measured here with one network per slice, so this threshold applies to it unchanged.',
    '',
  ];
  return lines.join('\n');
}

// Whole-case evaluation on the GPU: confusion counts and surface distances of every case, per-class
// scores (src/metrics/scores.ts has the conventions), the summary in the paper's Table 2 layout.
import { Tensor, scopedAsync } from '../runtime/tensor.ts';
import { gpu } from '../runtime/gpu.ts';
import { surfaceDistances } from '../kernels/surface.ts';
import { confusionMatrix } from './overlap.ts';
import { overlapScores, surfaceScores, meanOf, DEFAULT_NSD_TAU_MM, type OverlapScores, type SurfaceScores } from './scores.ts';

/** Names of the foreground classes, index = class (0 = background). */
export const METRIC_CLASS_NAMES = ['Background', 'Vertebrae', 'Spinal canal', 'IVDs'] as const;

export interface EvalCase {
  name: string;
  /** class indices, [D, H, W] row-major (2-D: D = 1) */
  pred: ArrayLike<number>;
  truth: ArrayLike<number>;
  dims: readonly [number, number, number];
  /** mm: [slice, row, column] (slice unused in 2-D) */
  spacing: readonly [number, number, number];
}

export interface ClassResult extends OverlapScores, SurfaceScores {
  cls: number;
  name: string;
}

export interface CaseResult {
  name: string;
  dims: [number, number, number];
  spacing: [number, number, number];
  /** foreground classes 1..C-1 */
  classes: ClassResult[];
}

export interface EvaluateOptions {
  numClasses?: number;
  tauMm?: number;
  classNames?: readonly string[];
}

/**
 * Scores every case on the GPU: cases with the same dims and spacing are batched into one label
 * tensor each for prediction and truth; surface distances use the 6-neighbour rule when D > 1.
 */
export async function evaluateCases(cases: readonly EvalCase[], options: EvaluateOptions = {}): Promise<CaseResult[]> {
  const numClasses = options.numClasses ?? 4;
  const tau = options.tauMm ?? DEFAULT_NSD_TAU_MM;
  const names = options.classNames ?? METRIC_CLASS_NAMES;
  const results: CaseResult[] = new Array(cases.length);
  const groups = new Map<string, number[]>();
  cases.forEach((c, i) => {
    const voxels = c.dims[0] * c.dims[1] * c.dims[2];
    if (c.pred.length !== voxels || c.truth.length !== voxels) throw new Error(`case ${c.name}: ${c.pred.length} predicted and ${c.truth.length} true voxels for dims [${c.dims}]`);
    const key = `${c.dims.join('x')}|${c.spacing.join(',')}`;
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  const budget = Math.min(gpu().limits.maxStorageBufferBindingSize, 64 * 1024 * 1024);
  for (const members of groups.values()) {
    const first = cases[members[0]];
    const [D, H, W] = first.dims;
    const voxels = D * H * W;
    const perBatch = Math.max(1, Math.floor(budget / (voxels * 4)));
    for (let at = 0; at < members.length; at += perBatch) {
      const batch = members.slice(at, at + perBatch);
      const predData = new Uint32Array(batch.length * voxels);
      const truthData = new Uint32Array(batch.length * voxels);
      batch.forEach((ci, k) => {
        predData.set(cases[ci].pred, k * voxels);
        truthData.set(cases[ci].truth, k * voxels);
      });
      const shape = [batch.length, D, H, W];
      await scopedAsync(async () => {
        const pred = Tensor.fromData(predData, shape, 'u32', 'eval.pred');
        const truth = Tensor.fromData(truthData, shape, 'u32', 'eval.truth');
        let cms;
        try {
          cms = await confusionMatrix(pred, truth, numClasses);
        } catch (e) {
          throw new Error(`${(e as Error).message.replace(/image (\d+)/, (_, k) => `case ${cases[batch[Number(k)]].name}`)}`);
        }
        const lists = await surfaceDistances(pred, truth, [first.spacing[0], first.spacing[1], first.spacing[2]], { numClasses });
        batch.forEach((ci, k) => {
          const classes: ClassResult[] = [];
          for (let c = 1; c < numClasses; c++) {
            const l = lists[k * (numClasses - 1) + (c - 1)];
            classes.push({ cls: c, name: names[c] ?? `class ${c}`, ...overlapScores(cms[k], c), ...surfaceScores(l.predToTruth, l.truthToPred, tau) });
          }
          results[ci] = { name: cases[ci].name, dims: [D, H, W], spacing: [...first.spacing] as [number, number, number], classes };
        });
      });
    }
  }
  return results;
}

export interface Table2Row {
  label: string;
  iou: number | null;
  dice: number | null;
  /** mean over cases with a finite ASD */
  asd: number | null;
  hd95: number | null;
  nsd: number | null;
  precision: number | null;
  recall: number | null;
  f1: number | null;
  /** cases where the class is in prediction or truth */
  cases: number;
  /** cases left out of the ASD / HD95 means because one surface was empty (distance Infinity) */
  infiniteAsd: number;
}

/**
 * Per-class means over cases (null scores, i.e. class absent from both, are skipped; infinite ASD/HD95
 * are counted in `infiniteAsd` and left out of those two means), then a "Mean" row over the classes.
 */
export function summarize(results: readonly CaseResult[]): Table2Row[] {
  const numFg = results[0]?.classes.length ?? 0;
  const rows: Table2Row[] = [];
  for (let k = 0; k < numFg; k++) {
    const per = results.map((r) => r.classes[k]);
    const finite = (v: number | null) => (v !== null && Number.isFinite(v) ? v : null);
    rows.push({
      label: per[0].name,
      iou: meanOf(per.map((s) => s.iou)),
      dice: meanOf(per.map((s) => s.dice)),
      asd: meanOf(per.map((s) => finite(s.asd))),
      hd95: meanOf(per.map((s) => finite(s.hd95))),
      nsd: meanOf(per.map((s) => s.nsd)),
      precision: meanOf(per.map((s) => s.precision)),
      recall: meanOf(per.map((s) => s.recall)),
      f1: meanOf(per.map((s) => s.f1)),
      cases: per.filter((s) => s.dice !== null).length,
      infiniteAsd: per.filter((s) => s.asd === Infinity).length,
    });
  }
  const cols = ['iou', 'dice', 'asd', 'hd95', 'nsd', 'precision', 'recall', 'f1'] as const;
  const mean = { label: 'Mean', cases: results.length, infiniteAsd: rows.reduce((a, r) => a + r.infiniteAsd, 0) } as Table2Row;
  for (const c of cols) mean[c] = meanOf(rows.map((r) => r[c]));
  rows.push(mean);
  return rows;
}

function cell(v: number | null, digits = 4): string {
  if (v === null) return 'n/a';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  return v.toFixed(digits);
}

/** The summary as the paper's Table 2: rows Vertebrae, Spinal canal, IVDs, Mean; HD95 added last. */
export function formatTable2(rows: readonly Table2Row[], title = '', distanceUnit = 'mm'): string {
  const head = ['Class', 'IoU', 'Dice', `ASD (${distanceUnit})`, 'NSD', 'Precision', 'Recall', 'F1', `HD95 (${distanceUnit})`];
  const body = rows.map((r) => [r.label, cell(r.iou), cell(r.dice), cell(r.asd), cell(r.nsd), cell(r.precision), cell(r.recall), cell(r.f1), cell(r.hd95, 3)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const out = [title, line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].filter((s) => s !== '');
  const excluded = rows.filter((r) => r.label !== 'Mean' && r.infiniteAsd > 0);
  if (excluded.length > 0) out.push(`ASD/HD95 means leave out cases where one surface is empty (infinite): ${excluded.map((r) => `${r.label} ${r.infiniteAsd}`).join(', ')}`);
  return out.join('\n');
}

/** JSON.stringify replacer writing Infinity as "Infinity" (JSON has no infinities). */
export function jsonNumbers(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  return value;
}

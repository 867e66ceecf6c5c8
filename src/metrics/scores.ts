// Per-class segmentation scores and their conventions (the paper's Table 2 metrics).
//
// Overlap scores, from confusion counts of one case (row = truth, column = prediction):
//   IoU = TP / (TP + FP + FN), Dice = 2TP / (2TP + FP + FN), precision = TP / (TP + FP),
//   recall = TP / (TP + FN), F1 = harmonic mean of precision and recall.
// Empty-class conventions (never NaN):
//   - class absent from BOTH prediction and truth: every score is null ("n/a"), left out of means;
//   - class only in the truth (nothing predicted): precision = 0 (zero_division = 0, as scikit-learn),
//     recall = 0, IoU = Dice = F1 = 0;
//   - class only in the prediction: recall = 0, precision = 0, IoU = Dice = F1 = 0.
// Surface scores, from the distances of each surface voxel to the other surface (src/kernels/surface.ts):
//   ASD = mean of the pooled distances of both surfaces (symmetric: sum over prediction surface voxels of
//         the distance to the truth surface plus the converse, over |S_p| + |S_g|), in mm;
//   HD95 = 95th percentile of the same pooled distances, numpy's default "linear" definition
//          (sorted d, position 0.95 (n - 1), linear interpolation between neighbours), in mm;
//   NSD = fraction of the pooled surface voxels whose distance to the other surface is <= tau mm
//         (both surfaces, as Nikolov et al. count it per voxel instead of per surface area; the paper's
//         formula counts only truth voxels, that one-sided value is reported as nsdTruth).
//   Empty conventions: no surface in either (class absent from both) -> null; exactly one surface empty
//   -> ASD = HD95 = Infinity, NSD = 0 (JSON writes Infinity as the string "Infinity").
// Default tau: DEFAULT_NSD_TAU_MM = 1 mm (a bit more than one 0.6 mm pixel, under two; configurable).

export const DEFAULT_NSD_TAU_MM = 1;

export interface OverlapScores {
  iou: number | null;
  dice: number | null;
  precision: number | null;
  recall: number | null;
  f1: number | null;
  /** voxel counts behind the scores */
  tp: number;
  fp: number;
  fn: number;
}

export interface SurfaceScores {
  asd: number | null;
  hd95: number | null;
  nsd: number | null;
  /** fraction of truth surface voxels within tau of the prediction surface (the paper's one-sided NSD) */
  nsdTruth: number | null;
  predSurfaceVoxels: number;
  truthSurfaceVoxels: number;
}

/** A confusion matrix of one case: counts[t * numClasses + p]. */
export interface ConfusionMatrix {
  numClasses: number;
  counts: Float64Array;
}

export function overlapScores(cm: ConfusionMatrix, cls: number): OverlapScores {
  const C = cm.numClasses;
  let predCount = 0;
  let truthCount = 0;
  for (let k = 0; k < C; k++) {
    predCount += cm.counts[k * C + cls];
    truthCount += cm.counts[cls * C + k];
  }
  const tp = cm.counts[cls * C + cls];
  const fp = predCount - tp;
  const fn = truthCount - tp;
  if (predCount === 0 && truthCount === 0) return { iou: null, dice: null, precision: null, recall: null, f1: null, tp, fp, fn };
  const precision = predCount === 0 ? 0 : tp / predCount;
  const recall = truthCount === 0 ? 0 : tp / truthCount;
  return {
    iou: tp / (tp + fp + fn),
    dice: (2 * tp) / (2 * tp + fp + fn),
    precision,
    recall,
    f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
    tp,
    fp,
    fn,
  };
}

/** Sum of several cases' confusion matrices (pooled counts). */
export function sumConfusion(cms: readonly ConfusionMatrix[]): ConfusionMatrix {
  const C = cms[0]?.numClasses ?? 0;
  const counts = new Float64Array(C * C);
  for (const cm of cms) for (let i = 0; i < counts.length; i++) counts[i] += cm.counts[i];
  return { numClasses: C, counts };
}

/** numpy's default ("linear") percentile of ascending values; q in [0, 100]. */
export function percentileLinear(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new Error('percentile of an empty list');
  const pos = (q / 100) * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  if (pos === lo) return sorted[lo];
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** ASD, HD95, NSD from the two directed distance lists of one (case, class). */
export function surfaceScores(predToTruth: ArrayLike<number>, truthToPred: ArrayLike<number>, tauMm = DEFAULT_NSD_TAU_MM): SurfaceScores {
  const np = predToTruth.length;
  const nt = truthToPred.length;
  const base = { predSurfaceVoxels: np, truthSurfaceVoxels: nt };
  if (np === 0 && nt === 0) return { asd: null, hd95: null, nsd: null, nsdTruth: null, ...base };
  if (np === 0 || nt === 0) return { asd: Infinity, hd95: Infinity, nsd: 0, nsdTruth: 0, ...base };
  const all = new Float64Array(np + nt);
  let sum = 0;
  let within = 0;
  let withinTruth = 0;
  for (let i = 0; i < np; i++) {
    const d = predToTruth[i];
    all[i] = d;
    sum += d;
    if (d <= tauMm) within++;
  }
  for (let i = 0; i < nt; i++) {
    const d = truthToPred[i];
    all[np + i] = d;
    sum += d;
    if (d <= tauMm) {
      within++;
      withinTruth++;
    }
  }
  all.sort();
  return { asd: sum / all.length, hd95: percentileLinear(all, 95), nsd: within / all.length, nsdTruth: withinTruth / nt, ...base };
}

/** Mean of the non-null values (null when there are none). Infinity propagates. */
export function meanOf(values: readonly (number | null)[]): number | null {
  let s = 0;
  let n = 0;
  for (const v of values) {
    if (v === null) continue;
    s += v;
    n++;
  }
  return n === 0 ? null : s / n;
}

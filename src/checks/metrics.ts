// Checks of the metrics family (confusion counts, exact EDT, surface distances) against
// src/reference/metrics.ts: brute-force EDT on small masks, hand-computed ASD / NSD / HD95 cases and the
// empty-class conventions. Runs in Node (test/metrics.test.ts) and on the browser test page.
import type { Check, CheckResult } from './harness.ts';
import { compare } from './harness.ts';
import { Tensor } from '../graph/tensor.ts';
import { Rng } from '../util/random.ts';
import * as ref from '../reference/metrics.ts';
import { exactEdt, edtToHost } from '../kernels/edt.ts';
import { surfaceDistances } from '../kernels/surface.ts';
import { confusionMatrix, overlapScoresGpu } from '../metrics/overlap.ts';
import { surfaceScores } from '../metrics/scores.ts';
import { evaluateCases } from '../metrics/evaluate.ts';

export const checks: Check[] = [];

const edtTol = { atol: 2e-4, rtol: 2e-5 };

/** Compares values that may be null or Infinity: those must match exactly, finite ones to tolerance. */
export function compareScores(what: string, got: readonly (number | null)[], want: readonly (number | null)[], tol = { atol: 1e-5, rtol: 1e-5 }): CheckResult {
  if (got.length !== want.length || want.length === 0) return { pass: false, maxAbsErr: Infinity, detail: `${what}: got ${got.length} values, want ${want.length} (got [${got.join(', ')}], want [${want.join(', ')}])` };
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    const ok = w === null || g === null ? g === w : Number.isFinite(w) ? Number.isFinite(g) && Math.abs(g - w) <= tol.atol + tol.rtol * Math.abs(w) : g === w;
    if (!ok || (typeof g === 'number' && Number.isNaN(g))) return { pass: false, maxAbsErr: Infinity, detail: `${what}: element ${i} got ${g}, want ${w} (got [${got.join(', ')}], want [${want.join(', ')}])` };
  }
  return { pass: true, maxAbsErr: 0, detail: `${what}: ${want.length} values match` };
}

function randomMask(rng: Rng, n: number, density: number): Uint32Array {
  return Uint32Array.from({ length: n }, () => (rng.next() < density ? 1 : 0));
}

/** EDT of a batch [B, D, H, W] (2-D when dims has 2 entries) against the brute-force reference per image. */
async function edtCheck(images: Uint32Array[], dims: number[], spacing: number[]): Promise<CheckResult> {
  const [D, H, W] = dims.length === 2 ? [1, dims[0], dims[1]] : dims;
  const voxels = D * H * W;
  const shape = dims.length === 2 ? [images.length, H, W] : [images.length, D, H, W];
  const data = new Uint32Array(images.length * voxels);
  images.forEach((m, i) => data.set(m, i * voxels));
  const seeds = Tensor.fromData(data, shape, 'u32', 'seeds');
  const out = exactEdt(seeds, spacing);
  const got = await edtToHost(out);
  seeds.dispose();
  out.dispose();
  const sp: ref.Spacing3 = spacing.length === 2 ? [1, spacing[0], spacing[1]] : [spacing[0], spacing[1], spacing[2]];
  const want = new Float64Array(got.length);
  images.forEach((m, i) => want.set(ref.bruteForceEdt(m, [D, H, W], sp), i * voxels));
  // infinities (empty masks) must match exactly; compare() sees them as NaN errors, so map them first
  for (let i = 0; i < want.length; i++) {
    if (want[i] === Infinity || got[i] === Infinity) {
      if (want[i] !== got[i]) return { pass: false, maxAbsErr: Infinity, detail: `EDT [${shape}] element ${i}: got ${got[i]}, want ${want[i]}` };
      want[i] = got[i] = -1;
    }
  }
  return compare(`EDT spacing [${spacing}]`, got, want, shape, edtTol);
}

{
  const rng = new Rng(11);
  const H = 13;
  const W = 7;
  const n = H * W;
  const single = new Uint32Array(n);
  single[5 * W + 3] = 1;
  const batch = [randomMask(rng, n, 0.08), new Uint32Array(n), new Uint32Array(n).fill(1), single, randomMask(rng, n, 0.02)];
  checks.push({ name: 'metrics/edt 2-D 5x13x7 (random, empty, full, one pixel) spacing 0.6x3.3 vs brute force', run: () => edtCheck(batch, [H, W], [0.6, 3.3]) });
  const big = [randomMask(rng, 37 * 29, 0.01), randomMask(rng, 37 * 29, 0.2), randomMask(rng, 37 * 29, 0.003)];
  checks.push({ name: 'metrics/edt 2-D 3x37x29 spacing 3.3x0.6 vs brute force', run: () => edtCheck(big, [37, 29], [3.3, 0.6]) });
  const v = 5 * 7 * 6;
  const single3 = new Uint32Array(v);
  single3[(2 * 7 + 6) * 6 + 0] = 1;
  const vols = [randomMask(rng, v, 0.05), single3, new Uint32Array(v), randomMask(rng, v, 0.01)];
  checks.push({ name: 'metrics/edt 3-D 4x5x7x6 (random, one voxel, empty) spacing 3.3x0.6x0.9 vs brute force', run: () => edtCheck(vols, [5, 7, 6], [3.3, 0.6, 0.9]) });
  const vols2 = [randomMask(rng, 9 * 4 * 11, 0.03), new Uint32Array(9 * 4 * 11).fill(1)];
  checks.push({ name: 'metrics/edt 3-D 2x9x4x11 (random, full) spacing 0.8x2.5x0.6 vs brute force', run: () => edtCheck(vols2, [9, 4, 11], [0.8, 2.5, 0.6]) });
}

/** Random label maps with blobs, so classes have real surfaces. */
function blobLabels(rng: Rng, D: number, H: number, W: number, numClasses: number, blobs: number): Uint32Array {
  const out = new Uint32Array(D * H * W);
  for (let b = 0; b < blobs; b++) {
    const c = 1 + rng.int(numClasses - 1);
    const cd = rng.uniform(0, D);
    const ch = rng.uniform(0, H);
    const cw = rng.uniform(0, W);
    const r = rng.uniform(1, Math.max(2, Math.min(H, W) / 3));
    for (let d = 0; d < D; d++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) if ((d - cd) ** 2 * (D > 1 ? 4 : 0) + (h - ch) ** 2 + (w - cw) ** 2 < r * r) out[(d * H + h) * W + w] = c;
  }
  return out;
}

checks.push({
  name: 'metrics/confusion hand-built 2x3x4 masks and random 3x13x7 vs reference',
  run: async () => {
    // image 0: truth [[0,1,1,2],[0,1,2,2],[3,3,0,0]], pred with 3 disagreements
    const t0 = [0, 1, 1, 2, 0, 1, 2, 2, 3, 3, 0, 0];
    const p0 = [0, 1, 2, 2, 0, 0, 2, 2, 3, 1, 0, 0];
    const t1 = new Array(12).fill(0);
    const p1 = new Array(12).fill(0);
    const pred = Tensor.fromData([...p0, ...p1], [2, 3, 4], 'u32');
    const truth = Tensor.fromData([...t0, ...t1], [2, 3, 4], 'u32');
    const scores = await overlapScoresGpu(pred, truth, 4);
    pred.dispose();
    truth.dispose();
    // truth class 1 at indices {1,2,5}; pred class 1 at {1,9}: TP = 1, FP = 1, FN = 2
    // truth class 2 at {3,6,7}; pred class 2 at {2,3,6,7}: TP = 3, FP = 1, FN = 0
    // truth class 3 at {8,9}; pred class 3 at {8}: TP = 1, FP = 0, FN = 1
    const s = scores.perImage[0];
    const want = [1 / 4, 2 / 5, 1 / 2, 1 / 3, 3 / 4, 6 / 7, 3 / 4, 1, 1 / 2, 2 / 3, 1, 1 / 2];
    const got = [s[1].iou, s[1].dice, s[1].precision, s[1].recall, s[2].iou, s[2].dice, s[2].precision, s[2].recall, s[3].iou, s[3].dice, s[3].precision, s[3].recall];
    let r = compareScores('hand-built image 0 IoU/Dice/precision/recall of classes 1..3', got, want);
    if (!r.pass) return r;
    // image 1 is all background: the foreground classes are not applicable (null), never NaN or 1
    const empty = scores.perImage[1].slice(1).flatMap((c) => [c.iou, c.dice, c.precision, c.recall, c.f1]);
    r = compareScores('all-background image: classes 1..3 are n/a', empty, new Array(15).fill(null));
    if (!r.pass) return r;
    const rng = new Rng(3);
    const shape = [3, 13, 7];
    const a = Uint32Array.from({ length: 273 }, () => rng.int(4));
    const b = Uint32Array.from({ length: 273 }, () => rng.int(4));
    const ta = Tensor.fromData(a, shape, 'u32');
    const tb = Tensor.fromData(b, shape, 'u32');
    const cms = await confusionMatrix(ta, tb, 4);
    ta.dispose();
    tb.dispose();
    const gotCounts: number[] = [];
    const wantCounts: number[] = [];
    for (let i = 0; i < 3; i++) {
      gotCounts.push(...cms[i].counts);
      wantCounts.push(...ref.referenceConfusion(a.subarray(i * 91, (i + 1) * 91), b.subarray(i * 91, (i + 1) * 91), 4));
    }
    return compare('random confusion counts', gotCounts, wantCounts, [3, 4, 4], { atol: 0, rtol: 0 });
  },
});

/**
 * A confusion matrix of 2 images of 4 pixels where one side holds a label >= 4 classes must be refused with an error
 * naming image 1 (the second). Shared with scripts/mutate-wgsl-checks.ts, which sends the bad label on either side.
 */
export async function confusionRefusal(pred: number[], truth: number[], what: string): Promise<CheckResult> {
  const P = Tensor.fromData(pred, [2, 4], 'u32');
  const T = Tensor.fromData(truth, [2, 4], 'u32');
  try {
    await confusionMatrix(P, T, 4);
    return { pass: false, maxAbsErr: Infinity, detail: `${what} was accepted` };
  } catch (e) {
    const msg = (e as Error).message;
    return { pass: /image 1/.test(msg), maxAbsErr: 0, detail: msg };
  } finally {
    P.dispose();
    T.dispose();
  }
}

checks.push({
  name: 'metrics/confusion label >= numClasses is an error naming the image',
  run: () => confusionRefusal([0, 1, 2, 3, 0, 1, 7, 0], [0, 1, 2, 3, 0, 1, 2, 0], 'label 7 with 4 classes'),
});

function square(H: number, W: number, r0: number, c0: number, size: number, cls = 1): Uint32Array {
  const m = new Uint32Array(H * W);
  for (let r = r0; r < r0 + size; r++) for (let c = c0; c < c0 + size; c++) m[r * W + c] = cls;
  return m;
}

checks.push({
  name: 'metrics/surface two 5x5 squares shifted by 2 px: hand-computed ASD / HD95 / NSD',
  run: async () => {
    // 20x20, truth square rows 5..9 cols 5..9.
    // (a) pred shifted 2 columns, spacing 1x1 mm: per surface distances {0 x6, 1 x4, 2 x6}: ASD 1, HD95 2, NSD(1 mm) 20/32.
    // (b) pred shifted 2 rows, spacing 0.5x3 mm: per surface {0 x6, 0.5 x2, 1 x8}: ASD 9/16, HD95 1, NSD(0.75 mm) 1/2.
    const H = 20;
    const W = 20;
    const truth = square(H, W, 5, 5, 5);
    const cases: [Uint32Array, number[], number, number[]][] = [
      [square(H, W, 5, 7, 5), [1, 1], 1, [1, 2, 20 / 32]],
      [square(H, W, 7, 5, 5), [0.5, 3], 0.75, [9 / 16, 1, 1 / 2]],
    ];
    for (const [pred, spacing, tau, want] of cases) {
      const tp = Tensor.fromData(pred, [1, H, W], 'u32');
      const tt = Tensor.fromData(truth, [1, H, W], 'u32');
      const [l] = await surfaceDistances(tp, tt, spacing, { numClasses: 2 });
      tp.dispose();
      tt.dispose();
      const s = surfaceScores(l.predToTruth, l.truthToPred, tau);
      const r = compareScores(`spacing [${spacing}] tau ${tau}: ASD, HD95, NSD`, [s.asd, s.hd95, s.nsd, s.predSurfaceVoxels, s.truthSurfaceVoxels], [...want, 16, 16]);
      if (!r.pass) return r;
      const rf = ref.referenceSurfaceScores(pred, truth, [1, H, W], [1, spacing[0], spacing[1]], 1, tau, ref.bruteForceEdt);
      const r2 = compareScores('brute-force reference agrees with the hand values', [rf.asd, rf.hd95, rf.nsd], want);
      if (!r2.pass) return r2;
    }
    return { pass: true, maxAbsErr: 0, detail: 'both shifted-square cases match the hand values' };
  },
});

async function surfaceVsReference(dims: [number, number, number], spacing: [number, number, number], count: number, seed: number): Promise<CheckResult> {
  const rng = new Rng(seed);
  const [D, H, W] = dims;
  const voxels = D * H * W;
  const cases = Array.from({ length: count }, (_, i) => ({
    name: `case${i}`,
    pred: blobLabels(rng, D, H, W, 4, 6),
    truth: blobLabels(rng, D, H, W, 4, 6),
    dims,
    spacing,
  }));
  // one case with a class only in the truth, one with nothing at all
  cases[0].pred = cases[0].pred.map((v) => (v === 2 ? 0 : v));
  if (count > 1) {
    cases[1].pred = new Uint32Array(voxels);
    cases[1].truth = new Uint32Array(voxels);
  }
  const tau = 1.5;
  const results = await evaluateCases(cases, { tauMm: tau });
  const got: (number | null)[] = [];
  const want: (number | null)[] = [];
  cases.forEach((c, i) => {
    const cm = ref.referenceConfusion(c.pred, c.truth, 4);
    for (let cls = 1; cls < 4; cls++) {
      const s = results[i].classes[cls - 1];
      const rs = ref.referenceSurfaceScores(c.pred, c.truth, dims, spacing, cls, tau, ref.bruteForceEdt);
      const ro = ref.referenceClassScores(cm, 4, cls);
      got.push(s.asd, s.hd95, s.nsd, s.iou, s.dice, s.precision, s.recall, s.f1);
      want.push(rs.asd, rs.hd95, rs.nsd, ro.iou, ro.dice, ro.precision, ro.recall, ro.f1);
    }
  });
  return compareScores(`[${count}, ${dims}] spacing [${spacing}]: per case and class ASD, HD95, NSD, IoU, Dice, P, R, F1`, got, want, { atol: 1e-4, rtol: 1e-4 });
}

checks.push({ name: 'metrics/evaluate 2-D 3 cases 23x19 spacing 0.6x3.3 vs reference (incl. empty classes)', run: () => surfaceVsReference([1, 23, 19], [1, 0.6, 3.3], 3, 21) });
checks.push({ name: 'metrics/evaluate 3-D 2 cases 6x11x9 spacing 3.3x0.6x0.7 vs reference', run: () => surfaceVsReference([6, 11, 9], [3.3, 0.6, 0.7], 2, 22) });

checks.push({
  name: 'metrics/surface empty conventions: one side empty = Infinity / NSD 0, both empty = n/a',
  run: async () => {
    const H = 9;
    const W = 8;
    const sq = square(H, W, 2, 2, 3);
    const none = new Uint32Array(H * W);
    const pred = new Uint32Array([...sq, ...none, ...none]);
    const truth = new Uint32Array([...none, ...sq, ...none]);
    const tp = Tensor.fromData(pred, [3, H, W], 'u32');
    const tt = Tensor.fromData(truth, [3, H, W], 'u32');
    const lists = await surfaceDistances(tp, tt, [0.6, 0.6], { numClasses: 2 });
    const ov = await overlapScoresGpu(tp, tt, 2);
    tp.dispose();
    tt.dispose();
    const got: (number | null)[] = [];
    for (let i = 0; i < 3; i++) {
      const s = surfaceScores(lists[i].predToTruth, lists[i].truthToPred, 1);
      const o = ov.perImage[i][1];
      got.push(s.asd, s.hd95, s.nsd, o.dice, o.precision, o.recall);
    }
    const want = [Infinity, Infinity, 0, 0, 0, 0, Infinity, Infinity, 0, 0, 0, 0, null, null, null, null, null, null];
    return compareScores('[pred only, truth only, neither] ASD, HD95, NSD, Dice, precision, recall', got, want);
  },
});

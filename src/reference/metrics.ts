// Plain float64 references for the metrics family, independent of the GPU code:
// confusion counts, a brute-force EDT (tiny masks only), a CPU separable exact EDT
// (Felzenszwalb-Huttenlocher, the benchmark baseline), boundary extraction and ASD / HD95 / NSD.
//
// Volumes are row-major [D, H, W] (W fastest); a 2-D image is D = 1. Spacing is [sd, sh, sw] in mm.
// Conventions are the ones documented in src/metrics/scores.ts; this file restates them in code only.

export type Shape3 = readonly [number, number, number];
export type Spacing3 = readonly [number, number, number];

/** Confusion counts, row = truth class, column = predicted class: cm[t * C + p]. */
export function referenceConfusion(pred: ArrayLike<number>, truth: ArrayLike<number>, numClasses: number): Float64Array {
  const cm = new Float64Array(numClasses * numClasses);
  for (let i = 0; i < pred.length; i++) cm[truth[i] * numClasses + pred[i]]++;
  return cm;
}

export interface ReferenceClassScores {
  iou: number | null;
  dice: number | null;
  precision: number | null;
  recall: number | null;
  f1: number | null;
}

/** IoU, Dice, precision, recall, F1 of class c from confusion counts (null when c is in neither map). */
export function referenceClassScores(cm: ArrayLike<number>, numClasses: number, c: number): ReferenceClassScores {
  let tp = 0;
  let predCount = 0;
  let truthCount = 0;
  for (let k = 0; k < numClasses; k++) {
    predCount += cm[k * numClasses + c];
    truthCount += cm[c * numClasses + k];
  }
  tp = cm[c * numClasses + c];
  const fp = predCount - tp;
  const fn = truthCount - tp;
  if (predCount === 0 && truthCount === 0) return { iou: null, dice: null, precision: null, recall: null, f1: null };
  const precision = predCount === 0 ? 0 : tp / predCount;
  const recall = truthCount === 0 ? 0 : tp / truthCount;
  return {
    iou: tp / (tp + fp + fn),
    dice: (2 * tp) / (2 * tp + fp + fn),
    precision,
    recall,
    f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
  };
}

/** Distance (mm) from every voxel to the nearest non-zero voxel of `seeds`, by trying every seed. Infinity when there is none. */
export function bruteForceEdt(seeds: ArrayLike<number>, shape: Shape3, spacing: Spacing3): Float64Array {
  const [D, H, W] = shape;
  const pts: number[][] = [];
  for (let d = 0; d < D; d++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) if (seeds[(d * H + h) * W + w]) pts.push([d * spacing[0], h * spacing[1], w * spacing[2]]);
  const out = new Float64Array(D * H * W);
  for (let d = 0; d < D; d++)
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++) {
        let best = Infinity;
        const z = d * spacing[0];
        const y = h * spacing[1];
        const x = w * spacing[2];
        for (const p of pts) best = Math.min(best, (p[0] - z) ** 2 + (p[1] - y) ** 2 + (p[2] - x) ** 2);
        out[(d * H + h) * W + w] = Math.sqrt(best);
      }
  return out;
}

/**
 * One Felzenszwalb-Huttenlocher pass over a line: d[q] = min_p f[p] + s^2 (q - p)^2, f Infinity for "no seed".
 * Works in place on `line` with caller-provided scratch (v: n, z: n + 1).
 */
function envelope1d(line: Float64Array, n: number, s2: number, v: Int32Array, z: Float64Array, out: Float64Array): void {
  let k = -1;
  for (let q = 0; q < n; q++) {
    const fq = line[q];
    if (fq === Infinity) continue;
    if (k < 0) {
      k = 0;
      v[0] = q;
      z[0] = -Infinity;
      z[1] = Infinity;
      continue;
    }
    // z[0] = -Infinity stops the pop loop at the first parabola
    let s = ((fq - line[v[k]]) / (s2 * (q - v[k])) + (q + v[k])) / 2;
    while (s <= z[k]) {
      k--;
      s = ((fq - line[v[k]]) / (s2 * (q - v[k])) + (q + v[k])) / 2;
    }
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = Infinity;
  }
  if (k < 0) {
    out.fill(Infinity, 0, n);
    return;
  }
  let j = 0;
  for (let q = 0; q < n; q++) {
    while (z[j + 1] < q) j++;
    const p = v[j];
    out[q] = s2 * (q - p) * (q - p) + line[p];
  }
}

/**
 * Exact EDT (mm) to the nearest non-zero voxel by the separable lower-envelope algorithm in float64:
 * rows (W), then columns (H), then slices (D). Infinity when there is no seed. O(voxels) per axis.
 */
export function separableEdt(seeds: ArrayLike<number>, shape: Shape3, spacing: Spacing3): Float64Array {
  const [D, H, W] = shape;
  const f = new Float64Array(D * H * W);
  for (let i = 0; i < f.length; i++) f[i] = seeds[i] ? 0 : Infinity;
  const n = Math.max(D, H, W);
  const line = new Float64Array(n);
  const out = new Float64Array(n);
  const v = new Int32Array(n);
  const z = new Float64Array(n + 1);
  const axes: [number, number, number][] = [
    [W, 1, spacing[2]],
    [H, W, spacing[1]],
    [D, H * W, spacing[0]],
  ];
  for (const [len, stride, sp] of axes) {
    if (len === 1) continue;
    const s2 = sp * sp;
    const outer = f.length / (len * stride);
    for (let o = 0; o < outer; o++)
      for (let i = 0; i < stride; i++) {
        const base = o * len * stride + i;
        for (let q = 0; q < len; q++) line[q] = f[base + q * stride];
        envelope1d(line, len, s2, v, z, out);
        for (let q = 0; q < len; q++) f[base + q * stride] = out[q];
      }
  }
  for (let i = 0; i < f.length; i++) f[i] = Math.sqrt(f[i]);
  return f;
}

/**
 * Surface voxels of class c: voxels of class c with a 4-neighbour (D = 1) or 6-neighbour (D > 1) of another
 * class; voxels on the image border count as surface (outside the image is background, as scipy's
 * binary_erosion with border_value=0 that MONAI's get_mask_edges uses).
 */
export function referenceBoundary(labels: ArrayLike<number>, shape: Shape3, c: number): Uint8Array {
  const [D, H, W] = shape;
  const out = new Uint8Array(D * H * W);
  const at = (d: number, h: number, w: number) => labels[(d * H + h) * W + w];
  for (let d = 0; d < D; d++)
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++) {
        if (at(d, h, w) !== c) continue;
        let edge = h === 0 || h === H - 1 || w === 0 || w === W - 1;
        if (!edge) edge = at(d, h - 1, w) !== c || at(d, h + 1, w) !== c || at(d, h, w - 1) !== c || at(d, h, w + 1) !== c;
        if (!edge && D > 1) edge = d === 0 || d === D - 1 || at(d - 1, h, w) !== c || at(d + 1, h, w) !== c;
        if (edge) out[(d * H + h) * W + w] = 1;
      }
  return out;
}

/** numpy's default percentile (linear interpolation between closest ranks) of sorted values. */
export function referencePercentile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = (q / 100) * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  return pos === lo ? sorted[lo] : sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export interface ReferenceSurfaceScores {
  /** symmetric average surface distance (mm); Infinity when exactly one surface is empty; null when both are */
  asd: number | null;
  /** 95th percentile of the pooled distances (mm), same empty conventions */
  hd95: number | null;
  /** fraction of both surfaces' voxels within tau mm (<=) of the other surface; 0 when one is empty; null when both are */
  nsd: number | null;
  predPoints: number;
  truthPoints: number;
}

/** Surface metrics of class c between two label volumes, using `edt` (brute force for tiny masks, separable otherwise). */
export function referenceSurfaceScores(
  pred: ArrayLike<number>,
  truth: ArrayLike<number>,
  shape: Shape3,
  spacing: Spacing3,
  c: number,
  tau: number,
  edt: (seeds: ArrayLike<number>, shape: Shape3, spacing: Spacing3) => Float64Array = separableEdt,
): ReferenceSurfaceScores {
  const bp = referenceBoundary(pred, shape, c);
  const bt = referenceBoundary(truth, shape, c);
  const distToPred = edt(bp, shape, spacing);
  const distToTruth = edt(bt, shape, spacing);
  const dists: number[] = [];
  let predPoints = 0;
  let truthPoints = 0;
  for (let i = 0; i < bp.length; i++) {
    if (bp[i]) {
      predPoints++;
      dists.push(distToTruth[i]);
    }
    if (bt[i]) {
      truthPoints++;
      dists.push(distToPred[i]);
    }
  }
  if (dists.length === 0) return { asd: null, hd95: null, nsd: null, predPoints, truthPoints };
  if (predPoints === 0 || truthPoints === 0) return { asd: Infinity, hd95: Infinity, nsd: 0, predPoints, truthPoints };
  dists.sort((a, b) => a - b);
  let sum = 0;
  let within = 0;
  for (const d of dists) {
    sum += d;
    if (d <= tau) within++;
  }
  return { asd: sum / dists.length, hd95: referencePercentile(dists, 95), nsd: within / dists.length, predPoints, truthPoints };
}

/**
 * Crops prediction and truth to the box of class c in either map, grown by one voxel (clamped to the
 * image), so surfaces and their distances are unchanged: the margin holds no class-c voxel, and the image
 * border stays the border where the box touches it. Null when class c is in neither map.
 */
export function cropToClassBox(pred: ArrayLike<number>, truth: ArrayLike<number>, shape: Shape3, c: number): { pred: Uint8Array; truth: Uint8Array; shape: Shape3 } | null {
  const [D, H, W] = shape;
  const lo = [D, H, W];
  const hi = [-1, -1, -1];
  for (let d = 0; d < D; d++)
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++) {
        const i = (d * H + h) * W + w;
        if (pred[i] !== c && truth[i] !== c) continue;
        lo[0] = Math.min(lo[0], d);
        lo[1] = Math.min(lo[1], h);
        lo[2] = Math.min(lo[2], w);
        hi[0] = Math.max(hi[0], d);
        hi[1] = Math.max(hi[1], h);
        hi[2] = Math.max(hi[2], w);
      }
  if (hi[0] < 0) return null;
  const dims = [D, H, W];
  for (let a = 0; a < 3; a++) {
    lo[a] = Math.max(0, lo[a] - 1);
    hi[a] = Math.min(dims[a] - 1, hi[a] + 1);
  }
  const cs: Shape3 = [hi[0] - lo[0] + 1, hi[1] - lo[1] + 1, hi[2] - lo[2] + 1];
  // a margin voxel is never class c, so it is background for the surface rule; but a crop edge that is
  // not the image border must not count as border: keep one voxel of margin there (done above), and
  // where the box touches the image border the crop border is the image border.
  const p = new Uint8Array(cs[0] * cs[1] * cs[2]);
  const t = new Uint8Array(p.length);
  for (let d = 0; d < cs[0]; d++)
    for (let h = 0; h < cs[1]; h++)
      for (let w = 0; w < cs[2]; w++) {
        const src = ((d + lo[0]) * H + h + lo[1]) * W + w + lo[2];
        const dst = (d * cs[1] + h) * cs[2] + w;
        p[dst] = pred[src] === c ? 1 : 0;
        t[dst] = truth[src] === c ? 1 : 0;
      }
  return { pred: p, truth: t, shape: cs };
}

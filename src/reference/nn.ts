// Plain float64 references of the NN ops (src/graph/nn.ts, src/graph/optim.ts), written for clarity and
// independent of the GPU code: two-pass statistics, softmax materialised, losses unfused.
export type F64 = Float64Array;

export interface BatchNormRefResult {
  y: F64;
  mean: F64;
  /** biased batch variance (divided by N*H*W) */
  variance: F64;
}

/** Training-mode batch norm of x viewed as [rows, C]: batch mean and biased variance per channel. */
export function batchNormTrainRef(x: F64, gamma: F64, beta: F64, c: number, epsilon: number): BatchNormRefResult {
  const rows = x.length / c;
  const mean = new Float64Array(c);
  const variance = new Float64Array(c);
  for (let r = 0; r < rows; r++) for (let k = 0; k < c; k++) mean[k] += x[r * c + k];
  for (let k = 0; k < c; k++) mean[k] /= rows;
  for (let r = 0; r < rows; r++) for (let k = 0; k < c; k++) variance[k] += (x[r * c + k] - mean[k]) ** 2;
  for (let k = 0; k < c; k++) variance[k] /= rows;
  return { y: batchNormInferRef(x, gamma, beta, mean, variance, epsilon), mean, variance };
}

/** y = gamma (x - mean) / sqrt(var + epsilon) + beta with given per-channel statistics. */
export function batchNormInferRef(x: F64, gamma: F64, beta: F64, mean: F64, variance: F64, epsilon: number): F64 {
  const c = gamma.length;
  return x.map((v, i) => {
    const k = i % c;
    return (gamma[k] * (v - mean[k])) / Math.sqrt(variance[k] + epsilon) + beta[k];
  });
}

/** Keras moving-statistics update: running * momentum + batch * (1 - momentum). */
export function movingAverageRef(running: F64, batch: F64, momentum: number): F64 {
  return running.map((r, k) => r * momentum + batch[k] * (1 - momentum));
}

export function leakyReluRef(x: F64, alpha: number): F64 {
  return x.map((v) => (v > 0 ? v : alpha * v));
}

/** 2x2 stride-2 max pool of NHWC [n,h,w,c]; odd trailing rows/columns dropped. */
export function maxPool2x2Ref(x: F64, n: number, h: number, w: number, c: number): F64 {
  const oh = Math.floor(h / 2);
  const ow = Math.floor(w / 2);
  const out = new Float64Array(n * oh * ow * c);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let k = 0; k < c; k++) {
          let m = -Infinity;
          for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 2; dx++) m = Math.max(m, x[((b * h + 2 * i + dy) * w + 2 * j + dx) * c + k]);
          out[((b * oh + i) * ow + j) * c + k] = m;
        }
  return out;
}

/** Gradient of maxPool2x2Ref: each window's g goes to its first maximal cell; dropped rows/columns get 0. */
export function maxPool2x2BackwardRef(x: F64, g: F64, n: number, h: number, w: number, c: number): F64 {
  const oh = Math.floor(h / 2);
  const ow = Math.floor(w / 2);
  const dx = new Float64Array(x.length);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let k = 0; k < c; k++) {
          let best = -1;
          for (let cell = 0; cell < 4; cell++) {
            const at = ((b * h + 2 * i + (cell >> 1)) * w + 2 * j + (cell & 1)) * c + k;
            if (best < 0 || x[at] > x[best]) best = at;
          }
          dx[best] = g[((b * oh + i) * ow + j) * c + k];
        }
  return dx;
}

/** The mask hash of shaders/dropout.wgsl, in u32 arithmetic: pcg(pcg(pcg(seed) ^ i) + seed). */
function pcg(v: number): number {
  const state = (Math.imul(v >>> 0, 747796405) + 2891336453) >>> 0;
  const word = Math.imul(((state >>> ((state >>> 28) + 4)) ^ state) >>> 0, 277803737) >>> 0;
  return ((word >>> 22) ^ word) >>> 0;
}

/** 1 where dropout keeps element i for this seed and rate, else 0. */
export function dropoutKeepRef(n: number, rate: number, seed: number): Uint8Array {
  const keep = new Uint8Array(n);
  const s = seed >>> 0;
  const ps = pcg(s);
  for (let i = 0; i < n; i++) {
    const h = pcg((pcg((ps ^ i) >>> 0) + s) >>> 0);
    keep[i] = (h >>> 8) / 16777216 >= rate ? 1 : 0;
  }
  return keep;
}

export function dropoutRef(x: F64, rate: number, seed: number): F64 {
  const keep = dropoutKeepRef(x.length, rate, seed);
  return x.map((v, i) => (keep[i] ? v / (1 - rate) : 0));
}

/** Channel concat of [rows, ca] and [rows, cb]. */
export function concatChannelsRef(a: F64, b: F64, ca: number, cb: number): F64 {
  const rows = a.length / ca;
  const out = new Float64Array(rows * (ca + cb));
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < ca; k++) out[r * (ca + cb) + k] = a[r * ca + k];
    for (let k = 0; k < cb; k++) out[r * (ca + cb) + ca + k] = b[r * cb + k];
  }
  return out;
}

export function softmaxRef(logits: F64, c: number): F64 {
  const out = new Float64Array(logits.length);
  for (let px = 0; px < logits.length / c; px++) {
    let m = -Infinity;
    for (let k = 0; k < c; k++) m = Math.max(m, logits[px * c + k]);
    let s = 0;
    for (let k = 0; k < c; k++) s += Math.exp(logits[px * c + k] - m);
    for (let k = 0; k < c; k++) out[px * c + k] = Math.exp(logits[px * c + k] - m) / s;
  }
  return out;
}

export function argmaxRef(logits: F64, c: number): Uint32Array {
  const out = new Uint32Array(logits.length / c);
  for (let px = 0; px < out.length; px++) {
    let best = 0;
    for (let k = 1; k < c; k++) if (logits[px * c + k] > logits[px * c + best]) best = k;
    out[px] = best;
  }
  return out;
}

export interface FocalDiceRefOptions {
  gamma: number;
  alpha: number;
  focalWeight: number;
  diceWeight: number;
  smooth: number;
}

/**
 * Unfused combined loss: p = softmax, y = one-hot(labels) (a label >= C is an all-zero row),
 * focal = mean over pixels of sum_c -alpha y (1-p)^gamma log p,
 * dice = mean over classes of (2 sum p y + s) / (sum p + sum y + s),
 * loss = focalWeight * focal + diceWeight * (1 - dice).
 */
export function focalDiceRef(logits: F64, labels: ArrayLike<number>, c: number, o: FocalDiceRefOptions): number {
  const p = softmaxRef(logits, c);
  const pixels = labels.length;
  const y = new Float64Array(pixels * c);
  for (let px = 0; px < pixels; px++) if (labels[px] < c) y[px * c + labels[px]] = 1;
  let focal = 0;
  for (let i = 0; i < p.length; i++) if (y[i] > 0) focal += -o.alpha * y[i] * (1 - p[i]) ** o.gamma * Math.log(p[i]);
  focal /= pixels;
  let dice = 0;
  for (let k = 0; k < c; k++) {
    let inter = 0;
    let sp = 0;
    let sy = 0;
    for (let px = 0; px < pixels; px++) {
      inter += p[px * c + k] * y[px * c + k];
      sp += p[px * c + k];
      sy += y[px * c + k];
    }
    dice += (2 * inter + o.smooth) / (sp + sy + o.smooth);
  }
  dice /= c;
  return o.focalWeight * focal + o.diceWeight * (1 - dice);
}

export interface AdamRefOptions {
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

/** Keras Adam applied for grads.length steps starting at step `t0` (0 = fresh) with moments m, v. */
export function adamRef(param: F64, grads: F64[], o: AdamRefOptions, start?: { t0: number; m: F64; v: F64 }): { param: F64; m: F64; v: F64 } {
  const p = Float64Array.from(param);
  const m = start ? Float64Array.from(start.m) : new Float64Array(p.length);
  const v = start ? Float64Array.from(start.v) : new Float64Array(p.length);
  let t = start?.t0 ?? 0;
  for (const g of grads) {
    t++;
    const lrT = (o.lr * Math.sqrt(1 - o.beta2 ** t)) / (1 - o.beta1 ** t);
    for (let i = 0; i < p.length; i++) {
      m[i] = m[i] + (g[i] - m[i]) * (1 - o.beta1);
      v[i] = v[i] + (g[i] * g[i] - v[i]) * (1 - o.beta2);
      p[i] -= (lrT * m[i]) / (Math.sqrt(v[i]) + o.epsilon);
    }
  }
  return { param: p, m, v };
}

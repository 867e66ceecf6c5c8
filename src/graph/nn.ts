// Differentiable neural-network ops of the paper's U-Net (NHWC tensors): batch normalisation, leaky ReLU,
// 2x2 max pooling, dropout, channel concatenation, the fused softmax + focal/Dice loss, and the
// inference-only softmax / argmax. Each op calls its kernels and records its gradient rule beside it.
import { Tensor } from './tensor.ts';
import { record } from './autograd.ts';
import { reshape } from './ops.ts';
import { batchNormStats, batchNormApply, batchNormBackward } from '../kernels/batchnorm.ts';
import { leakyReluForward, leakyReluBackward } from '../kernels/leaky_relu.ts';
import { maxPoolForward, maxPoolBackward } from '../kernels/maxpool.ts';
import { dropoutMask } from '../kernels/dropout.ts';
import { concatForward, splitChannels } from '../kernels/concat.ts';
import { focalDiceSums, focalDiceFinish, focalDiceBackward, type FocalDiceParams } from '../kernels/focal_dice.ts';
import { softmaxChannels, argmaxChannels as argmaxKernel } from '../kernels/softmax.ts';

export interface BatchNormState {
  /** [C], updated in place on the GPU by every training-mode call */
  runningMean: Tensor;
  /** [C], updated in place with the biased batch variance (Keras 3 convention) */
  runningVar: Tensor;
}

export interface BatchNormOptions {
  training: boolean;
  /** Keras default 0.99: running = running * momentum + batch * (1 - momentum) */
  momentum?: number;
  /** Keras default 1e-3, added to the variance */
  epsilon?: number;
  /**
   * x is the output of a fused conv + ReLU (conv2d with `relu` and `gradientMasked`) whose only consumer is this
   * BatchNorm: the ReLU's gradient mask (x > 0) is applied as dx is written, instead of by the conv's backward
   */
  reluInput?: boolean;
}

/**
 * Keras BatchNormalization over the channel (last) axis of an NHWC tensor. Training: batch mean and
 * biased variance over N,H,W; running statistics updated in place. Inference: running statistics.
 * Gradients for x, gamma and beta in both modes (training includes the batch statistics' dependence on x).
 */
export function batchNorm(x: Tensor, gamma: Tensor, beta: Tensor, state: BatchNormState, opts: BatchNormOptions): Tensor {
  const c = x.shape[x.shape.length - 1];
  for (const [what, t] of [['gamma', gamma], ['beta', beta], ['runningMean', state.runningMean], ['runningVar', state.runningVar]] as const) {
    if (t.size !== c) throw new Error(`batchNorm: ${what} [${t.shape}] does not match the ${c} channels of x [${x.shape}]`);
  }
  const training = opts.training;
  const stats = batchNormStats(x, state.runningMean, state.runningVar, training, opts.momentum ?? 0.99, opts.epsilon ?? 1e-3);
  const y = batchNormApply(x, stats, gamma, beta);
  return record(y, {
    op: 'batchNorm',
    inputs: [x, gamma, beta],
    backward: (g) => {
      const { dx, dgamma, dbeta } = batchNormBackward(g, x, stats, gamma, training, opts.reluInput ?? false);
      return [dx, shaped(dgamma, gamma.shape), shaped(dbeta, beta.shape)];
    },
    release: () => stats.dispose(),
  });
}

/** `t` viewed as `shape`; the original handle is released (the view keeps the storage). */
function shaped(t: Tensor, shape: readonly number[]): Tensor {
  if (t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i])) return t;
  const v = t.reshape(shape);
  t.dispose();
  return v;
}

/** Leaky ReLU, y = x > 0 ? x : alpha x (the paper's upsample blocks: alpha 0.1). */
export function leakyRelu(x: Tensor, alpha = 0.1): Tensor {
  return record(leakyReluForward(x, alpha), { op: 'leakyRelu', inputs: [x], backward: (g) => [leakyReluBackward(g, x, alpha)] });
}

/**
 * 2x2 max pooling, stride 2, NHWC: [N,H,W,C] -> [N,floor(H/2),floor(W/2),C] (Keras 'valid': an odd last
 * row/column is dropped and gets zero gradient). Backward routes each gradient to its window's max;
 * ties go to the first cell in row-major order.
 */
export function maxPool2x2(x: Tensor): Tensor {
  const { out, argmax } = maxPoolForward(x);
  return record(out, {
    op: 'maxPool2x2',
    inputs: [x],
    backward: (g) => [maxPoolBackward(g, argmax, x.shape)],
    release: () => argmax.dispose(),
  });
}

export interface DropoutOptions {
  training: boolean;
  /** u32 seed of the mask; use a new one every step (e.g. step * layers + layer) */
  seed: number;
}

/**
 * Inverted dropout: in training each element is kept with probability 1 - rate and scaled by
 * 1 / (1 - rate); the mask is a hash of (seed, element index), recomputed in backward. Identity at
 * inference (returns a view of x).
 */
export function dropout(x: Tensor, rate: number, opts: DropoutOptions): Tensor {
  if (!opts.training || rate === 0) return reshape(x, x.shape);
  const seed = opts.seed >>> 0;
  return record(dropoutMask(x, rate, seed), { op: 'dropout', inputs: [x], backward: (g) => [dropoutMask(g, rate, seed)] });
}

/** [..., Ca] ++ [..., Cb] -> [..., Ca+Cb] along the channel axis (U-Net skip connections). */
export function concatChannels(a: Tensor, b: Tensor): Tensor {
  return record(concatForward(a, b), { op: 'concatChannels', inputs: [a, b], backward: (g) => splitChannels(g, a.shape, b.shape) });
}

export interface FocalDiceOptions {
  /** focal exponent (paper: 4); must be >= 1 */
  gamma?: number;
  /** focal class weight alpha, the same for every class (default 1) */
  alpha?: number;
  /** weight of the focal term (paper: 0.6) */
  focalWeight?: number;
  /** weight of the Dice term (paper: 0.4) */
  diceWeight?: number;
  /** Dice smoothing s, in numerator and denominator (default 1): an absent class scores s / (sum p + s) */
  smooth?: number;
}

export const focalDiceDefaults: FocalDiceParams = { gamma: 4, alpha: 1, focalWeight: 0.6, diceWeight: 0.4, smooth: 1 };

/**
 * The paper's combined loss from NHWC logits [N,H,W,C] and u32 labels [N,H,W], as a [1] tensor:
 *   focalWeight * mean over pixels of sum_c -alpha y_c (1 - p_c)^gamma log p_c
 *   + diceWeight * (1 - mean over classes of (2 sum p_c y_c + s) / (sum p_c + sum y_c + s)),
 * p = softmax(logits), sums over every pixel of the batch. Softmax is fused in (never stored); the
 * gradient flows to the logits only.
 */
export function focalDiceLoss(logits: Tensor, labels: Tensor, opts: FocalDiceOptions = {}): Tensor {
  const o: FocalDiceParams = { ...focalDiceDefaults, ...opts };
  if (!(o.gamma >= 1)) throw new Error(`focalDiceLoss: gamma ${o.gamma} < 1 makes the gradient unbounded at p = 1`);
  if (!(o.smooth > 0)) throw new Error(`focalDiceLoss: smooth ${o.smooth} must be > 0 so an absent class stays finite`);
  const sums = focalDiceSums(logits, labels, o);
  const loss = focalDiceFinish(logits, labels, sums, o);
  return record(loss, {
    op: 'focalDiceLoss',
    inputs: [logits],
    backward: (g) => [focalDiceBackward(logits, labels, sums, g, o)],
    release: () => sums.dispose(),
  });
}

/** Per-pixel class probabilities (inference; not differentiable). */
export function softmax(logits: Tensor): Tensor {
  return softmaxChannels(logits);
}

/** Per-pixel predicted class as u32 [N,H,W] (ties: lowest class). */
export function argmaxChannels(logits: Tensor): Tensor {
  return argmaxKernel(logits);
}

// Batch normalisation kernels (shaders/batchnorm_stats.wgsl, shaders/batchnorm_apply.wgsl) over an NHWC
// tensor viewed as [rows = N*H*W, C]. Per-channel reductions run in parallel: row chunks across
// workgroups (batchnorm_stats), then column_sum over the chunk partials.
import { gpu } from '../runtime/gpu.ts';
import { defineKernel } from './runner.ts';
import { columnSum } from './reduce.ts';
import { Tensor } from '../runtime/tensor.ts';

export const bnMomentsKernel = defineKernel({ name: 'batchnorm_moments', shader: 'batchnorm_stats', entry: 'moments', doc: 'per-chunk shifted sums of x and x^2 per channel' });
export const bnGradSumsKernel = defineKernel({ name: 'batchnorm_grad_sums', shader: 'batchnorm_stats', entry: 'gradSums', doc: 'per-chunk sums of g and g*xhat per channel' });
export const bnFinalizeKernel = defineKernel({ name: 'batchnorm_finalize', shader: 'batchnorm_apply', entry: 'finalize', doc: 'mean/invstd per channel; running statistics update in training' });
export const bnAffineKernel = defineKernel({ name: 'batchnorm_affine', shader: 'batchnorm_apply', entry: 'affine', doc: 'inference BatchNorm folded into [scale(C), shift(C)] for a fused conv epilogue' });
export const bnForwardKernel = defineKernel({ name: 'batchnorm_forward', shader: 'batchnorm_apply', entry: 'forward', doc: 'y = gamma (x - mean) invstd + beta' });
export const bnBackwardKernel = defineKernel({ name: 'batchnorm_backward', shader: 'batchnorm_apply', entry: 'backward', doc: 'dx, dgamma, dbeta from the column sums' });

export interface BatchNormDims {
  rows: number;
  c: number;
}

export function bnDims(shape: readonly number[]): BatchNormDims {
  const c = shape[shape.length - 1];
  return { rows: shape.reduce((a, b) => a * b, 1) / c, c };
}

/** [2C] column sums of one of the two batchnorm_stats reductions. */
function channelSums(kernel: typeof bnMomentsKernel, buffers: Record<string, Tensor>, { rows, c }: BatchNormDims): Tensor {
  // the shader's threads (256) as `lanes` row lanes x `cw` channels
  const threads = kernel.threads;
  const cw = Math.min(c, threads);
  const lanes = Math.floor(threads / cw);
  const blocks = Math.ceil(c / cw);
  // enough row chunks to fill the GPU (each thread still sums >= 16 rows), at most 4096 workgroups
  const chunks = Math.max(1, Math.min(Math.ceil(rows / (lanes * 16)), Math.ceil(4096 / blocks), 65535));
  const rowsPerChunk = Math.ceil(rows / chunks);
  const used = Math.ceil(rows / rowsPerChunk);
  const partial = Tensor.empty(used === 1 ? [2 * c] : [used, 2 * c]);
  kernel.dispatch(gpu(), { ...buffers, partial }, { rows, c, rowsPerChunk, cw, lanes }, [blocks, used]);
  if (used === 1) return partial;
  const sums = columnSum(partial, used, 2 * c);
  partial.dispose();
  return sums;
}

/**
 * Statistics [mean(C), invstd(C)]: from the batch when training (and then the running statistics are
 * updated in place), from the running statistics at inference.
 */
export function batchNormStats(x: Tensor, runningMean: Tensor, runningVar: Tensor, training: boolean, momentum: number, epsilon: number): Tensor {
  const d = bnDims(x.shape);
  const g = gpu();
  const statsOut = Tensor.empty([2 * d.c]);
  // at inference the finalize kernel ignores `sums`; x stands in (a read-only binding may repeat)
  const sums = training ? channelSums(bnMomentsKernel, { x }, d) : x;
  bnFinalizeKernel.dispatch(g, { x, sums, runningMean, runningVar, statsOut }, { ...d, training: training ? 1 : 0, momentum, epsilon }, [bnFinalizeKernel.groupsFor(d.c)]);
  if (sums !== x) sums.dispose();
  return statsOut;
}

export function batchNormApply(x: Tensor, stats: Tensor, gamma: Tensor, beta: Tensor): Tensor {
  const d = bnDims(x.shape);
  const y = Tensor.empty(x.shape);
  bnForwardKernel.dispatch(gpu(), { x, stats, gamma, beta, y }, { ...d, training: 0, momentum: 0, epsilon: 0 }, bnForwardKernel.grid(x.size));
  return y;
}

/**
 * dx, dgamma, dbeta. `training` selects whether the batch statistics' dependence on x is included; `reluMask`
 * also multiplies dx by (x > 0), the gradient mask of a ReLU that produced x.
 */
export function batchNormBackward(g: Tensor, x: Tensor, stats: Tensor, gamma: Tensor, training: boolean, reluMask = false): { dx: Tensor; dgamma: Tensor; dbeta: Tensor } {
  const d = bnDims(x.shape);
  const sums = channelSums(bnGradSumsKernel, { x, g, stats }, d);
  const dx = Tensor.empty(x.shape);
  const dgamma = Tensor.empty([d.c]);
  const dbeta = Tensor.empty([d.c]);
  bnBackwardKernel.dispatch(gpu(), { x, stats, gamma, g, sums, dgamma, dbeta, dx }, { ...d, training: training ? 1 : 0, momentum: 0, epsilon: 0 }, bnBackwardKernel.grid(x.size), reluMask ? { RELU_MASK: 1 } : undefined);
  sums.dispose();
  return { dx, dgamma, dbeta };
}

/**
 * Inference BatchNorm as a per-channel affine [scale(C), shift(C)] (scale = gamma / sqrt(runningVar + epsilon),
 * shift = beta - runningMean * scale), for a convolution's fused epilogue (src/kernels/epilogue.ts).
 */
export function batchNormInferenceAffine(gamma: Tensor, beta: Tensor, runningMean: Tensor, runningVar: Tensor, epsilon: number): Tensor {
  const c = gamma.size;
  for (const [what, t] of [['beta', beta], ['runningMean', runningMean], ['runningVar', runningVar]] as const) {
    if (t.size !== c) throw new Error(`batchNormInferenceAffine: ${what} [${t.shape}] does not match gamma [${gamma.shape}]`);
  }
  const y = Tensor.empty([2 * c]);
  bnAffineKernel.dispatch(gpu(), { gamma, beta, runningMean, runningVar, y }, { rows: 1, c, training: 0, momentum: 0, epsilon }, [bnAffineKernel.groupsFor(c)]);
  return y;
}

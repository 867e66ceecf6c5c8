// The U-Net's composite ops, where the graph layer decides fusion: with fused epilogues on (the `fusedEpilogues`
// setting of src/kernels/epilogue.ts, the default) every conv + bias + ReLU is one convolution pass; at inference
// without gradients the BatchNorm after a block's first ReLU, and the upsample blocks' BatchNorm + LeakyReLU, are
// folded into the convolution's output write too, so no separate elementwise pass remains; in training the ReLU
// gradient mask of a block's first conv is applied by the BatchNorm after it (its only consumer). Off, each op runs on
// its own (the reference the fused path is checked against). The model says what to compute, never how.
import type { Tensor } from './tensor.ts';
import { isGradEnabled } from './autograd.ts';
import { relu } from './ops.ts';
import { conv2d, conv2dTranspose } from './conv.ts';
import { batchNorm, dropout, leakyRelu } from './nn.ts';
import { batchNormInferenceAffine } from '../kernels/batchnorm.ts';
import { fusedEpilogues } from '../kernels/epilogue.ts';

/** Keras BatchNormalization's epsilon, which `batchNorm` uses by default. */
export const BN_EPSILON = 1e-3;

export interface ConvWeights {
  /** HWIO [k, k, C, O] (Conv2DTranspose: [k, k, O, C]) */
  kernel: Tensor;
  bias: Tensor;
}

export interface BatchNormWeights {
  gamma: Tensor;
  beta: Tensor;
  movingMean: Tensor;
  movingVariance: Tensor;
}

export interface BlockMode {
  training: boolean;
  /** BatchNorm moving-average momentum (training mode updates the moving statistics in place) */
  bnMomentum: number;
  /**
   * With fusion on: the conv + ReLU before a BatchNorm leaves its ReLU gradient mask to BatchNorm's backward,
   * which reads that ReLU output anyway (default true; false runs the mask as a pass of its own, for benchmarks)
   */
  reluMaskInBatchNorm?: boolean;
}

/** Whether this call may fold inference BatchNorm / LeakyReLU into a convolution: fusion on, inference, no tape. */
function fuseInference(mode: BlockMode): boolean {
  return fusedEpilogues() && !mode.training && !isGradEnabled();
}

function batchNormLayer(h: Tensor, bn: BatchNormWeights, mode: BlockMode, reluInput = false): Tensor {
  return batchNorm(h, bn.gamma, bn.beta, { runningMean: bn.movingMean, runningVar: bn.movingVariance }, { training: mode.training, momentum: mode.bnMomentum, epsilon: BN_EPSILON, reluInput });
}

/** Runs `f` with the inference BatchNorm of `bn` as a [2, C] affine, disposed afterwards. */
function withBatchNormAffine(bn: BatchNormWeights, f: (affine: Tensor) => Tensor): Tensor {
  const affine = batchNormInferenceAffine(bn.gamma, bn.beta, bn.movingMean, bn.movingVariance, BN_EPSILON);
  const y = f(affine);
  affine.dispose();
  return y;
}

/** relu(conv2d(h) + bias), 'same' padding: one pass with fusion on. */
export function convRelu(h: Tensor, conv: ConvWeights): Tensor {
  return fusedEpilogues() ? conv2d(h, conv.kernel, conv.bias, { relu: true }) : relu(conv2d(h, conv.kernel, conv.bias));
}

/**
 * The first half of the paper's conv block: Conv + ReLU, BatchNorm, Dropout(rate) seeded by `dropoutSeed`.
 * Training with fusion on: the ReLU's gradient mask is applied by BatchNorm's backward (`reluMaskInBatchNorm`).
 * At inference with fusion on: one convolution whose epilogue is ReLU then the BatchNorm affine (dropout is the
 * identity there).
 */
export function convReluBatchNormDropout(h: Tensor, conv: ConvWeights, bn: BatchNormWeights, mode: BlockMode & { rate: number; dropoutSeed: number }): Tensor {
  if (fuseInference(mode)) return withBatchNormAffine(bn, (affine) => conv2d(h, conv.kernel, conv.bias, { relu: true, affine }));
  // the ReLU output's only consumer is the BatchNorm: its backward applies the ReLU mask (no pass of its own)
  const maskInBn = fusedEpilogues() && (mode.reluMaskInBatchNorm ?? true);
  const a = maskInBn ? conv2d(h, conv.kernel, conv.bias, { relu: true }, { gradientMasked: true }) : convRelu(h, conv);
  const y = batchNormLayer(a, bn, mode, maskInBn);
  return dropout(y, mode.rate, { training: mode.training, seed: mode.dropoutSeed });
}

/** The paper's upsample block: Conv2DTranspose (stride 2), BatchNorm, LeakyReLU(alpha); one pass at inference with fusion on. */
export function upsampleBatchNormLeaky(h: Tensor, convT: ConvWeights, bn: BatchNormWeights, mode: BlockMode & { kernel: 2 | 3; leakyAlpha: number }): Tensor {
  if (fuseInference(mode)) return withBatchNormAffine(bn, (affine) => conv2dTranspose(h, convT.kernel, convT.bias, { kernel: mode.kernel }, { affine, leakyAlpha: mode.leakyAlpha }));
  return leakyRelu(batchNormLayer(conv2dTranspose(h, convT.kernel, convT.bias, { kernel: mode.kernel }), bn, mode), mode.leakyAlpha);
}

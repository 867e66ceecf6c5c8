// Fused epilogues (shaders/include/epilogue.wgsl): what a convolution applies to conv + bias as it writes its
// output, instead of separate passes that each read and write the whole activation again:
//   relu        ReLU                                     (every conv block of the U-Net, training too)
//   affine      per-channel v * scale + shift, a [2, O]  (inference BatchNorm, batchNormInferenceAffine)
//   leakyAlpha  LeakyReLU with this slope                (the decoder's upsample blocks)
// in that order. Every convolution forward kernel takes one (conv2d_register, conv2d_register_oc,
// conv2d_tiled, winograd_output); gradient passes write with none. The `fusedEpilogues` setting turns
// fusion off (SPINESEG_FUSE=0, or withSettings({ fusedEpilogues: false }, ...) in benchmarks that compare both).
import type { Tensor } from '../runtime/tensor.ts';
import { setting } from '../runtime/settings.ts';

export interface Epilogue {
  relu?: boolean;
  /** [2 * O]: scale(O) then shift(O) */
  affine?: Tensor | null;
  leakyAlpha?: number;
}

export const EPI_RELU = 1;
export const EPI_AFFINE = 2;
export const EPI_LEAKY = 4;

/** The kernels' uniforms (epi bits, alpha) and the buffer to bind as `affine` (`fallback` when there is none). */
export function epilogueBinding(e: Epilogue | undefined, O: number, fallback: Tensor): { epi: number; alpha: number; affine: Tensor } {
  if (!e) return { epi: 0, alpha: 0, affine: fallback };
  if (e.affine && e.affine.size !== 2 * O) throw new Error(`fused epilogue: affine [${e.affine.shape}] must hold scale and shift for ${O} channels (${2 * O} values)`);
  if (e.leakyAlpha !== undefined && !Number.isFinite(e.leakyAlpha)) throw new Error(`fused epilogue: LeakyReLU alpha ${e.leakyAlpha} is not a number`);
  const epi = (e.relu ? EPI_RELU : 0) | (e.affine ? EPI_AFFINE : 0) | (e.leakyAlpha !== undefined ? EPI_LEAKY : 0);
  return { epi, alpha: e.leakyAlpha ?? 0, affine: e.affine ?? fallback };
}

/** Whether models fuse bias + BatchNorm + activation into their convolutions (the `fusedEpilogues` setting, default on). */
export function fusedEpilogues(): boolean {
  return setting('fusedEpilogues');
}

// GPU data augmentation of a training batch at the graph level, so the model's training step calls an op here
// instead of reaching into the kernels. Not differentiable: the batch is data, with no gradient to carry.
import { Tensor } from './tensor.ts';
import { augmentSpatial, augmentIntensity, AUG_STRIDE } from '../kernels/augment.ts';

/** The per-sample parameter layout the augmentation kernels read (src/kernels/augment.ts), for code that draws them. */
export { AUG, AUG_GRID, AUG_STRIDE, identityAugParams } from '../kernels/augment.ts';

/**
 * Augments a batch x [N, H, W, 1] with labels y [N, H, W] by `augParams` (AUG_STRIDE floats per sample): the
 * spatial warp (image bilinear, labels nearest) then the intensity transforms, recorded into the open submission.
 */
export function augmentBatch(x: Tensor, y: Tensor, augParams: Float32Array): { x: Tensor; y: Tensor } {
  if (augParams.length !== x.shape[0]! * AUG_STRIDE) throw new Error(`augmentBatch: ${augParams.length} augmentation parameters for ${x.shape[0]} samples (${AUG_STRIDE} each)`);
  const params = Tensor.fromData(augParams, [augParams.length]);
  const warped = augmentSpatial(x, y, params);
  return { x: augmentIntensity(warped.x, params), y: warped.y };
}

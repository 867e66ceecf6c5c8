// Confusion counts of predicted vs true label maps on the GPU (shaders/confusion_matrix.wgsl): the only
// thing read back is [images, C*C + 1] counts, so the training loop can score validation batches that are
// already on the GPU without copying the label maps.
import { gpu } from '../runtime/gpu.ts';
import { defineKernel } from './runner.ts';
import { Tensor } from '../runtime/tensor.ts';

export const confusionKernel = defineKernel({
  name: 'confusion_matrix',
  shader: 'confusion_matrix',
  doc: 'per-image confusion counts of two u32 label maps (workgroup atomics, then one global add per cell)',
});

/** Classes the workgroup matrix holds (array<atomic<u32>, 16>). */
export const MAX_CONFUSION_CLASSES = 4;

/**
 * Records the confusion counts of `pred` vs `truth` (u32 label tensors of the same shape; the first
 * dimension is the image / volume index, the rest is flattened). Returns a u32 tensor
 * [images, numClasses^2 + 1]: cell truth * numClasses + pred, then the count of labels >= numClasses.
 */
export function confusionCounts(pred: Tensor, truth: Tensor, numClasses = 4): Tensor {
  if (pred.dtype !== 'u32' || truth.dtype !== 'u32') throw new Error(`confusionCounts: label maps must be u32 tensors (got ${pred.dtype} and ${truth.dtype})`);
  if (pred.shape.join(',') !== truth.shape.join(',')) throw new Error(`confusionCounts: prediction [${pred.shape}] and truth [${truth.shape}] differ in shape`);
  if (!Number.isInteger(numClasses) || numClasses < 1 || numClasses > MAX_CONFUSION_CLASSES) throw new Error(`confusionCounts: numClasses ${numClasses} is not in 1..${MAX_CONFUSION_CLASSES}`);
  const images = pred.shape.length > 1 ? pred.shape[0] : 1;
  const pixels = images === 0 ? 0 : pred.size / images;
  const stride = numClasses * numClasses + 1;
  const counts = Tensor.fromData(new Uint32Array(Math.max(1, images * stride)), [Math.max(1, images), stride], 'u32', 'confusion');
  if (pixels === 0) return counts;
  const g = gpu();
  const maxWg = g.limits.maxComputeWorkgroupsPerDimension;
  // a few dozen workgroups per image fill the machine; each of a workgroup's threads (256) counts >= 64 pixels privately
  const threads = confusionKernel.threads;
  const chunk = Math.max(threads * 64, Math.ceil(pixels / Math.min(maxWg, 256) / threads) * threads);
  const groups = Math.ceil(pixels / chunk);
  for (let imageBase = 0; imageBase < images; imageBase += maxWg) {
    const n = Math.min(maxWg, images - imageBase);
    confusionKernel.dispatch(g, { pred, truth, counts }, { pixels, numClasses, chunk, stride, imageBase }, [groups, n]);
  }
  return counts;
}

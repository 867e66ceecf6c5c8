// Channel softmax and argmax of NHWC logits for inference (shaders/softmax.wgsl).
import { gpu } from '../runtime/gpu.ts';
import { defineKernel } from './runner.ts';
import { Tensor } from '../runtime/tensor.ts';

export const softmaxKernel = defineKernel({ name: 'softmax_channels', shader: 'softmax', entry: 'softmax', doc: 'per-pixel softmax over the channel axis' });
export const argmaxKernel = defineKernel({ name: 'argmax_channels', shader: 'softmax', entry: 'argmax', doc: 'per-pixel argmax over the channel axis (u32 labels)' });

export function softmaxChannels(logits: Tensor): Tensor {
  const c = logits.shape[logits.shape.length - 1];
  const pixels = logits.size / c;
  const probs = Tensor.empty(logits.shape);
  softmaxKernel.dispatch(gpu(), { logits, probs }, { pixels, c }, softmaxKernel.grid(pixels));
  return probs;
}

export function argmaxChannels(logits: Tensor): Tensor {
  const c = logits.shape[logits.shape.length - 1];
  const pixels = logits.size / c;
  const labels = Tensor.empty(logits.shape.slice(0, -1), 'u32');
  argmaxKernel.dispatch(gpu(), { logits, labels }, { pixels, c }, argmaxKernel.grid(pixels));
  return labels;
}

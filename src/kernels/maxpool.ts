// 2x2 stride-2 max pooling over NHWC (shaders/maxpool_2x2.wgsl). Odd H or W: the last row/column is
// dropped (floor), as Keras MaxPooling2D with 'valid' padding.
import { gpu } from '../runtime/gpu.ts';
import { defineKernel } from './runner.ts';
import { Tensor } from '../runtime/tensor.ts';

export const maxPoolForwardKernel = defineKernel({ name: 'maxpool_2x2_forward', shader: 'maxpool_2x2', entry: 'forward', doc: '2x2 stride-2 max pool (NHWC), keeps the winning cell 0..3' });
export const maxPoolBackwardKernel = defineKernel({ name: 'maxpool_2x2_backward', shader: 'maxpool_2x2', entry: 'backward', doc: 'routes each window gradient to its max (one thread writes a whole window)' });

function dims(shape: readonly number[]) {
  if (shape.length !== 4) throw new Error(`maxPool2x2: input [${shape}] is not NHWC`);
  const [n, h, w, c] = shape;
  return { n, h, w, c, oh: Math.floor(h / 2), ow: Math.floor(w / 2) };
}

/** Returns the pooled tensor and the winning cell of each window (u32, 0..3 = dy*2+dx). */
export function maxPoolForward(x: Tensor): { out: Tensor; argmax: Tensor } {
  const d = dims(x.shape);
  const out = Tensor.empty([d.n, d.oh, d.ow, d.c]);
  const argmax = Tensor.empty(out.shape, 'u32');
  maxPoolForwardKernel.dispatch(gpu(), { x, out, argmax }, d, maxPoolForwardKernel.grid(out.size));
  return { out, argmax };
}

export function maxPoolBackward(g: Tensor, argmax: Tensor, inputShape: readonly number[]): Tensor {
  const d = dims(inputShape);
  // H or W of 1: no window, the whole gradient is zero
  if (d.oh === 0 || d.ow === 0) return Tensor.zeros(inputShape);
  const dx = Tensor.empty(inputShape);
  maxPoolBackwardKernel.dispatch(gpu(), { g, winner: argmax, dx }, d, maxPoolBackwardKernel.grid(g.size));
  return dx;
}

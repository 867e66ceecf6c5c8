// Leaky ReLU forward and backward (shaders/leaky_relu.wgsl).
import { gpu } from '../runtime/gpu.ts';
import { defineKernel } from './runner.ts';
import { Tensor } from '../runtime/tensor.ts';

export const leakyReluForwardKernel = defineKernel({ name: 'leaky_relu_forward', shader: 'leaky_relu', entry: 'forward', doc: 'y = x > 0 ? x : alpha x' });
export const leakyReluBackwardKernel = defineKernel({ name: 'leaky_relu_backward', shader: 'leaky_relu', entry: 'backward', doc: 'dx = g * (x > 0 ? 1 : alpha)' });

export function leakyReluForward(x: Tensor, alpha: number): Tensor {
  const out = Tensor.empty(x.shape);
  leakyReluForwardKernel.dispatch(gpu(), { x, out }, { n: x.size, alpha }, leakyReluForwardKernel.grid(x.size));
  return out;
}

export function leakyReluBackward(g: Tensor, x: Tensor, alpha: number): Tensor {
  const out = Tensor.empty(x.shape);
  leakyReluBackwardKernel.dispatch(gpu(), { x, g, out }, { n: x.size, alpha }, leakyReluBackwardKernel.grid(x.size));
  return out;
}

// Elementwise kernels (shaders/binary.wgsl, shaders/unary.wgsl): add, sub, mul, ReLU and its backward, affine.
import { gpu } from '../runtime/gpu.ts';
import { defineKernel } from './runner.ts';
import { Tensor } from '../runtime/tensor.ts';

export const binaryKernel = defineKernel({ name: 'binary', shader: 'binary', doc: 'out = a (+ - * relu-backward) b, or b broadcast to a\'s shape' });
export const unaryKernel = defineKernel({ name: 'unary', shader: 'unary', doc: 'out = alpha * x + beta, or ReLU(x)' });

export const BinaryOp = { add: 0, sub: 1, mul: 2, reluBackward: 3, broadcast: 4 } as const;

/** b's shape must equal a trailing part of a's shape (or b has a single element). */
export function binary(op: keyof typeof BinaryOp, a: Tensor, b: Tensor): Tensor {
  const trailing = a.shape.slice(a.shape.length - b.shape.length);
  if (b.size !== 1 && (b.shape.length > a.shape.length || trailing.some((d, i) => d !== b.shape[i]))) {
    throw new Error(`${op}: shapes [${a.shape}] and [${b.shape}] do not broadcast (b must match a's trailing dimensions)`);
  }
  const out = Tensor.empty(a.shape);
  binaryKernel.dispatch(gpu(), { a, b, out }, { n: a.size, nb: b.size }, binaryKernel.grid(a.size), { OP: BinaryOp[op] });
  return out;
}

export function affine(x: Tensor, alpha: number, beta = 0): Tensor {
  const out = Tensor.empty(x.shape);
  unaryKernel.dispatch(gpu(), { x, out }, { n: x.size, alpha, beta }, unaryKernel.grid(x.size), { OP: 0 });
  return out;
}

export function reluForward(x: Tensor): Tensor {
  const out = Tensor.empty(x.shape);
  unaryKernel.dispatch(gpu(), { x, out }, { n: x.size, alpha: 1, beta: 0 }, unaryKernel.grid(x.size), { OP: 1 });
  return out;
}

export const axpyKernel = defineKernel({ name: 'axpy', shader: 'axpy', doc: 'in place y += alpha * x' });

/** In place: y += alpha * x (no autograd; optimizer updates). */
export function axpyInPlace(y: Tensor, alpha: number, x: Tensor): void {
  if (x.size !== y.size) throw new Error(`axpy: [${x.shape}] and [${y.shape}] differ in size`);
  axpyKernel.dispatch(gpu(), { x, y }, { n: y.size, alpha }, axpyKernel.grid(y.size));
}

// Differentiable building blocks. Each op calls its kernels for the forward pass and records its
// gradient rule beside it. Backward rules return fresh tensors (never the incoming gradient itself).
import { Tensor } from './tensor.ts';
import { record } from './autograd.ts';
import { binary, affine, reluForward } from '../kernels/elementwise.ts';
import { sumAll, columnSum } from '../kernels/reduce.ts';
import { matmulInto } from '../kernels/matmul.ts';
import { transpose2d } from '../kernels/transpose.ts';

/** Gradient of a broadcast operand: sum the upstream gradient over the broadcast (leading) dims. */
function reduceToShape(g: Tensor, shape: readonly number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n === g.size) return g.reshape(shape);
  if (n === 1) return sumAll(g).reshape(shape);
  return columnSum(g, g.size / n, n).reshape(shape);
}

export function add(a: Tensor, b: Tensor): Tensor {
  return record(binary('add', a, b), {
    op: 'add',
    inputs: [a, b],
    backward: (g) => [g.reshape(a.shape), reduceToShape(g, b.shape)],
  });
}

export function sub(a: Tensor, b: Tensor): Tensor {
  return record(binary('sub', a, b), {
    op: 'sub',
    inputs: [a, b],
    backward: (g) => {
      const neg = affine(g, -1);
      const gb = reduceToShape(neg, b.shape);
      neg.dispose(); // a view returned by reduceToShape keeps the storage alive
      return [g.reshape(a.shape), gb];
    },
  });
}

export function mul(a: Tensor, b: Tensor): Tensor {
  return record(binary('mul', a, b), {
    op: 'mul',
    inputs: [a, b],
    backward: (g) => {
      const ga = a.requiresGrad ? binary('mul', g, b) : null;
      let gb: Tensor | null = null;
      if (b.requiresGrad) {
        const full = binary('mul', g, a);
        gb = reduceToShape(full, b.shape);
        full.dispose();
      }
      return [ga, gb];
    },
  });
}

/** alpha * x */
export function scale(x: Tensor, alpha: number): Tensor {
  return record(affine(x, alpha), { op: 'scale', inputs: [x], backward: (g) => [affine(g, alpha)] });
}

export function relu(x: Tensor): Tensor {
  return record(reluForward(x), { op: 'relu', inputs: [x], backward: (g) => [binary('reluBackward', g, x)] });
}

export function sum(x: Tensor): Tensor {
  return record(sumAll(x), {
    op: 'sum',
    inputs: [x],
    backward: (g) => [binary('broadcast', x, g)],
  });
}

export function mean(x: Tensor): Tensor {
  const s = sumAll(x);
  const m = affine(s, 1 / x.size);
  s.dispose();
  return record(m, {
    op: 'mean',
    inputs: [x],
    backward: (g) => {
      const gs = affine(g, 1 / x.size);
      const out = binary('broadcast', x, gs);
      gs.dispose();
      return [out];
    },
  });
}

/** [M,K] @ [K,N] -> [M,N] */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.shape.length !== 2 || b.shape.length !== 2 || a.shape[1] !== b.shape[0]) throw new Error(`matmul: [${a.shape}] @ [${b.shape}]`);
  const [M, K] = a.shape;
  const N = b.shape[1];
  return record(matmulInto(a, b, M, N, K), {
    op: 'matmul',
    inputs: [a, b],
    backward: (g) => [
      a.requiresGrad ? matmulInto(g, b, M, K, N, { transB: true }) : null,
      b.requiresGrad ? matmulInto(a, g, K, N, M, { transA: true }) : null,
    ],
  });
}

/** [R,C] -> [C,R] */
export function transpose(x: Tensor): Tensor {
  if (x.shape.length !== 2) throw new Error(`transpose: [${x.shape}] is not 2-D`);
  const [R, C] = x.shape;
  return record(transpose2d(x, R, C), { op: 'transpose', inputs: [x], backward: (g) => [transpose2d(g, C, R)] });
}

/** A view with a new shape; its gradient is the upstream gradient viewed back. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const v = x.reshape(shape);
  return record(v, { op: 'reshape', inputs: [x], backward: (g) => [g.reshape(x.shape)] });
}

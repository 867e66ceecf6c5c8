// A two-layer perceptron on synthetic data: the engine's smallest end-to-end training job (setup check
// and memory-flatness test), independent of the U-Net kernels.
import { Tensor, keep, scoped } from '../../src/graph/tensor.ts';
import { backward } from '../../src/graph/autograd.ts';
import { add, matmul, mean, mul, relu, sub } from '../../src/graph/ops.ts';
import { axpyInPlace } from '../../src/kernels/elementwise.ts';
import { Rng } from '../../src/util/random.ts';

export interface MlpProblem {
  x: Tensor;
  y: Tensor;
  params: Tensor[];
}

/** Regression of y = sin(3 x0) + x1^2 from 2 inputs with one hidden layer. */
export function makeMlpProblem(samples = 64, hidden = 16, seed = 1): MlpProblem {
  const rng = new Rng(seed);
  const xs = new Float32Array(samples * 2);
  const ys = new Float32Array(samples);
  for (let i = 0; i < samples; i++) {
    const a = rng.uniform(-1, 1);
    const b = rng.uniform(-1, 1);
    xs[2 * i] = a;
    xs[2 * i + 1] = b;
    ys[i] = Math.sin(3 * a) + b * b;
  }
  const init = (n: number, fan: number) => Float32Array.from({ length: n }, () => rng.uniform(-1, 1) * Math.sqrt(3 / fan));
  const params = [
    Tensor.fromData(init(2 * hidden, 2), [2, hidden], 'f32', 'w1'),
    Tensor.zeros([hidden], 'f32', 'b1'),
    Tensor.fromData(init(hidden, hidden), [hidden, 1], 'f32', 'w2'),
    Tensor.zeros([1], 'f32', 'b2'),
  ].map((p) => {
    p.requiresGrad = true;
    return keep(p);
  });
  return { x: keep(Tensor.fromData(xs, [samples, 2])), y: keep(Tensor.fromData(ys, [samples, 1])), params };
}

/** One step of plain gradient descent; returns the loss tensor (caller reads or disposes it). */
export function mlpStep(p: MlpProblem, lr: number): Tensor {
  return scoped(() => {
    const [w1, b1, w2, b2] = p.params;
    const h = relu(add(matmul(p.x, w1), b1));
    const err = sub(add(matmul(h, w2), b2), p.y);
    const loss = mean(mul(err, err));
    backward(loss);
    for (const w of p.params) {
      axpyInPlace(w, -lr, w.grad!);
      w.grad!.dispose();
      w.grad = null;
    }
    loss.requiresGrad = false;
    loss.creator = null;
    return loss;
  });
}

export function disposeMlp(p: MlpProblem): void {
  [p.x, p.y, ...p.params].forEach((t) => t.dispose());
}

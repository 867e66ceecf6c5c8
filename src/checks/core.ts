// Checks of the core ops (src/graph/ops.ts) against src/reference/core.ts, forward and by finite differences.
import type { Check } from './harness.ts';
import { gradCheck, compare } from './harness.ts';
import * as ops from '../graph/ops.ts';
import * as ref from '../reference/core.ts';
import { Rng } from '../util/random.ts';
import { Tensor } from '../graph/tensor.ts';
import { matmulInto, type MatmulVariant } from '../kernels/matmul.ts';
import { gpu } from '../runtime/gpu.ts';

const tight = { atol: 1e-5, rtol: 1e-5 };
const gradTol = { atol: 2e-3, rtol: 2e-3 };

function input(rng: Rng, shape: number[], lo = -1, hi = 1) {
  return { shape, data: rng.array(shape.reduce((a, b) => a * b, 1), lo, hi) };
}

/** ReLU inputs kept away from the kink so finite differences are well defined. */
function awayFromZero(rng: Rng, shape: number[]) {
  const x = input(rng, shape);
  x.data = x.data.map((v) => (Math.abs(v) < 0.05 ? v + Math.sign(v || 1) * 0.1 : v));
  return x;
}

const elementwiseShapes: number[][] = [[1], [3], [7, 13], [3, 7, 33], [129, 257]];

export const checks: Check[] = [];

for (const shape of elementwiseShapes) {
  const s = shape.join('x');
  const rng = new Rng(shape.length * 1000 + shape[0]);
  const bShape = shape.slice(-1);
  checks.push(
    { name: `core/add ${s}`, run: () => gradCheck({ inputs: [input(rng, shape), input(rng, shape)], gpu: ([a, b]) => ops.add(a, b), reference: ([a, b]) => ref.addRef(a, b), outShape: shape, forwardTol: tight, gradTol }) },
    { name: `core/add broadcast ${s}+${bShape}`, run: () => gradCheck({ inputs: [input(rng, shape), input(rng, bShape)], gpu: ([a, b]) => ops.add(a, b), reference: ([a, b]) => ref.addRef(a, b), outShape: shape, forwardTol: tight, gradTol }) },
    { name: `core/sub ${s}`, run: () => gradCheck({ inputs: [input(rng, shape), input(rng, bShape)], gpu: ([a, b]) => ops.sub(a, b), reference: ([a, b]) => ref.subRef(a, b), outShape: shape, forwardTol: tight, gradTol }) },
    { name: `core/mul ${s}`, run: () => gradCheck({ inputs: [input(rng, shape), input(rng, shape)], gpu: ([a, b]) => ops.mul(a, b), reference: ([a, b]) => ref.mulRef(a, b), outShape: shape, forwardTol: tight, gradTol }) },
    { name: `core/mul broadcast ${s}*${bShape}`, run: () => gradCheck({ inputs: [input(rng, shape), input(rng, bShape)], gpu: ([a, b]) => ops.mul(a, b), reference: ([a, b]) => ref.mulRef(a, b), outShape: shape, forwardTol: tight, gradTol }) },
    { name: `core/scale ${s}`, run: () => gradCheck({ inputs: [input(rng, shape)], gpu: ([a]) => ops.scale(a, -2.5), reference: ([a]) => ref.scaleRef(a, -2.5), outShape: shape, forwardTol: tight, gradTol }) },
    { name: `core/relu ${s}`, run: () => gradCheck({ inputs: [awayFromZero(rng, shape)], gpu: ([a]) => ops.relu(a), reference: ([a]) => ref.reluRef(a), outShape: shape, forwardTol: tight, gradTol }) },
    { name: `core/sum ${s}`, run: () => gradCheck({ inputs: [input(rng, shape)], gpu: ([a]) => ops.sum(a), reference: ([a]) => ref.sumRef(a), outShape: [1], forwardTol: { atol: 1e-4, rtol: 1e-5 }, gradTol }) },
    { name: `core/mean ${s}`, run: () => gradCheck({ inputs: [input(rng, shape)], gpu: ([a]) => ops.mean(a), reference: ([a]) => ref.meanRef(a), outShape: [1], forwardTol: { atol: 1e-6, rtol: 1e-5 }, gradTol }) },
  );
}

// a sum large enough to need several reduction passes
checks.push({
  name: 'core/sum 1000003 (multi-pass)',
  run: () => gradCheck({ inputs: [input(new Rng(5), [1000003], 0, 1)], gpu: ([a]) => ops.sum(a), reference: ([a]) => ref.sumRef(a), outShape: [1], forwardTol: { atol: 0.05, rtol: 1e-5 }, gradTol, samples: 16 }),
});

for (const [R, C] of [[1, 1], [7, 33], [129, 17], [64, 48]]) {
  const rng = new Rng(R * 31 + C);
  checks.push({ name: `core/transpose ${R}x${C}`, run: () => gradCheck({ inputs: [input(rng, [R, C])], gpu: ([a]) => ops.transpose(a), reference: ([a]) => ref.transposeRef(a, R, C), outShape: [C, R], forwardTol: tight, gradTol }) });
}

checks.push({
  name: 'core/reshape 3x7x5 -> 21x5',
  run: () => {
    const rng = new Rng(3);
    return gradCheck({ inputs: [input(rng, [3, 7, 5])], gpu: ([a]) => ops.scale(ops.reshape(a, [21, 5]), 2), reference: ([a]) => ref.scaleRef(a, 2), outShape: [21, 5], forwardTol: tight, gradTol });
  },
});

const matmulShapes: [number, number, number][] = [[1, 1, 1], [7, 33, 129], [3, 17, 64], [33, 1, 7]];
for (const [M, K, N] of matmulShapes) {
  const rng = new Rng(M * 7 + K * 3 + N);
  const tol = { atol: 1e-4 * Math.sqrt(K), rtol: 1e-4 };
  checks.push({
    name: `core/matmul ${M}x${K}x${N} (M x K x N) forward+backward`,
    run: () => gradCheck({ inputs: [input(rng, [M, K]), input(rng, [K, N])], gpu: ([a, b]) => ops.matmul(a, b), reference: ([a, b]) => ref.matmulRef(a, b, M, K, N), outShape: [M, N], forwardTol: tol, gradTol }),
  });
}

/** Both matmul variants, with every transpose combination, against the reference. */
for (const variant of ['tiled', 'register'] as MatmulVariant[]) {
  for (const [M, K, N] of [[1, 1, 1], [7, 33, 129], [512, 512, 512]] as [number, number, number][]) {
    for (const [ta, tb] of M === 512 ? [[false, false]] : [[false, false], [true, false], [false, true]]) {
      checks.push({
        name: `core/matmul_${variant} ${M}x${K}x${N}${ta ? ' A^T' : ''}${tb ? ' B^T' : ''}`,
        run: async () => {
          const rng = new Rng(M + K + N + (ta ? 1 : 0) + (tb ? 2 : 0));
          const a = rng.array(M * K);
          const b = rng.array(K * N);
          // stored transposed when asked, so the same product is expected
          const aStored = ta ? ref.transposeRef(a, M, K) : a;
          const bStored = tb ? ref.transposeRef(b, K, N) : b;
          const A = Tensor.fromData(Float32Array.from(aStored), [aStored.length]);
          const B = Tensor.fromData(Float32Array.from(bStored), [bStored.length]);
          const C = matmulInto(A, B, M, N, K, { transA: ta, transB: tb, variant });
          const got = await C.read();
          const want = ref.matmulRef(Float64Array.from(Float32Array.from(a)), Float64Array.from(Float32Array.from(b)), M, K, N);
          [A, B, C].forEach((t) => t.dispose());
          await gpu().sync();
          return compare('C', got, want, [M, N], { atol: 1e-4 * Math.sqrt(K), rtol: 1e-4 });
        },
      });
    }
  }
}

// Checks of the fused convolution epilogues (src/kernels/epilogue.ts, shaders/include/epilogue.wgsl) and of
// Winograd's tile bands (src/kernels/winograd.ts) against the float64 definitions: every kernel that
// writes a convolution's output (direct register with pixel lanes and with channel lanes, workgroup-
// tiled, Winograd with both GEMM mappings, the transposed conv's parity GEMMs), each epilogue the U-Net
// uses, on odd shapes; the inference BatchNorm fold; the fused ReLU's gradient by finite differences;
// Winograd forward, input gradient and filter gradient cut into many bands; and the conv block's ReLU gradient
// mask applied by BatchNorm's backward (src/graph/blocks.ts) against the float64 reference and its own pass.
import type { Check, CheckResult } from './harness.ts';
import { compare, gradCheck } from './harness.ts';
import { conv3x3GradCheck } from './winograd.ts';
import { conv2dRef, conv2dTransposeRef, conv2dGradRef, type ConvShape } from '../reference/conv.ts';
import { batchNormInferRef, batchNormTrainRef, leakyReluRef } from '../reference/nn.ts';
import { reluRef } from '../reference/core.ts';
import { Rng } from '../util/random.ts';
import { Tensor } from '../graph/tensor.ts';
import { gpu } from '../runtime/gpu.ts';
import { conv2dForward, conv2dTransposeForward, type ConvVariant } from '../kernels/conv2d.ts';
import { withSettings } from '../runtime/settings.ts';
import { winogradForward, winogradInputGrad, winogradFilterGrad, type WinogradLanes, type WinogradTile } from '../kernels/winograd.ts';
import { batchNormInferenceAffine } from '../kernels/batchnorm.ts';
import type { Epilogue } from '../kernels/epilogue.ts';
import { convReluBatchNormDropout } from '../graph/blocks.ts';
import { backward } from '../graph/autograd.ts';

export const checks: Check[] = [];

const tol = (K: number) => ({ atol: 6e-5 * Math.sqrt(K), rtol: 2e-4 });

/** The epilogues of the U-Net: conv block (ReLU, then BatchNorm), second conv (ReLU), upsample (BatchNorm, LeakyReLU). */
type Kind = 'relu' | 'relu+bn' | 'bn+leaky';
const kinds: Kind[] = ['relu', 'relu+bn', 'bn+leaky'];

interface BnParams {
  gamma: Float64Array;
  beta: Float64Array;
  mean: Float64Array;
  variance: Float64Array;
}

function bnParams(rng: Rng, O: number): BnParams {
  const f = (lo: number, hi: number) => Float64Array.from(Float32Array.from(rng.array(O, lo, hi)));
  return { gamma: f(0.5, 1.5), beta: f(-0.3, 0.3), mean: f(-0.2, 0.2), variance: f(0.3, 2) };
}

/** float64: the epilogue applied to conv + bias. */
function epilogueRef(kind: Kind, v: Float64Array, bn: BnParams, alpha: number): Float64Array {
  const norm = (h: Float64Array) => batchNormInferRef(h, bn.gamma, bn.beta, bn.mean, bn.variance, 1e-3);
  if (kind === 'relu') return reluRef(v);
  if (kind === 'relu+bn') return norm(reluRef(v));
  return leakyReluRef(norm(v), alpha);
}

/** Runs `body` with a GPU epilogue of `kind` (the BatchNorm folded by batchNormInferenceAffine). */
async function withEpilogue<T>(kind: Kind, bn: BnParams, alpha: number, body: (e: Epilogue) => Tensor): Promise<Float32Array> {
  const ts = [bn.gamma, bn.beta, bn.mean, bn.variance].map((a) => Tensor.fromData(Float32Array.from(a), [a.length]));
  const affine = kind === 'relu' ? null : batchNormInferenceAffine(ts[0], ts[1], ts[2], ts[3], 1e-3);
  const e: Epilogue = kind === 'relu' ? { relu: true } : kind === 'relu+bn' ? { relu: true, affine } : { affine, leakyAlpha: alpha };
  const y = body(e);
  const out = await y.read();
  y.dispose();
  affine?.dispose();
  ts.forEach((t) => t.dispose());
  return out;
}

type Path = { name: string; variant?: ConvVariant; lanes?: 'pixel' | 'channel'; winograd?: WinogradLanes; tile?: WinogradTile; transformChannels?: 1 | 4 };
const paths: Path[] = [
  { name: 'direct register, pixel lanes', variant: 'register', lanes: 'pixel' },
  { name: 'direct register, channel lanes', variant: 'register', lanes: 'channel' },
  { name: 'direct workgroup-tiled', variant: 'tiled' },
  { name: 'Winograd, row lanes', winograd: 'rows' },
  { name: 'Winograd, channel lanes', winograd: 'channels' },
  { name: 'Winograd F(4x4), 1 channel per transform thread', winograd: 'channels', tile: 4, transformChannels: 1 },
  { name: 'Winograd F(4x4), 4 channels per transform thread', winograd: 'rows', tile: 4, transformChannels: 4 },
  { name: 'Winograd F(2x2), 4 channels per transform thread', winograd: 'rows', tile: 2, transformChannels: 4 },
];

// [N, H, W, C, O]: odd sizes, channels off multiples of 4 where the kernel allows (channel lanes need C, O % 4 == 0 and O >= 32)
const convCases: Record<string, [number, number, number, number, number]> = {
  'direct register, pixel lanes': [2, 7, 9, 3, 13],
  'direct register, channel lanes': [1, 5, 7, 8, 36],
  'direct workgroup-tiled': [2, 5, 11, 6, 9],
  'Winograd, row lanes': [2, 7, 5, 5, 11],
  'Winograd, channel lanes': [1, 9, 7, 8, 36],
  'Winograd F(4x4), 1 channel per transform thread': [1, 9, 7, 8, 36],
  'Winograd F(4x4), 4 channels per transform thread': [2, 7, 5, 5, 11],
  'Winograd F(2x2), 4 channels per transform thread': [1, 9, 7, 8, 36],
};

for (const path of paths) {
  for (const kind of kinds) {
    const [N, H, W, C, O] = convCases[path.name];
    checks.push({
      name: `epilogue/conv2d 3x3 ${path.name} [${N},${H},${W},${C}] -> ${O}, fused ${kind}`,
      run: async () => {
        const rng = new Rng(N * 7 + H * 11 + C * 13 + O * 17 + kind.length);
        const s: ConvShape = { N, H, W, C, O, KH: 3, KW: 3 };
        const f64 = (n: number, lo = -1, hi = 1) => Float64Array.from(Float32Array.from(rng.array(n, lo, hi)));
        const x = f64(N * H * W * C);
        const w = f64(9 * C * O, -0.5, 0.5);
        const b = f64(O, -0.2, 0.2);
        const bn = bnParams(rng, O);
        const X = Tensor.fromData(Float32Array.from(x), [N, H, W, C]);
        const Wt = Tensor.fromData(Float32Array.from(w), [3, 3, C, O]);
        const B = Tensor.fromData(Float32Array.from(b), [O]);
        try {
          const got = await withSettings({ channelLanes: path.lanes ?? null, ...(path.transformChannels ? { transformChannels: path.transformChannels } : {}) }, () =>
            withEpilogue(kind, bn, 0.1, (e) => (path.winograd ? winogradForward(X, Wt, B, { lanes: path.winograd, tile: path.tile, epilogue: e }) : conv2dForward(X, Wt, B, { variant: path.variant, epilogue: e }))),
          );
          return compare(`fused ${kind}`, got, epilogueRef(kind, conv2dRef(x, w, b, s), bn, 0.1), [N, H, W, O], tol(9 * C));
        } finally {
          [X, Wt, B].forEach((t) => t.dispose());
        }
      },
    });
  }
}

// the transposed conv writes each output pixel once per parity class: the epilogue of the upsample block
for (const [variant, k, N, H, W, C, O] of [
  ['register', 3, 2, 3, 5, 7, 5],
  ['register', 2, 1, 4, 3, 8, 32],
  ['tiled', 3, 1, 5, 3, 6, 7],
  ['tiled', 2, 2, 3, 3, 5, 6],
] as [ConvVariant, number, number, number, number, number, number][]) {
  checks.push({
    name: `epilogue/conv2dTranspose ${k}x${k} s2 ${variant} [${N},${H},${W},${C}] -> ${O}, fused bn+leaky`,
    run: async () => {
      const rng = new Rng(k * 101 + N * 13 + H * 7 + C + O);
      const s: ConvShape = { N, H, W, C, O, KH: k, KW: k };
      const f64 = (n: number, lo = -1, hi = 1) => Float64Array.from(Float32Array.from(rng.array(n, lo, hi)));
      const x = f64(N * H * W * C);
      const w = f64(k * k * O * C, -0.5, 0.5);
      const b = f64(O, -0.2, 0.2);
      const bn = bnParams(rng, O);
      const X = Tensor.fromData(Float32Array.from(x), [N, H, W, C]);
      const Wt = Tensor.fromData(Float32Array.from(w), [k, k, O, C]);
      const B = Tensor.fromData(Float32Array.from(b), [O]);
      const got = await withEpilogue('bn+leaky', bn, 0.1, (e) => conv2dTransposeForward(X, Wt, B, { variant, epilogue: e }));
      [X, Wt, B].forEach((t) => t.dispose());
      return compare('fused bn+leaky', got, epilogueRef('bn+leaky', conv2dTransposeRef(x, w, b, s, 2), bn, 0.1), [N, 2 * H, 2 * W, O], tol(k * k * C));
    },
  });
}

checks.push({
  name: 'epilogue/BatchNorm folded into [scale, shift] (batchnorm_affine, 37 channels)',
  run: async () => {
    const rng = new Rng(37);
    const bn = bnParams(rng, 37);
    const ts = [bn.gamma, bn.beta, bn.mean, bn.variance].map((a) => Tensor.fromData(Float32Array.from(a), [a.length]));
    const A = batchNormInferenceAffine(ts[0], ts[1], ts[2], ts[3], 1e-3);
    const got = await A.read();
    [A, ...ts].forEach((t) => t.dispose());
    const want = new Float64Array(74);
    for (let c = 0; c < 37; c++) {
      want[c] = bn.gamma[c] / Math.sqrt(bn.variance[c] + 1e-3);
      want[37 + c] = bn.beta[c] - bn.mean[c] * want[c];
    }
    return compare('scale, shift', got, want, [2, 37], { atol: 1e-6, rtol: 1e-6 });
  },
});

// the fused ReLU is differentiable: finite differences through the graph op, direct and Winograd
for (const algorithm of ['direct', 'winograd'] as const) {
  const shape: [number, number, number, number, number] = algorithm === 'direct' ? [2, 3, 5, 3, 6] : [1, 5, 7, 4, 9];
  checks.push({
    name: `epilogue/conv2d+relu 3x3 ${algorithm} [${shape.slice(0, 4).join(',')}] -> ${shape[4]} forward+backward (finite differences)`,
    run: () => conv3x3GradCheck(shape, algorithm, shape.reduce((a, b) => a * 10 + b, 0) + (algorithm === 'direct' ? 1 : 2), true),
  });
}

// Winograd in bands: a cap of a few tiles' worth of bytes cuts these layers into many bands, ragged last band included
for (const [N, H, W, C, O, capTiles] of [
  [2, 7, 9, 5, 6, 3],
  [1, 11, 13, 8, 12, 7],
  [3, 5, 5, 4, 36, 5],
] as [number, number, number, number, number, number][]) {
  checks.push({
    name: `epilogue/Winograd in bands of ${capTiles} tiles [${N},${H},${W},${C}] -> ${O}: forward (+ fused relu+bn), dx, dW`,
    run: async () => {
      const rng = new Rng(N * 31 + H * 7 + W + C * 5 + O * 3 + capTiles);
      const s: ConvShape = { N, H, W, C, O, KH: 3, KW: 3 };
      const f64 = (n: number, lo = -1, hi = 1) => Float64Array.from(Float32Array.from(rng.array(n, lo, hi)));
      const x = f64(N * H * W * C);
      const w = f64(9 * C * O, -0.5, 0.5);
      const b = f64(O, -0.2, 0.2);
      const dy = f64(N * H * W * O);
      const bn = bnParams(rng, O);
      const X = Tensor.fromData(Float32Array.from(x), [N, H, W, C]);
      const Wt = Tensor.fromData(Float32Array.from(w), [3, 3, C, O]);
      const B = Tensor.fromData(Float32Array.from(b), [O]);
      const DY = Tensor.fromData(Float32Array.from(dy), [N, H, W, O]);
      try {
        return await withSettings({ winogradBandBytes: 16 * 4 * Math.max(C, O) * capTiles }, async () => {
        const y = await withEpilogue('relu+bn', bn, 0.1, (e) => winogradForward(X, Wt, B, { epilogue: e }));
        const DX = winogradInputGrad(DY, Wt);
        const DW = winogradFilterGrad(X, DY);
        const [dx, dw] = [await DX.read(), await DW.read()];
        [DX, DW].forEach((t) => t.dispose());
        await gpu().sync();
        const g = conv2dGradRef(x, w, dy, s);
        const results: CheckResult[] = [
          compare('forward, fused relu+bn', y, epilogueRef('relu+bn', conv2dRef(x, w, b, s), bn, 0.1), [N, H, W, O], tol(9 * C)),
          compare('dx', dx, g.dx, [N, H, W, C], tol(9 * O)),
          compare('dW', dw, g.dw, [3, 3, C, O], tol(N * H * W)),
        ];
        return results.find((r) => !r.pass) ?? { pass: true, maxAbsErr: Math.max(...results.map((r) => r.maxAbsErr)), detail: results.map((r) => r.detail).join('; ') };
        });
      } finally {
        [X, Wt, B, DY].forEach((t) => t.dispose());
      }
    },
  });
}

// ---- the conv block in training: conv 3x3 + ReLU -> BatchNorm, the ReLU's gradient mask in BatchNorm's backward
type Shape5 = [number, number, number, number, number];

/** convReluBatchNormDropout (rate 0, training) on fresh weights; `maskInBn` picks where the ReLU mask runs. */
function convBlock(maskInBn: boolean, O: number) {
  const movingMean = Tensor.fromData(new Float32Array(O), [O]);
  const movingVariance = Tensor.fromData(new Float32Array(O).fill(1), [O]);
  return {
    run: ([x, w, b, gamma, beta]: Tensor[]) => convReluBatchNormDropout(x, { kernel: w, bias: b }, { gamma, beta, movingMean, movingVariance }, { training: true, bnMomentum: 0.99, rate: 0, dropoutSeed: 1, reluMaskInBatchNorm: maskInBn }),
    dispose: () => [movingMean, movingVariance].forEach((t) => t.dispose()),
  };
}

for (const [N, H, W, C, O] of [[2, 7, 9, 3, 13], [1, 9, 11, 8, 6]] as Shape5[]) {
  for (const algorithm of ['direct', 'winograd'] as const) {
    for (const maskInBn of [true, false]) {
      checks.push({
        name: `epilogue/conv 3x3 + ReLU -> BatchNorm (training) [${N},${H},${W},${C}] -> ${O}, ${algorithm}, ReLU mask ${maskInBn ? "in BatchNorm's backward" : 'as its own pass'}: forward vs float64, gradients by finite differences`,
        run: async () => {
          const rng = new Rng(N * 101 + H * 11 + W + C * 7 + O + (maskInBn ? 1 : 0));
          const s: ConvShape = { N, H, W, C, O, KH: 3, KW: 3 };
          const inp = (shape: number[], lo = -1, hi = 1) => ({ shape, data: rng.array(shape.reduce((a, b) => a * b, 1), lo, hi) });
          const block = convBlock(maskInBn, O);
          const r = await withSettings({ convAlgorithm: algorithm }, () =>
            gradCheck({
              inputs: [inp([N, H, W, C]), inp([3, 3, C, O]), inp([O], -0.2, 0.2), inp([O], 0.5, 1.5), inp([O], -0.5, 0.5)],
              gpu: block.run,
              reference: ([x, w, b, gamma, beta]) => batchNormTrainRef(reluRef(conv2dRef(x, w, b, s)), gamma, beta, O, 1e-3).y,
              outShape: [N, H, W, O],
              forwardTol: { atol: 2e-4, rtol: 2e-4 },
              gradTol: { atol: 2e-3, rtol: 2e-3 },
              samples: 32,
            }),
          );
          block.dispose();
          return r;
        },
      });
    }
  }
}

checks.push({
  name: "epilogue/conv block [2,9,7,5] -> 11 (training, Winograd): the ReLU mask in BatchNorm's backward gives the same gradients as its own pass, bit for bit",
  run: async () => {
    const [N, H, W, C, O] = [2, 9, 7, 5, 11];
    const rng = new Rng(4711);
    const data = [rng.array(N * H * W * C), rng.array(9 * C * O), rng.array(O, -0.2, 0.2), rng.array(O, 0.5, 1.5), rng.array(O, -0.5, 0.5)];
    const shapes = [[N, H, W, C], [3, 3, C, O], [O], [O], [O]];
    const up = Float32Array.from(rng.array(N * H * W * O));
    const grads = async (maskInBn: boolean) => {
      const ts = data.map((d, i) => Tensor.fromData(Float32Array.from(d), shapes[i]));
      ts.forEach((t) => (t.requiresGrad = true));
      const block = convBlock(maskInBn, O);
      const y = block.run(ts);
      const seed = Tensor.fromData(up, y.shape);
      backward(y, seed);
      const out = await Promise.all(ts.map((t) => t.grad!.read()));
      [...ts, y, seed].forEach((t) => t.dispose());
      block.dispose();
      return out;
    };
    const [fused, own] = await withSettings({ convAlgorithm: 'winograd' }, async () => [await grads(true), await grads(false)]);
    await gpu().sync();
    const names = ['dx', 'dW', 'db', 'dgamma', 'dbeta'];
    const results = fused.map((g, i) => compare(names[i], g, own[i], shapes[i], { atol: 0, rtol: 0 }));
    return results.find((r) => !r.pass) ?? { pass: true, maxAbsErr: 0, detail: results.map((r) => r.detail.split(';')[0]).join('; ') };
  },
});

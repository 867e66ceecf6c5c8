// Checks of the convolutions (src/graph/conv.ts, src/kernels/conv2d.ts) against src/reference/conv.ts:
// forward against the float64 definition, backward by finite differences of it, both kernel variants,
// the hand-computed Conv2DTranspose example and the U-Net-sized forward the issue asks for.
import { withSettings, type Settings } from '../runtime/settings.ts';
import type { Check, CheckResult } from './harness.ts';
import { gradCheck, compare } from './harness.ts';
import { conv2d, conv2dTranspose } from '../graph/conv.ts';
import { conv2dRef, conv2dTransposeRef, conv2dGradRef, conv2dTransposeGradRef, type ConvShape } from '../reference/conv.ts';
import { Rng } from '../util/random.ts';
import { Tensor } from '../graph/tensor.ts';
import { gpu } from '../runtime/gpu.ts';
import { subgroupTwinsUnavailable } from '../kernels/winograd.ts';
import {
  conv2dForward,
  conv2dInputGrad,
  conv2dFilterGrad,
  conv2dTransposeForward,
  conv2dTransposeInputGrad,
  conv2dTransposeFilterGrad,
  type ConvVariant,
} from '../kernels/conv2d.ts';

const gradTol = { atol: 2e-3, rtol: 2e-3 };
/** float32 accumulation over K terms of magnitude <= 1 */
const forwardTol = (K: number) => ({ atol: 2e-5 * Math.sqrt(K), rtol: 1e-4 });

function input(rng: Rng, shape: number[]) {
  return { shape, data: rng.array(shape.reduce((a, b) => a * b, 1)) };
}

const f64 = (a: ArrayLike<number>) => Float64Array.from(Float32Array.from(a));

export const checks: Check[] = [];

// conv2d: [N, H, W, C] -> O with kernel k, through the autograd graph (bias included)
const convCases: [number, number, number, number, number, number][] = [
  [1, 7, 13, 3, 17, 3],
  [3, 13, 7, 1, 3, 3],
  [3, 7, 13, 17, 64, 1],
  [1, 7, 7, 64, 64, 3],
  [3, 13, 7, 64, 17, 3],
  [1, 13, 13, 17, 1, 1],
];
for (const [N, H, W, C, O, k] of convCases) {
  const s: ConvShape = { N, H, W, C, O, KH: k, KW: k };
  checks.push({
    name: `conv/conv2d ${k}x${k} [${N},${H},${W},${C}] -> ${O} forward+backward`,
    run: () => {
      const rng = new Rng(N * 1000 + H * 100 + C * 10 + O + k);
      return gradCheck({
        inputs: [input(rng, [N, H, W, C]), input(rng, [k, k, C, O]), input(rng, [O])],
        gpu: ([x, w, b]) => conv2d(x, w, b),
        reference: ([x, w, b]) => conv2dRef(x, w, b, s),
        outShape: [N, H, W, O],
        forwardTol: forwardTol(k * k * C),
        gradTol,
        samples: 32,
      });
    },
  });
}

// Conv2DTranspose stride 2 'same': [N, H, W, C] -> [N, 2H, 2W, O]
const transposeCases: [number, number, number, number, number, 2 | 3][] = [
  [1, 7, 13, 3, 17, 2],
  [3, 7, 7, 17, 3, 3],
  [1, 13, 7, 64, 64, 2],
  [3, 7, 13, 1, 64, 3],
  [1, 7, 7, 64, 17, 3],
];
for (const [N, H, W, C, O, k] of transposeCases) {
  const s: ConvShape = { N, H, W, C, O, KH: k, KW: k };
  checks.push({
    name: `conv/conv2dTranspose ${k}x${k} s2 [${N},${H},${W},${C}] -> ${O} forward+backward`,
    run: () => {
      const rng = new Rng(N * 1000 + H * 100 + C * 10 + O + k + 7);
      return gradCheck({
        inputs: [input(rng, [N, H, W, C]), input(rng, [k, k, O, C]), input(rng, [O])],
        gpu: ([x, w, b]) => conv2dTranspose(x, w, b, { kernel: k }),
        reference: ([x, w, b]) => conv2dTransposeRef(x, w, b, s),
        outShape: [N, 2 * H, 2 * W, O],
        forwardTol: forwardTol(k * k * C),
        gradTol,
        samples: 32,
      });
    },
  });
}

/**
 * Hand-computed Keras Conv2DTranspose(1 filter, kernel 2x2, strides 2, 'same') on a 2x2 input:
 * pad = floor(max(2 - 2, 0) / 2) = 0, so input pixel (i, j) writes x[i,j] * W[kh,kw] at (2i+kh, 2j+kw):
 * x = [[1, 2], [3, 4]], W = [[1, 10], [100, 1000]], b = 0.5 gives the 4x4 output
 *   [[0.5+1,   0.5+10,   0.5+2,   0.5+20  ],
 *    [0.5+100, 0.5+1000, 0.5+200, 0.5+2000],
 *    [0.5+3,   0.5+30,   0.5+4,   0.5+40  ],
 *    [0.5+300, 0.5+3000, 0.5+400, 0.5+4000]]
 * The 3x3 kernel: pad_total = max(3 - 2, 0) = 1, pad_before = 0, so p = 2i + kh and kh = 2 of the last
 * input row (p = 4) falls off the end. Even rows get two taps (i = p/2 with kh 0, i = p/2 - 1 with kh 2),
 * odd rows one (kh 1). With W = [[1,2,3],[4,5,6],[7,8,9]], b = 0:
 *   [[ 1,  2,  3+2,          4   ],
 *    [ 4,  5,  6+8,          10  ],
 *    [ 7+3, 8+6, 9+14+9+4,   16+8],
 *    [12, 15, 18+16,         20  ]]
 * e.g. out[2][2] = x00*W22 + x01*W20 + x10*W02 + x11*W00 = 9 + 14 + 9 + 4 = 36.
 */
function handExample(k: 2 | 3): { x: number[]; w: number[]; b: number; want: number[] } {
  const x = [1, 2, 3, 4];
  if (k === 2) {
    const want = [1, 10, 2, 20, 100, 1000, 200, 2000, 3, 30, 4, 40, 300, 3000, 400, 4000].map((v) => v + 0.5);
    return { x, w: [1, 10, 100, 1000], b: 0.5, want };
  }
  // out[p][q] = sum over i, kh with 2i + kh = p (and j, kw with 2j + kw = q) of x[i][j] W[kh][kw]
  const want = [
    1, 2, 2 + 3, 4,
    4, 5, 8 + 6, 10,
    7 + 3, 8 + 6, 9 + 14 + 9 + 4, 16 + 8,
    12, 15, 18 + 16, 20,
  ];
  return { x, w: [1, 2, 3, 4, 5, 6, 7, 8, 9], b: 0, want };
}
for (const k of [2, 3] as const) {
  checks.push({
    name: `conv/conv2dTranspose ${k}x${k} s2 hand-computed 2x2 -> 4x4 example`,
    run: async () => {
      const ex = handExample(k);
      const x = Tensor.fromData(ex.x, [1, 2, 2, 1]);
      const w = Tensor.fromData(ex.w, [k, k, 1, 1]);
      const b = Tensor.fromData([ex.b], [1]);
      const y = conv2dTranspose(x, w, b, { kernel: k });
      const got = await y.read();
      // the float64 reference must agree with the hand computation too
      const refY = conv2dTransposeRef(f64(ex.x), f64(ex.w), Float64Array.of(ex.b), { N: 1, H: 2, W: 2, C: 1, O: 1, KH: k, KW: k });
      [x, w, b, y].forEach((t) => t.dispose());
      const r1 = compare('reference vs hand', refY, ex.want, [4, 4], { atol: 0, rtol: 0 });
      if (!r1.pass) return r1;
      return compare('gpu vs hand', got, ex.want, [4, 4], { atol: 1e-5, rtol: 1e-6 });
    },
  });
}

type ConvCase = [number, number, number, number, number, number, boolean];

/** Forward, dx and dW of one conv (or Conv2DTranspose) case on the given direct variant and settings, against the float64 reference. */
async function convPassesCheck([N, H, W, C, O, k, transposed]: ConvCase, variant: ConvVariant, scope: Partial<Settings>): Promise<CheckResult> {
  const rng = new Rng(N + H + W + C + O + k + (transposed ? 99 : 0));
  const s: ConvShape = { N, H, W, C, O, KH: k, KW: k };
  const Ho = transposed ? 2 * H : H;
  const Wo = transposed ? 2 * W : W;
  const x = f64(rng.array(N * H * W * C));
  const w = f64(rng.array(k * k * C * O));
  const b = f64(rng.array(O));
  const dy = f64(rng.array(N * Ho * Wo * O));
  const X = Tensor.fromData(Float32Array.from(x), [N, H, W, C]);
  const Wt = Tensor.fromData(Float32Array.from(w), transposed ? [k, k, O, C] : [k, k, C, O]);
  const B = Tensor.fromData(Float32Array.from(b), [O]);
  const DY = Tensor.fromData(Float32Array.from(dy), [N, Ho, Wo, O]);
  const opts = { variant };
  const kk: [number, number] = [k, k];
  const [Y, DX, DW] = withSettings(scope, () => [
    transposed ? conv2dTransposeForward(X, Wt, B, opts) : conv2dForward(X, Wt, B, opts),
    transposed ? conv2dTransposeInputGrad(DY, Wt, opts) : conv2dInputGrad(DY, Wt, opts),
    transposed ? conv2dTransposeFilterGrad(X, DY, kk, opts) : conv2dFilterGrad(X, DY, kk, opts),
  ]);
  const [y, dx, dw] = [await Y.read(), await DX.read(), await DW.read()];
  [X, Wt, B, DY, Y, DX, DW].forEach((t) => t.dispose());
  await gpu().sync();
  const yRef = transposed ? conv2dTransposeRef(x, w, b, s) : conv2dRef(x, w, b, s);
  const g = transposed ? conv2dTransposeGradRef(x, w, dy, s) : conv2dGradRef(x, w, dy, s);
  const results: CheckResult[] = [
    compare('forward', y, yRef, [N, Ho, Wo, O], forwardTol(k * k * C)),
    compare('dx', dx, g.dx, [N, H, W, C], forwardTol(k * k * O)),
    compare('dW', dw, g.dw, transposed ? [k, k, O, C] : [k, k, C, O], forwardTol(N * H * W)),
  ];
  return results.find((r) => !r.pass) ?? { pass: true, maxAbsErr: Math.max(...results.map((r) => r.maxAbsErr)), detail: results.map((r) => r.detail).join('; ') };
}

const convName = ([N, H, W, C, O, k, transposed]: ConvCase, what: string) => `conv/${transposed ? 'conv2dTranspose' : 'conv2d'}_${what} ${k}x${k} [${N},${H},${W},${C}] -> ${O} forward, dx, dW`;

/** Both kernel variants (register tiles, workgroup-memory tiles), every pass, against the reference. */
for (const variant of ['register', 'register-pixel-lanes', 'tiled'] as (ConvVariant | 'register-pixel-lanes')[]) {
  for (const c of [
    [3, 7, 13, 17, 3, 3, false],
    [1, 7, 7, 64, 64, 3, false],
    [1, 7, 13, 3, 17, 1, false],
    [3, 7, 7, 17, 64, 2, true],
    [1, 7, 13, 64, 3, 3, true],
    // vec4-aligned channels that are not whole blocks of 8 (the register kernel's FULL = 0 with vec4 loads), both
    // weight layouts: 12 outputs forward, 8 through the input gradient; the U-Net's last upsample to 4 channels
    [2, 5, 7, 8, 12, 3, false],
    [1, 5, 7, 8, 4, 2, true],
  ] as ConvCase[]) {
    // the register variant picks channel lanes for vec4-aligned channels >= 32; force the pixel-lane kernel too
    checks.push({
      name: convName(c, variant),
      run: () => convPassesCheck(c, variant === 'register-pixel-lanes' ? 'register' : variant, { channelLanes: variant === 'register-pixel-lanes' ? 'pixel' : null }),
    });
  }
}

/**
 * The channel-lane kernel (shaders/conv2d_register_oc.wgsl) at workgroup sizes other than lavapipe's built-in 8
 * (`laneWorkgroup`): 64, what a GPU gets for wide layers, and 3, which splits the 4-channel groups unevenly.
 */
for (const wg of [3, 64]) {
  for (const c of [
    [1, 7, 7, 64, 64, 3, false],
    [3, 5, 7, 32, 36, 3, true],
  ] as ConvCase[]) {
    checks.push({ name: convName(c, `register-lane-wg${wg}`), run: () => convPassesCheck(c, 'register', { laneWorkgroup: wg, subgroupGemm: false }) });
  }
}

/**
 * The register kernels both ways (`subgroupGemm`): the subgroup twins shaders/conv2d_register_sg.wgsl (channel lanes,
 * 16 pixels a workgroup shared by broadcasts) and the SUBGROUPS variants of conv2d_register.wgsl (pixel lanes, weights
 * shared by broadcasts) and, for dW, conv2d_filter_register.wgsl, CPU adapters' default where the device has subgroups of 8 or
 * more, against the kernels they replace. Ragged 16-pixel blocks, 36 outputs (a partial block of 32: lanes past O load clamped
 * weights and store nothing), both weight layouts (the input gradients and the transposed convs read [taps, O, C]),
 * and the U-Net's 2x2 and 3x3 upsampling. A device without subgroups skips the 'on' checks.
 */
for (const sg of [true, false]) {
  for (const c of [
    [1, 7, 7, 64, 64, 3, false],
    [2, 5, 7, 32, 36, 3, false],
    [3, 5, 7, 32, 36, 3, true],
    [2, 5, 3, 64, 32, 2, true],
    // pixel lanes (kernel conv2d_register_px_sg, fewer than 32 outputs): ragged channels, vec4 channels in whole and
    // partial blocks of 8 outputs, both weight layouts, and a 2x2 upsample to 4 channels
    [3, 7, 13, 17, 3, 3, false],
    [1, 9, 7, 16, 16, 3, false],
    [2, 5, 7, 8, 12, 3, false],
    [1, 5, 7, 8, 4, 2, true],
    [2, 6, 5, 12, 8, 3, true],
  ] as ConvCase[]) {
    checks.push({
      name: convName(c, `register-subgroups-${sg ? 'on' : 'off'}`),
      unavailable: () => (sg ? subgroupTwinsUnavailable() : null),
      run: () => convPassesCheck(c, 'register', { subgroupGemm: sg }),
    });
  }
}

/** The U-Net-sized layer the issue names: batch 2, 64x80, 64 -> 128 channels, 3x3, forward. */
checks.push({
  name: 'conv/conv2d 3x3 [2,64,80,64] -> 128 forward (U-Net size; tolerance atol 1e-3, rtol 1e-4)',
  run: async () => {
    const [N, H, W, C, O, k] = [2, 64, 80, 64, 128, 3];
    const rng = new Rng(2024);
    const x = f64(rng.array(N * H * W * C));
    const w = f64(rng.array(k * k * C * O, -0.1, 0.1));
    const b = f64(rng.array(O));
    const X = Tensor.fromData(Float32Array.from(x), [N, H, W, C]);
    const Wt = Tensor.fromData(Float32Array.from(w), [k, k, C, O]);
    const B = Tensor.fromData(Float32Array.from(b), [O]);
    const Y = conv2dForward(X, Wt, B);
    const y = await Y.read();
    [X, Wt, B, Y].forEach((t) => t.dispose());
    const want = conv2dRef(x, w, b, { N, H, W, C, O, KH: k, KW: k });
    // |terms| <= 0.1, K = 576: float32 rounding stays far below 1e-3
    return compare('forward', y, want, [N, H, W, O], { atol: 1e-3, rtol: 1e-4 });
  },
});

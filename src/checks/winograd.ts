// Checks of the Winograd F(2x2, 3x3) convolutions (src/kernels/winograd.ts) against the float64
// definition (src/reference/conv.ts): forward, input gradient and filter gradient on odd shapes (ragged
// tiles, channels that are not multiples of 4), both GEMM thread mappings, and finite differences
// through the autograd conv2d op with Winograd forced. The U-Net-sized check reports Winograd's error
// next to the direct kernel's on the same data.
import type { Check, CheckResult } from './harness.ts';
import { gradCheck, compare } from './harness.ts';
import { conv2d } from '../graph/conv.ts';
import { conv2dRef, conv2dGradRef, type ConvShape } from '../reference/conv.ts';
import { Rng } from '../util/random.ts';
import { Tensor } from '../graph/tensor.ts';
import { gpu } from '../runtime/gpu.ts';
import { conv2dForward } from '../kernels/conv2d.ts';
import type { ConvAlgorithm } from '../kernels/conv_algorithm.ts';
import { withSettings, type Settings } from '../runtime/settings.ts';
import { convShapeKey, type ConvChoice } from '../kernels/conv_algorithm.ts';
import { reluRef } from '../reference/core.ts';
import { winogradForward, winogradInputGrad, winogradFilterGrad, subgroupTwinsUnavailable, type WinogradLanes, type WinogradTile } from '../kernels/winograd.ts';

/** float32 accumulation over K terms of magnitude <= 1; the transforms add sums of up to 9 such terms */
const tol = (K: number) => ({ atol: 6e-5 * Math.sqrt(K), rtol: 2e-4 });

export const checks: Check[] = [];

const cases: [number, number, number, number, number][] = [
  [1, 7, 13, 3, 17],
  [3, 5, 7, 17, 5],
  [2, 9, 11, 16, 40],
  [1, 5, 7, 64, 64],
  [1, 1, 1, 4, 8],
  [2, 3, 6, 8, 33],
];
/**
 * Random inputs of a 3x3 conv of x [N, H, W, C] to O channels, float32 values held as float64 for the reference
 * (x, w, b and the output gradient dy), and the same as GPU tensors.
 */
export function conv3x3Inputs([N, H, W, C, O]: [number, number, number, number, number], seed: number) {
  const rng = new Rng(seed);
  const f64 = (n: number) => Float64Array.from(Float32Array.from(rng.array(n)));
  const x = f64(N * H * W * C);
  const w = f64(9 * C * O);
  const b = f64(O);
  const dy = f64(N * H * W * O);
  return {
    x, w, b, dy,
    X: Tensor.fromData(Float32Array.from(x), [N, H, W, C]),
    Wt: Tensor.fromData(Float32Array.from(w), [3, 3, C, O]),
    B: Tensor.fromData(Float32Array.from(b), [O]),
    DY: Tensor.fromData(Float32Array.from(dy), [N, H, W, O]),
  };
}

/** Forward, dx and dW of one shape by Winograd with this mapping and tile, in `scope`, against the float64 reference. */
async function winogradPassesCheck([N, H, W, C, O]: [number, number, number, number, number], lanes: WinogradLanes, tile: WinogradTile, scope: Partial<Settings> = {}): Promise<CheckResult> {
  const s: ConvShape = { N, H, W, C, O, KH: 3, KW: 3 };
  const { x, w, b, dy, X, Wt, B, DY } = conv3x3Inputs([N, H, W, C, O], N * 131 + H * 17 + W * 7 + C * 3 + O);
  const [Y, DX, DW] = withSettings(scope, () => [winogradForward(X, Wt, B, { lanes, tile }), winogradInputGrad(DY, Wt, { lanes, tile }), winogradFilterGrad(X, DY, { tile })]);
  const [y, dx, dw] = [await Y.read(), await DX.read(), await DW.read()];
  [X, Wt, B, DY, Y, DX, DW].forEach((t) => t.dispose());
  await gpu().sync();
  const g = conv2dGradRef(x, w, dy, s);
  const results: CheckResult[] = [
    compare('forward', y, conv2dRef(x, w, b, s), [N, H, W, O], tol(9 * C)),
    compare('dx', dx, g.dx, [N, H, W, C], tol(9 * O)),
    compare('dW', dw, g.dw, [3, 3, C, O], tol(N * H * W)),
  ];
  return results.find((r) => !r.pass) ?? { pass: true, maxAbsErr: Math.max(...results.map((r) => r.maxAbsErr)), detail: results.map((r) => r.detail).join('; ') };
}

for (const [lanes, tile] of [['rows', 2], ['channels', 2], ['rows', 4], ['channels', 4]] as [WinogradLanes, WinogradTile][]) {
  for (const [N, H, W, C, O] of cases) {
    checks.push({
      name: `winograd/F(${tile}x${tile},3x3) ${lanes} lanes [${N},${H},${W},${C}] -> ${O} forward, dx, dW`,
      run: () => winogradPassesCheck([N, H, W, C, O], lanes, tile),
    });
  }
}

/**
 * The channel-lane GEMMs (shaders/winograd_gemm_oc.wgsl, and winograd_gemm_at.wgsl for dW) at workgroup sizes other
 * than lavapipe's built-in 8 (`laneWorkgroup`): 64, what a GPU gets for wide layers, and 3 (uneven). The subgroup GEMM
 * is off here: it has one workgroup size of its own.
 */
for (const wg of [3, 64]) {
  for (const tile of [2, 4] as WinogradTile[]) {
    for (const [N, H, W, C, O] of [[2, 9, 11, 16, 40], [1, 5, 7, 64, 64]] as [number, number, number, number, number][]) {
      checks.push({
        name: `winograd/F(${tile}x${tile},3x3) channels lanes, workgroups of ${wg} [${N},${H},${W},${C}] -> ${O} forward, dx, dW`,
        run: () => winogradPassesCheck([N, H, W, C, O], 'channels', tile, { laneWorkgroup: wg, subgroupGemm: false }),
      });
    }
  }
}

/**
 * The GEMMs both ways (`subgroupGemm`): the subgroup twins shaders/winograd_gemm_sg.wgsl (channel lanes, 16 rows a
 * workgroup shared by broadcasts) and the SUBGROUPS variants of winograd_gemm.wgsl (row lanes, B shared) and
 * winograd_gemm_at.wgsl (dW),
 * CPU adapters' default where the device has subgroups of 8 or more, against the kernels they replace.
 * The shapes give ragged 16-row blocks (70 and 24 tiles), a partial 32-column block (36 and 40 columns: lanes past N
 * load clamped columns and store nothing), one tile, and K = 4. A device without subgroups skips the 'on' checks.
 */
for (const sg of [true, false]) {
  for (const tile of [2, 4] as WinogradTile[]) {
    for (const [lanes, [N, H, W, C, O]] of [
      ['channels', [2, 13, 10, 20, 36]],
      ['channels', [2, 9, 11, 16, 40]],
      ['channels', [1, 2, 3, 4, 8]],
      ['channels', [1, 5, 7, 64, 64]],
      // row lanes (kernel winograd_gemm_rows_sg): whole vec4 blocks of 8 columns, a partial block (12), ragged K and N
      ['rows', [2, 9, 11, 16, 16]],
      ['rows', [1, 13, 10, 8, 12]],
      ['rows', [1, 7, 13, 3, 17]],
      ['rows', [3, 5, 7, 17, 5]],
    ] as [WinogradLanes, [number, number, number, number, number]][]) {
      checks.push({
        name: `winograd/F(${tile}x${tile},3x3) ${lanes} lanes, subgroup GEMM ${sg ? 'on' : 'off'} [${N},${H},${W},${C}] -> ${O} forward, dx, dW`,
        unavailable: () => (sg ? subgroupTwinsUnavailable() : null),
        run: () => winogradPassesCheck([N, H, W, C, O], lanes, tile, { subgroupGemm: sg }),
      });
    }
  }
}

/**
 * Both thread shapes of the input, output and gradient transforms (`transformChannels`): 1 channel per thread
 * (lavapipe's default) and 4 (vec4, the GPUs'), whatever the adapter picks by itself; ragged channel counts included.
 */
for (const ch of [1, 4] as const) {
  for (const tile of [2, 4] as WinogradTile[]) {
    for (const [lanes, [N, H, W, C, O]] of [['rows', [1, 7, 13, 3, 17]], ['channels', [2, 9, 11, 16, 40]], ['rows', [3, 5, 7, 17, 5]]] as [WinogradLanes, [number, number, number, number, number]][]) {
      checks.push({
        name: `winograd/F(${tile}x${tile},3x3) ${lanes} lanes, ${ch} channel${ch > 1 ? 's' : ''} per transform thread [${N},${H},${W},${C}] -> ${O} forward, dx, dW`,
        run: () => winogradPassesCheck([N, H, W, C, O], lanes, tile, { transformChannels: ch }),
      });
    }
  }
}

/**
 * Finite differences through the graph's conv2d 3x3 op (bias included) with `algorithm` forced for every
 * pass; `relu` fuses a ReLU into the output write (src/kernels/epilogue.ts) and adds it to the reference.
 */
export async function conv3x3GradCheck([N, H, W, C, O]: [number, number, number, number, number], algorithm: ConvAlgorithm, seed: number, relu = false): Promise<CheckResult> {
  const rng = new Rng(seed);
  const s: ConvShape = { N, H, W, C, O, KH: 3, KW: 3 };
  const input = (shape: number[]) => ({ shape, data: rng.array(shape.reduce((a, b) => a * b, 1)) });
  return withSettings({ convAlgorithm: algorithm }, () =>
    gradCheck({
      inputs: [input([N, H, W, C]), input([3, 3, C, O]), input([O])],
      gpu: ([x, w, b]) => conv2d(x, w, b, relu ? { relu: true } : undefined),
      reference: ([x, w, b]) => (relu ? reluRef(conv2dRef(x, w, b, s)) : conv2dRef(x, w, b, s)),
      outShape: [N, H, W, O],
      forwardTol: tol(9 * C),
      gradTol: { atol: 2e-3, rtol: 2e-3 },
      samples: 32,
    }),
  );
}

for (const [N, H, W, C, O] of [[1, 5, 7, 3, 17], [2, 3, 5, 8, 4]] as [number, number, number, number, number][]) {
  checks.push({
    name: `winograd/conv2d 3x3 [${N},${H},${W},${C}] -> ${O} forward+backward (Winograd forced)`,
    run: () => conv3x3GradCheck([N, H, W, C, O], 'winograd', N * 1000 + H * 100 + C * 10 + O + 5),
  });
}

/**
 * F(4x4, 3x3) filter gradient on shapes whose tile count is ragged against its chunks (at most 256 tiles), its
 * summed blocks of 32 tiles (shaders/winograd_gemm_at.wgsl SUM_BLOCK) and, with `bandTiles`, the bands: tiles / chunk / blocks in
 * the comments (chunks from src/kernels/winograd.ts for these channel counts).
 */
const f4FilterGradCases: { shape: [number, number, number, number, number]; bandTiles: number | null; why: string }[] = [
  { shape: [1, 45, 37, 37, 21], bandTiles: null, why: '120 tiles in 3 chunks of 40 (blocks 32 + 8), scalar loads' },
  { shape: [1, 45, 37, 40, 40], bandTiles: null, why: '120 tiles in 2 chunks of 60 (blocks 32 + 28)' },
  { shape: [1, 45, 37, 40, 40], bandTiles: 50, why: 'bands of 50, 50, 20 tiles, one chunk each (blocks 32 + 18)' },
  { shape: [1, 89, 98, 20, 33], bandTiles: null, why: '575 tiles in 3 chunks of at most 256 (192, 192, 191: blocks 6 x 32, 5 x 32 + 31)' },
  { shape: [2, 18, 27, 5, 6], bandTiles: 30, why: '70 tiles in bands of 30, 30, 10, cut into chunks of 24 (24 + 6, 24 + 6, 10)' },
];
for (const { shape, bandTiles, why } of f4FilterGradCases) {
  const [N, H, W, C, O] = shape;
  checks.push({
    name: `winograd/F(4x4,3x3) dW [${N},${H},${W},${C}] -> ${O}${bandTiles ? `, bands of ${bandTiles} tiles` : ''}: ${why}`,
    run: async () => {
      const rng = new Rng(N * 7 + H * 31 + W * 3 + C * 5 + O + (bandTiles ?? 0));
      const f64 = (n: number) => Float64Array.from(Float32Array.from(rng.array(n)));
      const x = f64(N * H * W * C);
      const dy = f64(N * H * W * O);
      const X = Tensor.fromData(Float32Array.from(x), [N, H, W, C]);
      const DY = Tensor.fromData(Float32Array.from(dy), [N, H, W, O]);
      const cap = bandTiles ? 36 * 4 * Math.max(C, O) * bandTiles : null;
      const dw = await withSettings({ winogradBandBytes: cap }, async () => {
        const DW = winogradFilterGrad(X, DY, { tile: 4 });
        const out = await DW.read();
        DW.dispose();
        return out;
      });
      [X, DY].forEach((t) => t.dispose());
      const want = conv2dGradRef(x, new Float64Array(9 * C * O), dy, { N, H, W, C, O, KH: 3, KW: 3 }).dw;
      return compare('F(4x4) dW', dw, want, [3, 3, C, O], tol(N * H * W));
    },
  });
}

/** convChoices that put every pass of a 3x3 layer of this shape on Winograd F(4x4, 3x3). */
export function f4Everywhere(N: number, H: number, W: number, C: number, O: number): Record<string, ConvChoice> {
  const choice: ConvChoice = { algorithm: 'winograd', tile: 4 };
  return Object.fromEntries((['forward', 'input-grad', 'filter-grad'] as const).map((pass) => [convShapeKey(pass, N, H, W, C, O), choice]));
}

for (const [N, H, W, C, O] of [[1, 9, 7, 3, 17], [2, 5, 6, 8, 4]] as [number, number, number, number, number][]) {
  checks.push({
    name: `winograd/conv2d 3x3 [${N},${H},${W},${C}] -> ${O} forward+backward (Winograd F(4x4) forced, dW too)`,
    run: () => withSettings({ convChoices: f4Everywhere(N, H, W, C, O) }, () => conv3x3GradCheck([N, H, W, C, O], 'winograd', N * 2000 + H * 100 + C * 10 + O + 9)),
  });
}

/** Largest |a - b| and largest |a - b| / max(|b|, 1e-3 * max|b|) over all elements. */
export function errorStats(got: ArrayLike<number>, want: ArrayLike<number>): { maxAbs: number; maxRel: number } {
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  let maxAbs = 0;
  let maxRel = 0;
  for (let i = 0; i < got.length; i++) {
    const e = Math.abs(got[i] - want[i]);
    maxAbs = Math.max(maxAbs, e);
    maxRel = Math.max(maxRel, e / Math.max(Math.abs(want[i]), 1e-3 * scale));
  }
  return { maxAbs, maxRel };
}

/** U-Net-sized layer (batch 2, 64x80, 64 -> 64): Winograd's forward error within 4x the direct kernel's. */
checks.push({
  name: 'winograd/F(2x2,3x3) [2,64,80,64] -> 64 forward vs direct, float64 reference (U-Net size)',
  slow: true,
  run: async () => {
    const [N, H, W, C, O] = [2, 64, 80, 64, 64];
    const rng = new Rng(2026);
    const x = Float64Array.from(Float32Array.from(rng.array(N * H * W * C)));
    const w = Float64Array.from(Float32Array.from(rng.array(9 * C * O, -0.1, 0.1)));
    const X = Tensor.fromData(Float32Array.from(x), [N, H, W, C]);
    const Wt = Tensor.fromData(Float32Array.from(w), [3, 3, C, O]);
    const Yw = winogradForward(X, Wt, null);
    const Yd = conv2dForward(X, Wt, null, { algorithm: 'direct' });
    const [yw, yd] = [await Yw.read(), await Yd.read()];
    [X, Wt, Yw, Yd].forEach((t) => t.dispose());
    const want = conv2dRef(x, w, null, { N, H, W, C, O, KH: 3, KW: 3 });
    const ew = errorStats(yw, want);
    const ed = errorStats(yd, want);
    const r = compare('winograd forward', yw, want, [N, H, W, O], { atol: Math.max(4 * ed.maxAbs, 1e-5), rtol: 0 });
    return { ...r, detail: `${r.detail}; winograd max abs ${ew.maxAbs.toExponential(2)} rel ${ew.maxRel.toExponential(2)}, direct max abs ${ed.maxAbs.toExponential(2)} rel ${ed.maxRel.toExponential(2)}` };
  },
});

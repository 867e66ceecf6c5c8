// Extra kernel checks for scripts/mutate-wgsl.ts, in the src/checks harness form, for what the family checks
// do not reach: Winograd tile counts ragged against the filter gradient's chunks and bands holding more tiles
// than a chunk (test/kernels-winograd-bands.test.ts runs the same shapes), and the inference BatchNorm affine
// with the near-zero moving variances of real checkpoints, where epsilon matters.
import type { Check, CheckResult } from '../src/checks/harness.ts';
import { compare } from '../src/checks/harness.ts';
import { Tensor } from '../src/graph/tensor.ts';
import { gpu } from '../src/runtime/gpu.ts';
import { Rng } from '../src/util/random.ts';
import { conv2dRef, conv2dGradRef, type ConvShape } from '../src/reference/conv.ts';
import { winogradForward, winogradInputGrad, winogradFilterGrad, type WinogradTile } from '../src/kernels/winograd.ts';
import { withSettings } from '../src/runtime/settings.ts';
import { batchNormInferenceAffine } from '../src/kernels/batchnorm.ts';
import { confusionRefusal } from '../src/checks/metrics.ts';
import { surfaceDistances } from '../src/kernels/surface.ts';
import { surfaceScores } from '../src/metrics/scores.ts';
import * as ref from '../src/reference/metrics.ts';

const tol = (K: number) => ({ atol: 6e-5 * Math.sqrt(K), rtol: 2e-4 });

export const checks: Check[] = [];

for (const [N, H, W, C, O, bandTiles, tile] of [
  [1, 21, 19, 5, 6, null, 2],
  [2, 13, 17, 8, 12, 45, 2],
  [1, 21, 19, 5, 6, 7, 4],
  [2, 13, 17, 8, 12, null, 4],
] as [number, number, number, number, number, number | null, WinogradTile][]) {
  checks.push({
    name: `extra/Winograd F(${tile}x${tile}) ragged chunks [${N},${H},${W},${C}] -> ${O}${bandTiles ? `, bands of ${bandTiles} tiles` : ''}: forward, dx, dW`,
    run: async () => {
      const rng = new Rng(N * 97 + H * 13 + W * 5 + C * 3 + O + tile);
      const f64 = (n: number) => Float64Array.from(Float32Array.from(rng.array(n)));
      const [x, w, b, dy] = [f64(N * H * W * C), f64(9 * C * O), f64(O), f64(N * H * W * O)];
      const X = Tensor.fromData(Float32Array.from(x), [N, H, W, C]);
      const Wt = Tensor.fromData(Float32Array.from(w), [3, 3, C, O]);
      const B = Tensor.fromData(Float32Array.from(b), [O]);
      const DY = Tensor.fromData(Float32Array.from(dy), [N, H, W, O]);
      try {
        const [Y, DX, DW] = withSettings({ winogradBandBytes: bandTiles ? (tile + 2) ** 2 * 4 * Math.max(C, O) * bandTiles : null }, () => [winogradForward(X, Wt, B, { tile }), winogradInputGrad(DY, Wt, { tile }), winogradFilterGrad(X, DY)]);
        const [y, dx, dw] = [await Y.read(), await DX.read(), await DW.read()];
        [Y, DX, DW].forEach((t) => t.dispose());
        await gpu().sync();
        const s: ConvShape = { N, H, W, C, O, KH: 3, KW: 3 };
        const g = conv2dGradRef(x, w, dy, s);
        const results: CheckResult[] = [
          compare('forward', y, conv2dRef(x, w, b, s), [N, H, W, O], tol(9 * C)),
          compare('dx', dx, g.dx, [N, H, W, C], tol(9 * O)),
          compare('dW', dw, g.dw, [3, 3, C, O], tol(N * H * W)),
        ];
        return results.find((r) => !r.pass) ?? results[0]!;
      } finally {
        [X, Wt, B, DY].forEach((t) => t.dispose());
      }
    },
  });
}

checks.push({
  name: 'extra/BatchNorm inference affine, 37 channels with moving variances 0 and 1e-4..1e-2 (epsilon 1e-3)',
  run: async () => {
    const rng = new Rng(37);
    const c = 37;
    const f32 = (f: (i: number) => number) => Float64Array.from(Float32Array.from({ length: c }, (_, i) => f(i)));
    const gamma = f32(() => rng.uniform(0.5, 1.5));
    const beta = f32(() => rng.uniform(-0.2, 0.2));
    const mean = f32(() => rng.uniform(-0.2, 0.2));
    const variance = f32((i) => (i % 4 === 0 ? 0 : 10 ** rng.uniform(-4, -2)));
    const eps = 1e-3;
    const ts = [gamma, beta, mean, variance].map((a) => Tensor.fromData(Float32Array.from(a), [c]));
    const out = batchNormInferenceAffine(ts[0]!, ts[1]!, ts[2]!, ts[3]!, eps);
    const got = await out.read();
    [...ts, out].forEach((t) => t.dispose());
    const want = new Float64Array(2 * c);
    for (let i = 0; i < c; i++) {
      want[i] = gamma[i]! / Math.sqrt(variance[i]! + Math.fround(eps));
      want[c + i] = beta[i]! - mean[i]! * want[i]!;
    }
    return compare('scale, shift', got, want, [2, c], { atol: 1e-5, rtol: 1e-5 });
  },
});

for (const side of ['truth', 'prediction'] as const) {
  checks.push({
    name: `extra/confusion: a ${side} label equal to numClasses (4 of 4) is an error naming the image`,
    run: () => {
      const good = [0, 1, 2, 3, 0, 1, 2, 0];
      const bad = [0, 1, 2, 3, 0, 1, 4, 0];
      return confusionRefusal(side === 'prediction' ? bad : good, side === 'truth' ? bad : good, `${side} label 4 with 4 classes`);
    },
  });
}

checks.push({
  name: 'extra/surface: bands of class 1 across the full width (touching the left and right edges) vs the brute-force reference',
  run: async () => {
    const [H, W] = [12, 10];
    const band = (r0: number, r1: number) => Uint32Array.from({ length: H * W }, (_, i) => (Math.floor(i / W) >= r0 && Math.floor(i / W) < r1 ? 1 : 0));
    const truth = band(2, 9);
    const pred = band(4, 11);
    const tp = Tensor.fromData(pred, [1, H, W], 'u32');
    const tt = Tensor.fromData(truth, [1, H, W], 'u32');
    const [l] = await surfaceDistances(tp, tt, [1, 1], { numClasses: 2 });
    tp.dispose();
    tt.dispose();
    const s = surfaceScores(l!.predToTruth, l!.truthToPred, 1);
    const count = (m: Uint8Array) => m.reduce((a, v) => a + v, 0);
    const rf = ref.referenceSurfaceScores(pred, truth, [1, H, W], [1, 1, 1], 1, 1, ref.bruteForceEdt);
    const got = [s.predSurfaceVoxels, s.truthSurfaceVoxels, s.asd ?? NaN, s.hd95 ?? NaN, s.nsd ?? NaN];
    const want = [count(ref.referenceBoundary(pred, [1, H, W], 1)), count(ref.referenceBoundary(truth, [1, H, W], 1)), rf.asd ?? NaN, rf.hd95 ?? NaN, rf.nsd ?? NaN];
    return compare('surface voxels (pred, truth), ASD, HD95, NSD', got, want, [5], { atol: 1e-6, rtol: 1e-6 });
  },
});

// Winograd on shapes whose tile count leaves a remainder against the filter gradient's chunk and the band
// size, bands holding more tiles than a chunk, and the band sizing of F(2x2) (16 positions) and F(4x4)
// (36 positions) measured on the transformed tensors the kernels allocate, against the binding cap.
import { describe, it, expect, vi, afterEach } from 'vitest';
import { Tensor as RuntimeTensor } from '../src/runtime/tensor.ts';
import { winogradForward, winogradInputGrad, winogradFilterGrad, type WinogradTile } from '../src/kernels/winograd.ts';
import { withSettings } from '../src/runtime/settings.ts';
import { conv2dRef, conv2dGradRef, type ConvShape } from '../src/reference/conv.ts';
import { compare } from '../src/checks/harness.ts';
import { gpu } from '../src/runtime/gpu.ts';
import { conv3x3Inputs } from '../src/checks/winograd.ts';

const tol = (K: number) => ({ atol: 6e-5 * Math.sqrt(K), rtol: 2e-4 });

afterEach(() => {
  vi.restoreAllMocks();
});

type Shape5 = [number, number, number, number, number];

/** Runs forward, dx and dW, recording every [E, rows, cols] tensor the Winograd code allocates. */
async function runAll([N, H, W, C, O]: Shape5, tile: WinogradTile, seed: number) {
  const { x, w, b, dy, X, Wt, B, DY } = conv3x3Inputs([N, H, W, C, O], seed);
  const allocated: number[][] = [];
  const empty = RuntimeTensor.empty.bind(RuntimeTensor);
  const spy = vi.spyOn(RuntimeTensor, 'empty').mockImplementation((shape: readonly number[], dtype?, name?) => {
    allocated.push([...shape]);
    return empty(shape, dtype, name);
  });
  const Y = winogradForward(X, Wt, B, { tile });
  const forwardShapes = allocated.splice(0);
  const DX = winogradInputGrad(DY, Wt, { tile });
  const DW = winogradFilterGrad(X, DY, { tile });
  spy.mockRestore();
  const [y, dx, dw] = [await Y.read(), await DX.read(), await DW.read()];
  [X, Wt, B, DY, Y, DX, DW].forEach((t) => t.dispose());
  await gpu().sync();
  const s: ConvShape = { N, H, W, C, O, KH: 3, KW: 3 };
  const g = conv2dGradRef(x, w, dy, s);
  return {
    forwardShapes,
    forward: compare(`forward F(${tile}x${tile}) [${N},${H},${W},${C}]->${O}`, y, conv2dRef(x, w, b, s), [N, H, W, O], tol(9 * C)),
    dx: compare(`dx F(${tile}x${tile}) [${N},${H},${W},${O}]->${C}`, dx, g.dx, [N, H, W, C], tol(9 * O)),
    dw: compare(`dW F(${tile}x${tile}) [${N},${H},${W},${C}]->${O}`, dw, g.dw, [3, 3, C, O], tol(N * H * W)),
  };
}

// tile counts (F(2x2)): 11*10 = 110 in chunks of 28 (28,28,28,26); 2*7*9 = 126 in chunks of 32 (32,32,32,30);
// 3*4*5 = 60 in chunks of 30 with 3 chunks' worth of bands cut ragged
const ragged: { shape: Shape5; bandTiles: number | null }[] = [
  { shape: [1, 21, 19, 5, 6], bandTiles: null },
  { shape: [1, 21, 19, 5, 6], bandTiles: 50 },
  { shape: [2, 13, 17, 8, 12], bandTiles: null },
  { shape: [2, 13, 17, 8, 12], bandTiles: 45 },
  { shape: [3, 7, 9, 3, 7], bandTiles: 37 },
];

describe('Winograd with ragged chunks and bands: GPU vs float64 reference', () => {
  for (const { shape, bandTiles } of ragged) {
    for (const tile of [2, 4] as WinogradTile[]) {
      const [N, H, W, C, O] = shape;
      it(`F(${tile}x${tile}) [${N},${H},${W},${C}] -> ${O}${bandTiles ? `, bands of ${bandTiles} tiles` : ', one band'}: forward, dx, dW`, async () => {
        const E = (tile + 2) ** 2;
        const r = await withSettings({ winogradBandBytes: bandTiles ? E * 4 * Math.max(C, O) * bandTiles : null }, () => runAll(shape, tile, N * 97 + H * 13 + W * 5 + C * 3 + O + tile));
        for (const c of [r.forward, r.dx, r.dw]) expect(c.pass, c.detail).toBe(true);
      });
    }
  }
});

describe('Winograd band sizing against the binding cap', () => {
  for (const tile of [2, 4] as WinogradTile[]) {
    it(`F(${tile}x${tile}): every transformed band [${(tile + 2) ** 2}, tiles, channels] fits the cap, and the layer is cut into several bands`, async () => {
      const [N, H, W, C, O]: Shape5 = [1, 23, 29, 5, 6];
      const E = (tile + 2) ** 2;
      const tiles = N * Math.ceil(H / tile) * Math.ceil(W / tile);
      const bandTiles = Math.ceil(tiles / 3);
      const cap = E * 4 * Math.max(C, O) * bandTiles;
      const r = await withSettings({ winogradBandBytes: cap }, () => runAll([N, H, W, C, O], tile, 4242 + tile));
      expect(r.forward.pass, r.forward.detail).toBe(true);
      const transformed = r.forwardShapes.filter((s) => s.length === 3);
      const positions = [...new Set(transformed.map((s) => s[0]))];
      expect(positions, `F(${tile}x${tile}) transformed tensors have ${positions} positions, expected ${E}`).toEqual([E]);
      for (const s of transformed) {
        const bytes = 4 * s[0] * s[1] * s[2];
        expect(bytes, `F(${tile}x${tile}) tensor [${s}] is ${bytes} bytes, over the band cap of ${cap} bytes (${bandTiles} tiles of ${Math.max(C, O)} channels)`).toBeLessThanOrEqual(cap);
      }
      const bands = transformed.filter((s) => s[2] === C && s[1] <= bandTiles).length;
      expect(bands, `F(${tile}x${tile}) ${tiles} tiles in bands of ${bandTiles}: ${bands} input transforms`).toBe(Math.ceil(tiles / bandTiles));
    });
  }
});

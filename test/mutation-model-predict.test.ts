// Exact-value tests for src/model/predict.ts, written for its Stryker run (docs/MUTATION.md): the pure helpers on
// hand-made inputs, and the GPU paths (modelProbabilities, predictSlices) with a tiny fake network whose logits are
// a per-class linear function of the pixel plus a position-dependent bias (not flip- or zoom-equivariant), against
// a float64 reference of that network. Every GPU call is a few 8x4 images, so the whole file runs in about a second.
import { describe, expect, it } from 'vitest';
import { Tensor } from '../src/graph/tensor.ts';
import { add, scale } from '../src/graph/ops.ts';
import { concatChannels } from '../src/graph/nn.ts';
import { cropOrPadCentred, resizeArea, resizeBilinear, resizeNearest } from '../src/pipeline/resample.ts';
import {
  argmaxProbabilities,
  canvasFor,
  flipColumns,
  fromModelOutput,
  modelProbabilities,
  STACKED_BATCH,
  predictSlices,
  probabilitiesToSlice,
  sliceConfidence,
  thresholdSpacing,
  toModelInput,
  ttaViews,
  zoomPlanes,
  type SegmentationNet,
  type SliceImage,
  type TtaMode,
} from '../src/model/predict.ts';
import { rejection } from './helpers/thrown.ts';


const GW = 8;
const GH = 4;

/** logits_k(b, y, x) = a_k * input + bias_k(y, x), bias_k(y, x) = sin(1.3 k + 0.7 x + 1.1 y) (same for every image). */
function fakeNet(slopes: number[], w = GW, h = GH): SegmentationNet & { ref(x: Float32Array, n: number): Float64Array; calls: number; modes: unknown[] } {
  const bias = (k: number, i: number) => Math.sin(1.3 * k + 0.7 * (i % w) + 1.1 * Math.floor(i / w));
  const net = {
    config: { width: w, height: h, classes: slopes.length },
    calls: 0,
    /** the `training` flag of every forward call (prediction must never run BatchNorm or dropout in training mode) */
    modes: [] as unknown[],
    forward(x: Tensor, opts?: { training: boolean }) {
      net.calls++;
      net.modes.push(opts?.training);
      const n = x.shape[0]!;
      const plane = (k: number) => {
        const b = new Float32Array(n * w * h);
        for (let i = 0; i < b.length; i++) b[i] = bias(k, i % (w * h));
        return add(scale(x, slopes[k]!), Tensor.fromData(b, [n, h, w, 1]));
      };
      let out = plane(0);
      for (let k = 1; k < slopes.length; k++) out = concatChannels(out, plane(k));
      return out;
    },
    /** float64 softmax of the logits, [n, h, w, classes] */
    ref(x: Float32Array, n: number): Float64Array {
      const C = slopes.length;
      const out = new Float64Array(n * w * h * C);
      for (let p = 0; p < n * w * h; p++) {
        const l = slopes.map((a, k) => Math.fround(Math.fround(a * x[p]!) + Math.fround(bias(k, p % (w * h)))));
        const m = Math.max(...l);
        const e = l.map((v) => Math.exp(v - m));
        const s = e.reduce((a, b) => a + b, 0);
        for (let k = 0; k < C; k++) out[p * C + k] = e[k]! / s;
      }
      return out;
    },
  };
  return net;
}

/** float64 model probabilities and votes of nets x views, computed on the CPU. */
function referenceProbabilities(nets: ReturnType<typeof fakeNet>[], input: Float32Array, n: number, tta: TtaMode) {
  const C = nets[0]!.config.classes;
  const sum = new Float64Array(n * GW * GH * C);
  const any = new Uint8Array(n * GW * GH);
  const all = new Uint8Array(n * GW * GH).fill(255);
  // an ensemble with several views also keeps each network's own masks
  const networks = nets.length > 1 && ttaViews(tta).length > 1 ? nets.map(() => ({ any: new Uint8Array(n * GW * GH), all: new Uint8Array(n * GW * GH).fill(255) })) : undefined;
  let members = 0;
  for (const [k, net] of nets.entries())
    for (const { flip, zoom } of ttaViews(tta)) {
      members++;
      let x = input;
      if (zoom !== 1) x = zoomPlanes(x, n, GH, GW, 1, zoom, 'zero');
      if (flip) x = flipColumns(x, n, GH, GW, 1);
      let p: Float32Array = Float32Array.from(net.ref(x, n));
      if (flip) p = flipColumns(p, n, GH, GW, C);
      if (zoom !== 1) p = zoomPlanes(p, n, GH, GW, C, 1 / zoom, 'clamp');
      p.forEach((v, i) => (sum[i] += v));
      const top = argmaxProbabilities(p, C);
      top.forEach((t, i) => {
        any[i] |= 1 << t;
        all[i] &= 1 << t;
        if (networks) {
          networks[k]!.any[i] |= 1 << t;
          networks[k]!.all[i] &= 1 << t;
        }
      });
    }
  return { probabilities: sum.map((v) => v / members), any, all, members, networks };
}

const closeTo = (got: ArrayLike<number>, want: ArrayLike<number>, tol = 2e-6) => {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
  expect(worst).toBeLessThan(tol);
};

const ramp = (n: number, seed = 1) => Float32Array.from({ length: n }, (_, i) => (((i * 37 + seed * 11) % 23) / 22));

describe('predict.ts helpers on exact values', () => {
  it('canvasFor pads to the model aspect ratio with even margins', () => {
    expect(canvasFor(512, 620, 128, 160)).toEqual({ width: 512, height: 640 });
    expect(canvasFor(10, 10, 16, 8)).toEqual({ width: 20, height: 10 });
    expect(canvasFor(11, 10, 16, 8)).toEqual({ width: 21, height: 10 });
    expect(canvasFor(16, 7, 16, 8)).toEqual({ width: 16, height: 9 });
    expect(canvasFor(17, 7, 16, 8)).toEqual({ width: 17, height: 9 });
    expect(canvasFor(16, 8, 16, 8)).toEqual({ width: 16, height: 8 });
    expect(canvasFor(6, 4, 8, 4)).toEqual({ width: 8, height: 4 });
  });

  it('thresholdSpacing: mm from the spacing, grid pixels from the canvas scale, and the missing-spacing error', () => {
    expect(thresholdSpacing('mm2', { width: 11, height: 10 }, 16, 8, [0.5, 0.7])).toEqual([0.5, 0.7]);
    expect(thresholdSpacing('grid-px', { width: 11, height: 10 }, 16, 8, [0.5, 0.7])).toEqual([0.8, 16 / 21]);
    expect(thresholdSpacing('grid-px', { width: 16, height: 7 }, 16, 8)).toEqual([8 / 9, 1]);
    expect(() => thresholdSpacing('mm2', { width: 11, height: 10 }, 16, 8)).toThrow(/^post-processing thresholds in mm² need the pixel spacing, and this input has none$/);
  });

  it('toModelInput pads centred, then area-resizes only when the canvas is not the model grid', () => {
    const s6 = { image: ramp(24), width: 6, height: 4 };
    const want6 = new Float32Array(32);
    for (let y = 0; y < 4; y++) for (let x = 0; x < 6; x++) want6[y * 8 + x + 1] = s6.image[y * 6 + x]!;
    expect(Array.from(toModelInput(s6, 8, 4))).toEqual(Array.from(want6));
    // 16x7 on a 16x9 canvas (one extra row for even margins), then 16x9 -> 16x8
    const s = { image: ramp(16 * 7), width: 16, height: 7 };
    const got = toModelInput(s, 16, 8);
    expect(got.length).toBe(128);
    expect(Array.from(got)).toEqual(Array.from(resizeArea(cropOrPadCentred(s.image, 16, 7, 16, 9), 16, 9, 16, 8)));
    const same = { image: ramp(32, 3), width: 8, height: 4 };
    expect(Array.from(toModelInput(same, 8, 4))).toEqual(Array.from(same.image));
  });

  it('fromModelOutput: nearest back to the canvas only when it differs, then the padding cropped', () => {
    const labels = Uint8Array.from({ length: 128 }, (_, i) => (i * 7) % 5);
    const got = fromModelOutput(labels, { width: 16, height: 7 }, 16, 8);
    expect(got.length).toBe(112);
    expect(Array.from(got)).toEqual(Array.from(cropOrPadCentred(resizeNearest(labels, 16, 8, 16, 9), 16, 9, 16, 7)));
    const small = Uint8Array.from({ length: 32 }, (_, i) => i);
    const want = [];
    for (let y = 0; y < 4; y++) for (let x = 1; x < 7; x++) want.push(y * 8 + x);
    expect(Array.from(fromModelOutput(small, { width: 6, height: 4 }, 8, 4))).toEqual(want);
  });

  it('resize whenever the canvas differs in either side: an odd margin makes an 11x8 slice a 17x8 canvas on a 16x8 grid, a 16x7 one 16x9', () => {
    // the canvas keeps the model's aspect, so its sides differ from the grid's together, except where the even-margin
    // rounding adds a column (width differs, height equal) or a row (height differs, width equal)
    expect(canvasFor(11, 8, 16, 8)).toEqual({ width: 17, height: 8 });
    expect(canvasFor(16, 7, 16, 8)).toEqual({ width: 16, height: 9 });
    const wide = { image: ramp(88, 5), width: 11, height: 8 };
    expect(Array.from(toModelInput(wide, 16, 8)), 'toModelInput, width only').toEqual(Array.from(resizeArea(cropOrPadCentred(wide.image, 11, 8, 17, 8), 17, 8, 16, 8)));
    const labels = Uint8Array.from({ length: 128 }, (_, i) => (i * 5) % 4);
    expect(Array.from(fromModelOutput(labels, { width: 11, height: 8 }, 16, 8)), 'fromModelOutput, width only').toEqual(Array.from(cropOrPadCentred(resizeNearest(labels, 16, 8, 17, 8), 17, 8, 11, 8)));
    const probs = Float32Array.from({ length: 256 }, (_, i) => ((i * 13) % 29) / 29);
    for (const [w, h, cw, ch] of [[11, 8, 17, 8], [16, 7, 16, 9]]) {
      const got = probabilitiesToSlice(probs, 2, { width: w!, height: h! }, 16, 8);
      const want = new Float32Array(w! * h! * 2);
      for (let k = 0; k < 2; k++) {
        const plane = Float32Array.from({ length: 128 }, (_, i) => probs[i * 2 + k]!);
        const cropped = cropOrPadCentred(resizeBilinear(plane, 16, 8, cw!, ch!), cw!, ch!, w!, h!);
        cropped.forEach((v, i) => (want[i * 2 + k] = v));
      }
      expect(Array.from(got), `probabilitiesToSlice, ${w}x${h} on a ${cw}x${ch} canvas`).toEqual(Array.from(want));
    }
  });

  it('argmaxProbabilities: the largest class, ties to the lowest, never a class past the last', () => {
    const p = Float32Array.from([0.2, 0.5, 0.5, 0.9, 0.05, 0.05, 0.1, 0.1, 0.8, 0.1, 0.2, 0.3, 0.95, 0, 0]);
    expect(Array.from(argmaxProbabilities(p, 3))).toEqual([1, 0, 2, 2, 0]);
    expect(Array.from(argmaxProbabilities(Float32Array.from([0.3, 0.3, 0.7, 0.7]), 2))).toEqual([0, 0]);
  });

  it('probabilitiesToSlice: its length check, the plain crop and the bilinear path', () => {
    expect(() => probabilitiesToSlice(new Float32Array(63), 2, { width: 6, height: 4 }, 8, 4)).toThrow(/^probability map of 63 values for a 8x4x2 model grid$/);
    const probs = Float32Array.from({ length: 64 }, (_, i) => i / 64);
    const crop = probabilitiesToSlice(probs, 2, { width: 6, height: 4 }, 8, 4);
    const want: number[] = [];
    for (let y = 0; y < 4; y++) for (let x = 1; x < 7; x++) want.push(probs[(y * 8 + x) * 2]!, probs[(y * 8 + x) * 2 + 1]!);
    expect(Array.from(crop)).toEqual(want);
    const big = probabilitiesToSlice(probs, 2, { width: 16, height: 7 }, 16, 2);
    // aspect 8, 16/7 < 8: canvas 56x7 (even margins), grid 16x2 -> 56x7 bilinear, crop 16x7
    const c = canvasFor(16, 7, 16, 2);
    expect(c).toEqual({ width: 56, height: 7 });
    for (let k = 0; k < 2; k++) {
      const plane = Float32Array.from({ length: 32 }, (_, i) => probs[i * 2 + k]!);
      const cropped = cropOrPadCentred(resizeBilinear(plane, 16, 2, 56, 7), 56, 7, 16, 7);
      expect(Array.from({ length: 112 }, (_, i) => big[i * 2 + k])).toEqual(Array.from(cropped));
    }
  });

  it('ttaViews lists the views of each mode', () => {
    expect(ttaViews('none')).toEqual([{ flip: false, zoom: 1 }]);
    expect(ttaViews('flip')).toEqual([{ flip: false, zoom: 1 }, { flip: true, zoom: 1 }]);
    expect(ttaViews('full')).toEqual([
      { flip: false, zoom: 1 }, { flip: true, zoom: 1 },
      { flip: false, zoom: 0.9 }, { flip: true, zoom: 0.9 },
      { flip: false, zoom: 1.1 }, { flip: true, zoom: 1.1 },
    ]);
  });

  it('flipColumns mirrors each row of every plane, channels kept together', () => {
    const n = 2, H = 2, W = 3, C = 2;
    const data = Float32Array.from({ length: n * H * W * C }, (_, i) => i);
    const want: number[] = [];
    for (let b = 0; b < n; b++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < C; c++) want.push(((b * H + y) * W + (W - 1 - x)) * C + c);
    expect(Array.from(flipColumns(data, n, H, W, C))).toEqual(want);
  });

  it('zoomPlanes: bilinear about the centre, zero or edge outside, half a pixel of grace at the border', () => {
    const n = 2, H = 5, W = 5, C = 2;
    const data = Float32Array.from({ length: n * H * W * C }, (_, i) => Math.sin(i * 0.37) + 1.5);
    const at = (b: number, y: number, x: number, c: number) => data[((b * H + y) * W + x) * C + c]!;
    const sample = (b: number, sy: number, sx: number, c: number) => {
      const y0 = Math.floor(sy), x0 = Math.floor(sx), fy = sy - y0, fx = sx - x0;
      const y1 = Math.min(H - 1, y0 + 1), x1 = Math.min(W - 1, x0 + 1);
      return (1 - fy) * ((1 - fx) * at(b, y0, x0, c) + fx * at(b, y0, x1, c)) + fy * ((1 - fx) * at(b, y1, x0, c) + fx * at(b, y1, x1, c));
    };
    // 0.5 maps the border pixels a whole pixel or more past the edge: 'clamp' must hold them at the edge, not read on
    for (const zoom of [0.8, 0.7, 0.5, 1.3, 2.5]) {
      for (const outside of ['zero', 'clamp'] as const) {
        const got = zoomPlanes(data, n, H, W, C, zoom, outside);
        const want = new Float32Array(data.length);
        for (let b = 0; b < n; b++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
          const sy = 2 + (y - 2) / zoom, sx = 2 + (x - 2) / zoom;
          const inside = sy >= -0.5 && sy <= H - 0.5 && sx >= -0.5 && sx <= W - 0.5;
          for (let c = 0; c < C; c++)
            want[((b * H + y) * W + x) * C + c] = outside === 'zero' && !inside ? 0 : sample(b, Math.min(H - 1, Math.max(0, sy)), Math.min(W - 1, Math.max(0, sx)), c);
        }
        closeTo(got, want, 1e-6);
      }
    }
    // zoom 0.8 reaches exactly -0.5 and W - 0.5 at the border pixels: kept, with the edge value
    const z = zoomPlanes(data, n, H, W, C, 0.8, 'zero');
    expect(z[0]).toBe(data[0]);
    expect(z[(4 * W + 4) * C + 1]).toBe(data[(4 * W + 4) * C + 1]);
    expect(z[(0 * W + 4) * C]).toBe(data[(0 * W + 4) * C]);
    // zoom 0.7 puts the border pixels outside: zero there, the edge value with 'clamp'
    expect(zoomPlanes(data, n, H, W, C, 0.7, 'zero')[0]).toBe(0);
    expect(zoomPlanes(data, n, H, W, C, 0.7, 'zero')[(2 * W + 4) * C]).toBe(0);
    expect(zoomPlanes(data, n, H, W, C, 0.7, 'zero')[(4 * W + 2) * C]).toBe(0);
    expect(zoomPlanes(data, n, H, W, C, 0.7, 'clamp')[0]).toBe(data[0]);
    // rows: a 1-column image zoomed out loses its top and bottom rows
    const col = Float32Array.from([1, 2, 3, 4, 5]);
    closeTo(zoomPlanes(col, 1, 5, 1, 1, 0.7, 'zero'), [0, 3 - 1 / 0.7, 3, 3 + 1 / 0.7, 0], 1e-6);
    expect(zoomPlanes(col, 1, 5, 1, 1, 0.7, 'zero')[0]).toBe(0);
    expect(zoomPlanes(col, 1, 5, 1, 1, 0.7, 'clamp')[0]).toBe(1);
    expect(zoomPlanes(col, 1, 5, 1, 1, 0.7, 'clamp')[4]).toBe(5);
  });

  it('sliceConfidence: agreement, entropy and pixels per class from hand-made votes', () => {
    // 3 pixels of 3 classes at offset 1 of a 4-pixel buffer
    const probs = Float32Array.from([
      0.1, 0.1, 0.8, // pixel 0 (outside the slice)
      0.5, 0.25, 0.25,
      0.2, 0.6, 0.2,
      0, 0, 1,
    ]);
    const votes = { members: 3, any: Uint8Array.from([4, 1 | 2, 2, 4]), all: Uint8Array.from([4, 0, 2, 4]) };
    const c = sliceConfidence(probs, votes, 1, 3, 3);
    const h = (ps: number[]) => -ps.reduce((s, p) => s + (p > 0 ? p * Math.log(p) : 0), 0) / Math.log(3);
    expect(c.members).toBe(3);
    expect(c.pixels).toEqual([1, 1, 1]);
    // class 0: any at pixel 1 only, all nowhere -> 0; class 1: any at 1, 2, all at 2 -> 1/2; class 2: any/all at 3 -> 1
    expect(c.agreement).toEqual([0, 0.5, 1]);
    expect(c.entropy[0]).toBeCloseTo(h([0.5, 0.25, 0.25]), 7);
    expect(c.entropy[1]).toBeCloseTo(h([0.2, 0.6, 0.2]), 7);
    expect(c.entropy[2]).toBe(0);
    // a class nobody votes for agrees fully and has zero entropy; ties of probabilities go to the lowest class
    const tie = sliceConfidence(Float32Array.from([0.5, 0.5, 0]), { members: 1, any: Uint8Array.from([1]), all: Uint8Array.from([1]) }, 0, 1, 3);
    expect(tie).toEqual({ members: 1, agreement: [1, 1, 1], entropy: [h([0.5, 0.5]), 0, 0], pixels: [1, 0, 0] });
    // each pixel's class is its own argmax: the second pixel's best is class 1 (0.45), whatever the first pixel holds
    const two = sliceConfidence(Float32Array.from([0.8, 0.1, 0.1, 0.3, 0.45, 0.25]), { members: 1, any: Uint8Array.from([1, 2]), all: Uint8Array.from([1, 2]) }, 0, 2, 3);
    expect(two.pixels).toEqual([1, 1, 0]);
    expect(two.entropy[1]).toBeCloseTo(h([0.3, 0.45, 0.25]), 7);
    // an ensemble with views: each class's agreement is the mean of the networks' own (at offset 1, as above), not
    // the unanimity of every member; the whole-ensemble masks do not enter it
    const ens = sliceConfidence(probs, {
      members: 4,
      any: Uint8Array.from([7, 7, 7, 7]),
      all: Uint8Array.from([0, 0, 0, 0]),
      networks: [
        // network 1: class 1 any at pixels 1, 2, all at 2 -> 1/2; class 2 unanimous at 3 -> 1; class 0 nowhere -> 1
        { any: Uint8Array.from([0, 2, 2, 4]), all: Uint8Array.from([0, 0, 2, 4]) },
        // network 2: class 0 any at 1, all nowhere -> 0; class 1 all at 2 -> 1; class 2 any at 2, 3, all at 3 -> 1/2
        { any: Uint8Array.from([4, 1, 2 | 4, 4]), all: Uint8Array.from([4, 0, 2, 4]) },
      ],
    }, 1, 3, 3);
    expect(ens.agreement).toEqual([0.5, 0.75, 0.75]);
    expect(ens.networks).toBe(2);
    expect(ens.members).toBe(4);
    expect(ens.pixels).toEqual([1, 1, 1]);
  });
});

describe('predict.ts on the GPU with a fake network', () => {
  it('modelProbabilities: one net, ensembles and every TTA mode match the float64 reference, votes included', async () => {
    const n = 2;
    const input = ramp(n * GW * GH, 5);
    const a = fakeNet([2, -1, 0.5]);
    const b = fakeNet([-1.5, 1, 3]);
    for (const [nets, tta] of [[[a], 'none'], [[a], 'flip'], [[a, b], 'none'], [[a, b], 'full']] as const) {
      const ref = referenceProbabilities([...nets], input, n, tta);
      const got = await modelProbabilities(nets, input, n, tta, true);
      closeTo(got.probabilities, ref.probabilities);
      expect(got.votes.members).toBe(ref.members);
      expect(Array.from(got.votes.any)).toEqual(Array.from(ref.any));
      expect(Array.from(got.votes.all)).toEqual(Array.from(ref.all));
      expect(got.votes.networks?.map((v) => [Array.from(v.any), Array.from(v.all)])).toEqual(ref.networks?.map((v) => [Array.from(v.any), Array.from(v.all)]));
      const plain = await modelProbabilities(nets, input, n, tta);
      expect(plain).toBeInstanceOf(Float32Array);
      expect(Array.from(plain as Float32Array)).toEqual(Array.from(got.probabilities));
    }
    // a network's views go through it stacked, up to STACKED_BATCH slices a forward: flip on 2 slices is one
    // forward of 4; full (6 views) on 2 slices is two of 4 views (8 slices); full on 5 slices, six of one view
    const batches = (net: ReturnType<typeof fakeNet>) => {
      const seen: number[] = [];
      const forward = net.forward.bind(net);
      net.forward = (x, o) => (seen.push(x.shape[0]!), forward(x, o));
      return { seen, restore: () => (net.forward = forward) };
    };
    for (const [tta, count, want] of [['flip', 2, [4]], ['full', 2, [8, 4]], ['full', 5, [5, 5, 5, 5, 5, 5]], ['none', 9, [9]]] as const) {
      const probe = batches(a);
      const x = ramp(count * GW * GH, 7);
      closeTo(await modelProbabilities([a], x, count, tta), referenceProbabilities([a], x, count, tta).probabilities);
      probe.restore();
      expect(probe.seen, `${tta} on ${count} slices`).toEqual(want);
    }
    expect(STACKED_BATCH).toBe(8);
    // the default is no TTA, one forward per net
    const calls = a.calls;
    closeTo(await modelProbabilities([a], input, n), referenceProbabilities([a], input, n, 'none').probabilities);
    expect(a.calls).toBe(calls + 1);
    // the votes hold 8 classes at most: 8 runs, 9 is refused before any forward
    const eight = fakeNet([1, 2, 3, 4, -1, -2, -3, 0.5]);
    const r8 = await modelProbabilities([eight], input, n, 'none', true);
    expect(Array.from(r8.votes.any)).toEqual(Array.from(referenceProbabilities([eight], input, n, 'none').any));
    const nine = fakeNet([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect((await rejection(modelProbabilities([nine], input, n))).message).toBe('modelProbabilities: 9 classes; the vote masks hold at most 8');
    expect(nine.calls).toBe(0);
  });

  it('predictSlices: batches, both upsamplings, the callbacks and the ensemble checks', async () => {
    const a = fakeNet([2, -1, 0.5]);
    const b = fakeNet([-1.5, 1, 3]);
    const slices: SliceImage[] = [
      { image: ramp(24, 1), width: 6, height: 4 },
      { image: ramp(128, 2), width: 16, height: 8 },
      { image: ramp(15, 3), width: 5, height: 3 },
      { image: ramp(32, 4), width: 8, height: 4 },
      { image: ramp(18, 6), width: 9, height: 2 },
    ];
    /** what one slice should give, from the reference alone */
    const expected = (nets: ReturnType<typeof fakeNet>[], s: SliceImage, tta: TtaMode, upsampling: 'probabilities' | 'nearest') => {
      const ref = referenceProbabilities(nets, toModelInput(s, GW, GH), 1, tta);
      const p = Float32Array.from(ref.probabilities);
      const probs = probabilitiesToSlice(p, 3, s, GW, GH);
      const labels = upsampling === 'nearest' ? fromModelOutput(argmaxProbabilities(p, 3), s, GW, GH) : argmaxProbabilities(probs, 3);
      const contested = fromModelOutput(Uint8Array.from(ref.all, (v) => (v === 0 ? 1 : 0)), s, GW, GH);
      return { labels, probs, contested, confidence: sliceConfidence(p, { members: ref.members, any: ref.any, all: ref.all, ...(ref.networks ? { networks: ref.networks } : {}) }, 0, GW * GH, 3) };
    };
    for (const [nets, tta] of [[[a], 'none'], [[a, b], 'flip']] as const) {
      const progress: number[] = [];
      const probs = new Map<number, Float32Array>();
      const conf = new Map<number, unknown>();
      const contested = new Map<number, Uint8Array>();
      const out = await predictSlices(nets.length === 1 ? nets[0] : nets, slices, 2, (d) => progress.push(d), 'probabilities', (i, p) => probs.set(i, p), {
        tta,
        onSliceConfidence: (i, c) => conf.set(i, c),
        onSliceDisagreement: (i, c) => contested.set(i, c),
      });
      expect(progress).toEqual([2, 4, 5]);
      expect(out).toHaveLength(5);
      slices.forEach((s, i) => {
        const e = expected([...nets], s, tta, 'probabilities');
        expect(Array.from(out[i]!), `slice ${i}`).toEqual(Array.from(e.labels));
        closeTo(probs.get(i)!, e.probs);
        expect(Array.from(contested.get(i)!)).toEqual(Array.from(e.contested));
        const c = conf.get(i) as typeof e.confidence;
        expect(c.members).toBe(e.confidence.members);
        expect(c.networks, 'an ensemble with views averages its networks').toBe(nets.length > 1 && tta !== 'none' ? nets.length : undefined);
        expect(c.pixels).toEqual(e.confidence.pixels);
        expect(c.agreement).toEqual(e.confidence.agreement);
        closeTo(c.entropy, e.confidence.entropy, 1e-6);
      });
      if (tta === 'flip') expect(contested.get(1)!.some((v) => v === 1)).toBe(true);
      // nearest: the label path on the network grid, one forward per batch for one net without TTA
      const before = a.calls;
      const near = await predictSlices(nets.length === 1 ? nets[0] : nets, slices, 3, undefined, 'nearest', undefined, { tta });
      if (nets.length === 1) expect(a.calls).toBe(before + 2);
      slices.forEach((s, i) => expect(Array.from(near[i]!), `nearest slice ${i}`).toEqual(Array.from(expected([...nets], s, tta, 'nearest').labels)));
    }
    // nearest for an ensemble without TTA, and for one net with TTA: every member counts
    for (const [nets, tta] of [[[a, b], 'none'], [[b], 'flip']] as const) {
      const labels = await predictSlices([...nets], slices, 2, undefined, 'nearest', undefined, { tta });
      slices.forEach((s, i) => expect(Array.from(labels[i]!), `nearest ${nets.length} net(s), ${tta}, slice ${i}`).toEqual(Array.from(expected([...nets], s, tta, 'nearest').labels)));
    }
    // (and those differ from the first net alone without TTA, so the comparison can fail)
    const alone = slices.map((s) => Array.from(expected([a], s, 'none', 'nearest').labels));
    expect(slices.map((s) => Array.from(expected([a, b], s, 'none', 'nearest').labels))).not.toEqual(alone);
    expect(slices.map((s) => Array.from(expected([b], s, 'flip', 'nearest').labels))).not.toEqual(slices.map((s) => Array.from(expected([b], s, 'none', 'nearest').labels)));
    // nearest with a confidence callback goes through the probabilities: the same labels
    const conf: number[] = [];
    const near = await predictSlices(a, slices.slice(0, 2), 4, undefined, 'nearest', undefined, { onSliceConfidence: (i) => conf.push(i) });
    expect(conf).toEqual([0, 1]);
    expect(Array.from(near[1]!)).toEqual(Array.from(expected([a], slices[1]!, 'none', 'nearest').labels));
    const dis: number[] = [];
    await predictSlices(a, slices.slice(0, 2), 4, undefined, 'nearest', undefined, { onSliceDisagreement: (i, c) => dis.push(i, c.length) });
    expect(dis).toEqual([0, 24, 1, 128]);
    // the default batch size is 4 and the default upsampling the probabilities
    const progress: number[] = [];
    const dflt = await predictSlices(a, slices, undefined, (d) => progress.push(d));
    expect(progress).toEqual([4, 5]);
    // a slice count that is a multiple of the batch ends on its last full batch, with no empty one after it
    const whole: number[] = [];
    expect(await predictSlices(a, slices.slice(0, 4), 2, (d) => whole.push(d))).toHaveLength(4);
    expect(whole).toEqual([2, 4]);
    // every forward of prediction ran in inference mode (BatchNorm's moving statistics, no dropout), on both paths
    expect(a.modes.length).toBeGreaterThan(0);
    expect(b.modes.length).toBeGreaterThan(0);
    expect([...new Set([...a.modes, ...b.modes])]).toEqual([false]);
    slices.forEach((s, i) => expect(Array.from(dflt[i]!)).toEqual(Array.from(expected([a], s, 'none', 'probabilities').labels)));
    // ensembles
    expect((await rejection(predictSlices([], slices))).message).toBe('predictSlices: no network given');
    for (const [w, h, k] of [[16, 4, 3], [8, 8, 3], [8, 4, 2]]) {
      const other = fakeNet(Array.from({ length: k }, (_, i) => i + 1), w, h);
      expect((await rejection(predictSlices([a, other], slices))).message).toBe(`ensemble members differ: 8x4 with 3 classes vs ${w}x${h} with ${k} classes`);
    }
    expect((await rejection(predictSlices([a, b, fakeNet([1, 2], 8, 4)], slices))).message).toBe('ensemble members differ: 8x4 with 3 classes vs 8x4 with 2 classes');
  });
});

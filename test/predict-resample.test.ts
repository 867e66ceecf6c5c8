// Probabilities, not labels, are resampled: a smooth disc whose probability map is known is pushed through
// the small-grid prediction path (a 512x620 slice padded to 512x640, area-downsampled to 128x160, a fake
// network, softmax, bilinear back, padding cropped) and its boundary lands within 1 px of the true circle
// at full resolution; nearest-neighbour label upsampling of the same network output does not.
import { describe, it, expect } from 'vitest';
import { Tensor } from '../src/graph/tensor.ts';
import { scale, sub } from '../src/graph/ops.ts';
import { concatChannels } from '../src/graph/nn.ts';
import { predictSlices, probabilitiesToSlice, canvasFor, type SegmentationNet } from '../src/model/predict.ts';

const W = 512;
const H = 620;
const R = 100;
const CX = 255.3;
const CY = 301.7;
const radius = (i: number) => Math.hypot((i % W) - CX, Math.floor(i / W) - CY);

/** Logits [0, 20 (x - 0.5)]: class 1 wins exactly where the (downsampled) intensity is above one half. */
const thresholdNet: SegmentationNet = {
  config: { width: 128, height: 160, classes: 2 },
  forward(x: Tensor) {
    const half = Tensor.fromData(new Float32Array(x.size).fill(0.5), x.shape);
    return concatChannels(scale(x, 0), scale(sub(x, half), 20));
  },
};

/** Largest distance from the true circle of a pixel whose label is wrong (0 when none is). */
function worstBoundaryError(labels: Uint8Array): { worst: number; wrong: number } {
  let worst = 0;
  let wrong = 0;
  for (let i = 0; i < labels.length; i++) {
    const r = radius(i);
    if (labels[i] !== (r < R ? 1 : 0)) {
      wrong++;
      worst = Math.max(worst, Math.abs(r - R));
    }
  }
  return { worst, wrong };
}

describe('probability resampling to the input grid', () => {
  it('puts a smooth disc within 1 px of its boundary at 512x620 where nearest-neighbour labels miss by more', async () => {
    const image = new Float32Array(W * H);
    for (let i = 0; i < image.length; i++) image[i] = 1 / (1 + Math.exp(-(R - radius(i)) / 3));
    const slice = { image, width: W, height: H };
    const [resampled] = await predictSlices(thresholdNet, [slice], 1, undefined, 'probabilities');
    const [nearest] = await predictSlices(thresholdNet, [slice], 1, undefined, 'nearest');
    const p = worstBoundaryError(resampled!);
    const n = worstBoundaryError(nearest!);
    expect(resampled!.length).toBe(W * H);
    expect(p.worst, `probability resampling: ${p.wrong} wrong pixels, worst ${p.worst.toFixed(2)} px from the circle`).toBeLessThanOrEqual(1);
    expect(n.worst, `nearest labels: ${n.wrong} wrong pixels, worst ${n.worst.toFixed(2)} px from the circle`).toBeGreaterThan(1.5);
    expect(n.wrong).toBeGreaterThan(3 * p.wrong);
  });

  it('undoes the centred padding exactly: a constant map stays constant and a marked row lands on its source rows', () => {
    // 128x160 grid, slice 512x620 on a 512x640 canvas: 10 padded rows above and below
    expect(canvasFor(W, H, 128, 160)).toEqual({ width: 512, height: 640 });
    const probs = new Float32Array(128 * 160 * 2);
    for (let i = 0; i < 128 * 160; i++) probs[i * 2] = 1;
    for (let x = 0; x < 128; x++) {
      probs[(40 * 128 + x) * 2] = 0; // grid row 40 covers canvas rows 160-163, slice rows 150-153
      probs[(40 * 128 + x) * 2 + 1] = 1;
    }
    const full = probabilitiesToSlice(probs, 2, { width: W, height: H }, 128, 160);
    const rowMean = (y: number) => {
      let s = 0;
      for (let x = 0; x < W; x++) s += full[(y * W + x) * 2 + 1]!;
      return s / W;
    };
    // bilinear: the row's centre (canvas 161.5 -> slice 151.5) is the peak, symmetric about it
    expect(rowMean(151)).toBeCloseTo(rowMean(152), 6);
    expect(rowMean(151)).toBeGreaterThan(0.8);
    expect(rowMean(149)).toBeCloseTo(rowMean(154), 6);
    expect(rowMean(147)).toBe(0);
    expect(rowMean(156)).toBe(0);
    let worstSum = 0;
    for (let i = 0; i < W * H; i++) worstSum = Math.max(worstSum, Math.abs(full[i * 2]! + full[i * 2 + 1]! - 1));
    expect(worstSum, 'probabilities still sum to 1 after resampling').toBeLessThan(1e-6);
  });
});

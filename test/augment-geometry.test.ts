// Augmentation geometry checked against geometry, not against the same drawn parameters: the matrix of a
// rotation-only draw is a rotation; a scale-only draw changes a centred disc's area by s^2 on the GPU; a
// translation moves a disc's centroid by the drawn offset. (src/checks/augment.ts compares the GPU with a
// reference fed the same parameters, so a wrong matrix would pass there.)
import { describe, it, expect } from 'vitest';
import { augmentLevel, augmentKey, drawAugmentParams, type AugmentConfig } from '../src/model/augment.ts';
import { AUG, augmentSpatial } from '../src/kernels/augment.ts';
import { Tensor } from '../src/runtime/tensor.ts';
import { Rng } from '../src/util/random.ts';

const [W, H] = [61, 53];

/** The 'none' level with only the named spatial transforms firing. */
function only(edit: (c: AugmentConfig) => void): AugmentConfig {
  const c = augmentLevel('none');
  edit(c);
  return c;
}

/** Label 1 on a disc of radius r centred at (cx, cy), 0 elsewhere. */
function disc(r: number, cx = (W - 1) / 2, cy = (H - 1) / 2): Uint32Array {
  const y = new Uint32Array(W * H);
  for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) if ((j - cx) ** 2 + (i - cy) ** 2 <= r * r) y[i * W + j] = 1;
  return y;
}

function areaAndCentroid(y: ArrayLike<number>): { area: number; cx: number; cy: number } {
  let area = 0, sx = 0, sy = 0;
  for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) if (y[i * W + j] === 1) { area++; sx += j; sy += i; }
  return { area, cx: sx / area, cy: sy / area };
}

async function warpLabels(labels: Uint32Array, params: Float32Array): Promise<Uint32Array> {
  const x = Tensor.fromData(new Float32Array(W * H), [1, H, W, 1]);
  const y = Tensor.fromData(labels, [1, H, W], 'u32');
  const p = Tensor.fromData(params, [params.length]);
  const out = augmentSpatial(x, y, p);
  const got = await out.y.readU32();
  [x, y, p, out.x, out.y].forEach((t) => t.dispose());
  return got;
}

describe('augmentation geometry', () => {
  it('a rotation-only draw gives an orthogonal 2x2 matrix with determinant 1 that fixes the slice centre', () => {
    const c = only((c) => { c.rotation = { p: 1, maxDegrees: 30 }; });
    let rotated = 0;
    for (let index = 0; index < 20; index++) {
      const q = drawAugmentParams(c, W, H, 7, 1, index);
      const [a, b, tx, d, e, ty] = Array.from(q.subarray(AUG.matrix, AUG.matrix + 6));
      const what = `sample ${index}: matrix [[${a}, ${b}], [${d}, ${e}]]`;
      expect(a * e - b * d, `${what}: determinant`).toBeCloseTo(1, 5);
      expect(a * a + d * d, `${what}: first column norm^2`).toBeCloseTo(1, 5);
      expect(b * b + e * e, `${what}: second column norm^2`).toBeCloseTo(1, 5);
      expect(a * b + d * e, `${what}: columns' dot product`).toBeCloseTo(0, 5);
      const [cx, cy] = [(W - 1) / 2, (H - 1) / 2];
      expect(a * cx + b * cy + tx, `${what}: centre x maps to itself`).toBeCloseTo(cx, 3);
      expect(d * cx + e * cy + ty, `${what}: centre y maps to itself`).toBeCloseTo(cy, 3);
      if (Math.abs(b) > 0.05) rotated++;
    }
    expect(rotated, 'draws that rotate by more than ~3 degrees').toBeGreaterThan(10);
  });

  it('rotation, zoom and translation drawn together: the matrix maps s R(theta) (p - centre) + centre + t back to p', () => {
    const c = only((c) => { c.rotation = { p: 1, maxDegrees: 30 }; c.scale = { p: 1, min: 0.8, max: 1.25 }; c.translate = { p: 1, maxFraction: 0.1 }; });
    const [cx, cy] = [(W - 1) / 2, (H - 1) / 2];
    for (let index = 0; index < 10; index++) {
      // the draw order of drawAugmentParams: fires, theta, fires, s, fires, tx, ty
      const rng = new Rng(augmentKey(5, 2, index));
      rng.next();
      const theta = (rng.uniform(-30, 30) * Math.PI) / 180;
      rng.next();
      const s = rng.uniform(0.8, 1.25);
      rng.next();
      const tx = rng.uniform(-1, 1) * 0.1 * W;
      const ty = rng.uniform(-1, 1) * 0.1 * H;
      const [a, b, ox, d, e, oy] = Array.from(drawAugmentParams(c, W, H, 5, 2, index).subarray(AUG.matrix, AUG.matrix + 6));
      for (const [px, py] of [[3, 4], [W - 2, 7], [cx, cy], [11, H - 3]] as [number, number][]) {
        const outX = s * (Math.cos(theta) * (px - cx) - Math.sin(theta) * (py - cy)) + cx + tx;
        const outY = s * (Math.sin(theta) * (px - cx) + Math.cos(theta) * (py - cy)) + cy + ty;
        const back = [a * outX + b * outY + ox, d * outX + e * outY + oy];
        const what = `sample ${index} (theta ${theta.toFixed(3)}, s ${s.toFixed(3)}, t (${tx.toFixed(2)}, ${ty.toFixed(2)})): (${px}, ${py}) -> (${outX.toFixed(2)}, ${outY.toFixed(2)}) -> (${back[0]!.toFixed(3)}, ${back[1]!.toFixed(3)})`;
        expect(Math.hypot(back[0]! - px, back[1]! - py), what).toBeLessThan(1e-3);
      }
    }
  });

  for (const s of [0.8, 1.25]) {
    it(`a scale-only draw (s = ${s}) changes a centred disc's area by s^2 on the GPU`, async () => {
      const c = only((c) => { c.scale = { p: 1, min: s, max: s }; });
      const labels = disc(11);
      const before = areaAndCentroid(labels);
      const after = areaAndCentroid(await warpLabels(labels, drawAugmentParams(c, W, H, 3, 0, 0)));
      const ratio = after.area / before.area;
      expect(Math.abs(ratio - s * s) / (s * s), `disc of ${before.area} px became ${after.area} px: ratio ${ratio.toFixed(3)}, want s^2 = ${(s * s).toFixed(3)}`).toBeLessThan(0.06);
      expect(Math.hypot(after.cx - before.cx, after.cy - before.cy), 'centroid stays at the centre').toBeLessThan(0.5);
    });
  }

  it('a translation moves a disc centroid by the drawn offset (x and y) on the GPU', async () => {
    const maxFraction = 0.1;
    const c = only((c) => { c.translate = { p: 1, maxFraction }; });
    for (const index of [0, 1, 2]) {
      const seed = 11;
      // the draw order of drawAugmentParams: three firing tests (rotation, scale, translate), then tx, ty
      const rng = new Rng(augmentKey(seed, 0, index));
      rng.next(); rng.next(); rng.next();
      const tx = rng.uniform(-1, 1) * maxFraction * W;
      const ty = rng.uniform(-1, 1) * maxFraction * H;
      const labels = disc(8);
      const before = areaAndCentroid(labels);
      const after = areaAndCentroid(await warpLabels(labels, drawAugmentParams(c, W, H, seed, 0, index)));
      const what = `sample ${index}: drawn offset (${tx.toFixed(2)}, ${ty.toFixed(2)}), centroid moved (${(after.cx - before.cx).toFixed(2)}, ${(after.cy - before.cy).toFixed(2)})`;
      expect(Math.abs(after.cx - before.cx - tx), what).toBeLessThan(0.6);
      expect(Math.abs(after.cy - before.cy - ty), what).toBeLessThan(0.6);
      expect(Math.abs(after.area - before.area), `${what}: area ${before.area} -> ${after.area}`).toBeLessThan(0.05 * before.area);
    }
  });
});

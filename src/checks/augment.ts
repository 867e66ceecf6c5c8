// Augmentation kernels against the float64 reference (src/reference/augment.ts) on odd shapes: identity
// parameters give the input back bit for bit, warps and intensity changes match the reference, labels stay
// in {0..3}, and everything mapped from outside the slice is background (intensity 0, label 0).
import { Tensor } from '../graph/tensor.ts';
import { augmentSpatial, augmentIntensity, identityAugParams, AUG, AUG_STRIDE } from '../kernels/augment.ts';
import { augmentLevel, drawBatchAugmentParams, type AugmentConfig } from '../model/augment.ts';
import { augmentSpatialRef, augmentIntensityRef } from '../reference/augment.ts';
import { Rng } from '../util/random.ts';
import { compare, type Check, type CheckResult } from './harness.ts';

export const checks: Check[] = [];

const both = (a: CheckResult, b: CheckResult): CheckResult => ({ pass: a.pass && b.pass, maxAbsErr: Math.max(a.maxAbsErr, b.maxAbsErr), detail: `${a.detail}; ${b.detail}` });
const fail = (detail: string): CheckResult => ({ pass: false, maxAbsErr: Infinity, detail });

/** A slice-like input: smooth intensities in [0,1] with a few blocks of labels 1..3. */
function input(rng: Rng, n: number, h: number, w: number): { image: Float32Array; labels: Uint32Array } {
  const image = new Float32Array(n * h * w);
  const labels = new Uint32Array(n * h * w);
  for (let i = 0; i < image.length; i++) image[i] = Math.fround(rng.next());
  for (let b = 0; b < n; b++) {
    for (let k = 1; k <= 3; k++) {
      const x0 = rng.int(w);
      const y0 = rng.int(h);
      for (let y = y0; y < Math.min(h, y0 + 1 + rng.int(h)); y++) for (let x = x0; x < Math.min(w, x0 + 1 + rng.int(w)); x++) labels[b * h * w + y * w + x] = k;
    }
  }
  return { image, labels };
}

async function runGpu(image: Float32Array, labels: Uint32Array, params: Float32Array, n: number, h: number, w: number) {
  const x = Tensor.fromData(image, [n, h, w, 1]);
  const y = Tensor.fromData(labels, [n, h, w], 'u32');
  const p = Tensor.fromData(params, [n * AUG_STRIDE]);
  const s = augmentSpatial(x, y, p);
  const out = augmentIntensity(s.x, p);
  const r = { warped: await s.x.read(), labels: await s.y.readU32(), out: await out.read() };
  [x, y, p, s.x, s.y, out].forEach((t) => t.dispose());
  return r;
}

const shapes: [number, number, number][] = [[3, 13, 7], [2, 37, 29], [1, 1, 5]];

for (const [n, h, w] of shapes) {
  checks.push({
    name: `augment/identity parameters ${n}x${h}x${w}: image and labels come back exactly`,
    run: async () => {
      const { image, labels } = input(new Rng(n * 100 + h), n, h, w);
      const params = new Float32Array(n * AUG_STRIDE);
      for (let b = 0; b < n; b++) params.set(identityAugParams(), b * AUG_STRIDE);
      const g = await runGpu(image, labels, params, n, h, w);
      for (let i = 0; i < image.length; i++) {
        if (!Object.is(g.out[i], image[i]) || g.labels[i] !== labels[i]) return fail(`pixel ${i}: image ${g.out[i]} (want ${image[i]}), label ${g.labels[i]} (want ${labels[i]})`);
      }
      return { pass: true, maxAbsErr: 0, detail: `${image.length} pixels identical` };
    },
  });
}

function heavyAlways(): AugmentConfig {
  const c = augmentLevel('heavy');
  for (const k of ['rotation', 'scale', 'translate', 'elastic', 'gamma', 'contrast', 'brightness', 'noise', 'blur'] as const) c[k].p = 1;
  return c;
}

for (const [n, h, w] of shapes.slice(0, 2)) {
  for (const [what, config] of [['every transform on', heavyAlways()], ['level default', augmentLevel('default')]] as const) {
    checks.push({
      name: `augment/${what} ${n}x${h}x${w}: GPU vs float64 reference, labels in {0..3}`,
      run: async () => {
        const { image, labels } = input(new Rng(n * 7 + w), n, h, w);
        const params = drawBatchAugmentParams(config, w, h, 5, 2, Array.from({ length: n }, (_, i) => 10 + i));
        const g = await runGpu(image, labels, params, n, h, w);
        const ref = augmentSpatialRef(image, labels, params, n, h, w);
        // warped image: bilinear weights in f32 (positions carry ~1e-5 px rounding)
        const rSpatial = compare('warped image', g.warped, ref.image, [n, h, w], { atol: 2e-4, rtol: 0 });
        let mismatched = 0;
        for (let i = 0; i < g.labels.length; i++) {
          if (g.labels[i] > 3) return fail(`label ${g.labels[i]} at pixel ${i}`);
          if (g.labels[i] !== ref.labels[i] && !ref.ambiguous[i]) mismatched++;
        }
        if (mismatched > 0) return fail(`${mismatched} labels differ from the reference away from rounding boundaries`);
        // intensity from the GPU's own warped image, so only this pass's error is measured
        // noise: WGSL's cos may be off by 2^-11 absolute, times sigma and |sqrt(-2 ln u)| <= 5.8 (u >= 2^-24)
        const rIntensity = compare('intensity', g.out, augmentIntensityRef(g.warped, params, n, h, w), [n, h, w], { atol: 1e-4 + config.noise.maxSigma * 5.8 * 2 ** -11, rtol: 1e-4 });
        return both(rSpatial, rIntensity);
      },
    });
  }
}

checks.push({
  name: 'augment/background outside the slice: a zoomed-out, shifted warp gives intensity 0 and label 0 there',
  run: async () => {
    const [n, h, w] = [2, 37, 29];
    const image = new Float32Array(n * h * w).fill(0.75);
    const labels = new Uint32Array(n * h * w).fill(2);
    const params = new Float32Array(n * AUG_STRIDE);
    for (let b = 0; b < n; b++) {
      const q = identityAugParams();
      // source = 2 * output - 40: output pixels beyond ~(w + 39) / 2 and below 20 read outside the slice
      q[AUG.matrix] = 2;
      q[AUG.matrix + 2] = -40;
      q[AUG.matrix + 4] = 2;
      q[AUG.matrix + 5] = -40;
      params.set(q, b * AUG_STRIDE);
    }
    const g = await runGpu(image, labels, params, n, h, w);
    let outside = 0;
    for (let b = 0; b < n; b++) {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const sx = 2 * x - 40;
          const sy = 2 * y - 40;
          if (sx < -1 || sy < -1 || sx > w || sy > h) {
            outside++;
            const i = b * h * w + y * w + x;
            if (g.out[i] !== 0 || g.labels[i] !== 0) return fail(`pixel (${x},${y}) of sample ${b} maps to (${sx},${sy}) outside the slice but has intensity ${g.out[i]}, label ${g.labels[i]}`);
          }
        }
      }
    }
    return outside > 0 ? { pass: true, maxAbsErr: 0, detail: `${outside} pixels outside the slice are background` } : fail('no pixel mapped outside');
  },
});

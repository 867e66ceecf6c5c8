// Float64 reference of the augmentation kernels (shaders/augment_spatial.wgsl, augment_intensity.wgsl),
// written from the documented parameter layout: per output pixel, the elastic displacement, the affine
// source position, bilinear image taps (0 outside), nearest label (round half up, 0 outside); then blur,
// gamma, contrast/brightness and hashed Box-Muller noise.
const STRIDE = 68;
const GRID = 5;

export interface SpatialRefResult {
  image: Float64Array;
  labels: Uint32Array;
  /** 1 where the source position lies within `margin` of a nearest-neighbour rounding boundary (f32 may round the other way) */
  ambiguous: Uint8Array;
}

export function augmentSpatialRef(image: ArrayLike<number>, labels: ArrayLike<number>, params: ArrayLike<number>, n: number, height: number, width: number, margin = 1e-3): SpatialRefResult {
  const hw = height * width;
  const outImage = new Float64Array(n * hw);
  const outLabels = new Uint32Array(n * hw);
  const ambiguous = new Uint8Array(n * hw);
  for (let b = 0; b < n; b++) {
    const q = b * STRIDE;
    const at = (x: number, y: number) => (x < 0 || y < 0 || x >= width || y >= height ? 0 : image[b * hw + y * width + x]);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let px = x;
        let py = y;
        if (params[q + 6] !== 0) {
          const gx = (x * (GRID - 1)) / (Math.max(width, 2) - 1);
          const gy = (y * (GRID - 1)) / (Math.max(height, 2) - 1);
          const j0 = Math.min(Math.floor(gx), GRID - 2);
          const i0 = Math.min(Math.floor(gy), GRID - 2);
          const fx = gx - j0;
          const fy = gy - i0;
          const c = (i: number, j: number, k: number) => params[q + 16 + 2 * (i * GRID + j) + k];
          const d = (k: number) => c(i0, j0, k) * (1 - fx) * (1 - fy) + c(i0, j0 + 1, k) * fx * (1 - fy) + c(i0 + 1, j0, k) * (1 - fx) * fy + c(i0 + 1, j0 + 1, k) * fx * fy;
          px += d(0);
          py += d(1);
        }
        const sx = params[q] * px + params[q + 1] * py + params[q + 2];
        const sy = params[q + 3] * px + params[q + 4] * py + params[q + 5];
        const x0 = Math.floor(sx);
        const y0 = Math.floor(sy);
        const fx = sx - x0;
        const fy = sy - y0;
        const i = b * hw + y * width + x;
        outImage[i] = at(x0, y0) * (1 - fx) * (1 - fy) + at(x0 + 1, y0) * fx * (1 - fy) + at(x0, y0 + 1) * (1 - fx) * fy + at(x0 + 1, y0 + 1) * fx * fy;
        const nx = Math.floor(sx + 0.5);
        const ny = Math.floor(sy + 0.5);
        outLabels[i] = nx >= 0 && ny >= 0 && nx < width && ny < height ? labels[b * hw + ny * width + nx] : 0;
        const near = (v: number) => Math.abs(v + 0.5 - Math.round(v + 0.5)) < margin;
        ambiguous[i] = near(sx) || near(sy) ? 1 : 0;
      }
    }
  }
  return { image: outImage, labels: outLabels, ambiguous };
}

function pcg(v: number): number {
  const state = (Math.imul(v >>> 0, 747796405) + 2891336453) >>> 0;
  const word = Math.imul(((state >>> ((state >>> 28) + 4)) ^ state) >>> 0, 277803737) >>> 0;
  return ((word >>> 22) ^ word) >>> 0;
}

/** The standard normal draw of pixel r (index within its slice) for a sample's noise key. */
export function augmentNoiseRef(key: number, r: number): number {
  const h1 = pcg((pcg((pcg(key) ^ r) >>> 0) + key) >>> 0);
  const h2 = pcg(h1);
  const u1 = ((h1 >>> 8) + 1) / 16777216;
  const u2 = (h2 >>> 8) / 16777216;
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

export function augmentIntensityRef(image: ArrayLike<number>, params: ArrayLike<number>, n: number, height: number, width: number): Float64Array {
  const hw = height * width;
  const out = new Float64Array(n * hw);
  const w = [0.25, 0.5, 0.25];
  for (let b = 0; b < n; b++) {
    const q = b * STRIDE;
    const at = (x: number, y: number) => image[b * hw + Math.min(Math.max(y, 0), height - 1) * width + Math.min(Math.max(x, 0), width - 1)];
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const r = y * width + x;
        let v = image[b * hw + r];
        if (params[q + 13] !== 0) {
          v = 0;
          for (let dy = 0; dy < 3; dy++) for (let dx = 0; dx < 3; dx++) v += w[dy] * w[dx] * at(x + dx - 1, y + dy - 1);
        }
        if (params[q + 8] !== 0) v = Math.min(Math.max(v, 0), 1) ** params[q + 9];
        v = v * params[q + 10] + params[q + 11];
        if (params[q + 12] > 0) v += params[q + 12] * augmentNoiseRef(params[q + 14], r);
        out[b * hw + r] = v;
      }
    }
  }
  return out;
}

// Overlays of label maps on the MRI in the paper's colours (vertebrae red, spinal canal green, discs blue),
// as RGB pixels and PNG bytes (fast-png works in Node and the browser).
import { encode } from 'fast-png';

export const CLASS_COLOURS: [number, number, number][] = [
  [0, 0, 0],
  [230, 40, 40],
  [40, 210, 60],
  [50, 90, 255],
];

/** RGB [h*w*3] of a grey image in [0,1] with `labels` blended on top (alpha for every non-background class). */
export function overlayRgb(image: Float32Array, labels: ArrayLike<number> | null, width: number, height: number, alpha = 0.45): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    const g = Math.max(0, Math.min(255, Math.round(image[i] * 255)));
    const c = labels ? labels[i] : 0;
    for (let k = 0; k < 3; k++) out[3 * i + k] = c === 0 ? g : Math.round((1 - alpha) * g + alpha * CLASS_COLOURS[c][k]);
  }
  return out;
}

/** Panels side by side with a 4-pixel gap: [MRI | truth | prediction] or [MRI | prediction]. */
export function panelsRgb(panels: Uint8Array[], width: number, height: number): { rgb: Uint8Array; width: number; height: number } {
  const gap = 4;
  const W = panels.length * width + (panels.length - 1) * gap;
  const rgb = new Uint8Array(W * height * 3).fill(255);
  panels.forEach((p, k) => {
    for (let y = 0; y < height; y++) rgb.set(p.subarray(y * width * 3, (y + 1) * width * 3), (y * W + k * (width + gap)) * 3);
  });
  return { rgb, width: W, height };
}

export function encodeRgbPng(rgb: Uint8Array, width: number, height: number): Uint8Array {
  return encode({ width, height, data: rgb, channels: 3, depth: 8 });
}

/** Nearest-neighbour enlargement of an RGB image by an integer factor (small slices stay legible). */
export function enlargeRgb(rgb: Uint8Array, width: number, height: number, factor: number): Uint8Array {
  if (factor === 1) return rgb;
  const W = width * factor;
  const out = new Uint8Array(W * height * factor * 3);
  for (let y = 0; y < height * factor; y++)
    for (let x = 0; x < W; x++) {
      const src = (Math.floor(y / factor) * width + Math.floor(x / factor)) * 3;
      out.set(rgb.subarray(src, src + 3), (y * W + x) * 3);
    }
  return out;
}

/** The comparison figure for one slice: MRI, truth overlay (when known) and prediction overlay. */
export function comparisonPng(image: Float32Array, pred: ArrayLike<number>, truth: ArrayLike<number> | null, width: number, height: number, factor = 1): Uint8Array {
  const panels = [overlayRgb(image, null, width, height)];
  if (truth) panels.push(overlayRgb(image, truth, width, height));
  panels.push(overlayRgb(image, pred, width, height));
  const p = panelsRgb(panels.map((q) => enlargeRgb(q, width, height, factor)), width * factor, height * factor);
  return encodeRgbPng(p.rgb, p.width, p.height);
}

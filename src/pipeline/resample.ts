/**
 * 2-D resampling of row-major images (pixel-centre aligned: the image edges map onto each other,
 * so a resize changes the spacing by exactly srcSize/dstSize).
 */

/** Bilinear resize; edge pixels are clamped. */
export function resizeBilinear(src: ArrayLike<number>, srcW: number, srcH: number, dstW: number, dstH: number): Float32Array {
  const out = new Float32Array(dstW * dstH);
  const sx = srcW / dstW;
  const sy = srcH / dstH;
  const x0s = new Int32Array(dstW);
  const x1s = new Int32Array(dstW);
  const fxs = new Float32Array(dstW);
  for (let x = 0; x < dstW; x++) {
    const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), srcW - 1);
    x0s[x] = Math.floor(fx);
    x1s[x] = Math.min(x0s[x]! + 1, srcW - 1);
    fxs[x] = fx - x0s[x]!;
  }
  for (let y = 0; y < dstH; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), srcH - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, srcH - 1);
    const wy = fy - y0;
    const r0 = y0 * srcW;
    const r1 = y1 * srcW;
    for (let x = 0; x < dstW; x++) {
      const wx = fxs[x]!;
      const a = src[r0 + x0s[x]!]! * (1 - wx) + src[r0 + x1s[x]!]! * wx;
      const b = src[r1 + x0s[x]!]! * (1 - wx) + src[r1 + x1s[x]!]! * wx;
      out[y * dstW + x] = a * (1 - wy) + b * wy;
    }
  }
  return out;
}

/** Nearest-neighbour resize for label maps (never invents a class). */
export function resizeNearest<T extends Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array>(
  src: T,
  srcW: number,
  srcH: number,
  dstW: number,
  dstH: number,
): T {
  const Ctor = src.constructor as new (n: number) => T;
  const out = new Ctor(dstW * dstH);
  const xs = new Int32Array(dstW);
  for (let x = 0; x < dstW; x++) xs[x] = Math.min(srcW - 1, Math.floor(((x + 0.5) * srcW) / dstW));
  for (let y = 0; y < dstH; y++) {
    const sy = Math.min(srcH - 1, Math.floor(((y + 0.5) * srcH) / dstH));
    const row = sy * srcW;
    for (let x = 0; x < dstW; x++) out[y * dstW + x] = src[row + xs[x]!]!;
  }
  return out;
}

/** Area (box) average for whole-number downsampling factors; falls back to bilinear otherwise. */
export function resizeArea(src: ArrayLike<number>, srcW: number, srcH: number, dstW: number, dstH: number): Float32Array {
  const fx = srcW / dstW;
  const fy = srcH / dstH;
  if (!Number.isInteger(fx) || !Number.isInteger(fy) || fx < 1 || fy < 1) return resizeBilinear(src, srcW, srcH, dstW, dstH);
  const out = new Float32Array(dstW * dstH);
  const inv = 1 / (fx * fy);
  for (let y = 0; y < dstH; y++) {
    for (let x = 0; x < dstW; x++) {
      let sum = 0;
      for (let dy = 0; dy < fy; dy++) {
        const row = (y * fy + dy) * srcW + x * fx;
        for (let dx = 0; dx < fx; dx++) sum += src[row + dx]!;
      }
      out[y * dstW + x] = sum * inv;
    }
  }
  return out;
}

/** Crops or zero-pads (centred) a row-major image to dstW x dstH. */
export function cropOrPadCentred<T extends Uint8Array | Float32Array>(src: T, srcW: number, srcH: number, dstW: number, dstH: number): T {
  const Ctor = src.constructor as new (n: number) => T;
  const out = new Ctor(dstW * dstH);
  const offX = Math.floor((dstW - srcW) / 2);
  const offY = Math.floor((dstH - srcH) / 2);
  for (let y = 0; y < dstH; y++) {
    const sy = y - offY;
    if (sy < 0 || sy >= srcH) continue;
    for (let x = 0; x < dstW; x++) {
      const sx = x - offX;
      if (sx >= 0 && sx < srcW) out[y * dstW + x] = src[sy * srcW + sx]!;
    }
  }
  return out;
}

// Float64 references of the U-Net's convolutions, written as the textbook definitions (direct loops,
// a scatter for the transposed conv) and independent of the GPU decomposition. NHWC activations,
// conv weights [kh, kw, Cin, Cout], Conv2DTranspose weights [kh, kw, Cout, Cin] (Keras).
export type F64 = Float64Array;

export interface ConvShape {
  N: number;
  H: number;
  W: number;
  C: number;
  O: number;
  KH: number;
  KW: number;
}

/** Keras Conv2D(padding='same', strides=1): y[n,h,w,o] = b[o] + sum x[n, h+kh-ph, w+kw-pw, c] w[kh,kw,c,o], ph = floor((KH-1)/2). */
export function conv2dRef(x: F64, w: F64, b: F64 | null, s: ConvShape): F64 {
  const { N, H, W, C, O, KH, KW } = s;
  const ph = Math.floor((KH - 1) / 2);
  const pw = Math.floor((KW - 1) / 2);
  const y = new Float64Array(N * H * W * O);
  for (let n = 0; n < N; n++)
    for (let h = 0; h < H; h++)
      for (let ww = 0; ww < W; ww++)
        for (let o = 0; o < O; o++) {
          let acc = b ? b[o] : 0;
          for (let kh = 0; kh < KH; kh++) {
            const ih = h + kh - ph;
            if (ih < 0 || ih >= H) continue;
            for (let kw = 0; kw < KW; kw++) {
              const iw = ww + kw - pw;
              if (iw < 0 || iw >= W) continue;
              for (let c = 0; c < C; c++) acc += x[((n * H + ih) * W + iw) * C + c] * w[((kh * KW + kw) * C + c) * O + o];
            }
          }
          y[((n * H + h) * W + ww) * O + o] = acc;
        }
  return y;
}

/**
 * Keras Conv2DTranspose(strides=s, padding='same'): output s*H x s*W. Each input pixel scatters
 * in[i] * W[kh] to output p = i*s + kh - pad, pad = floor(max(KH - s, 0) / 2) (TF's
 * conv2d_backprop_input of a 'same' conv; out-of-range p are dropped). x [N,H,W,C], w [KH,KW,O,C].
 */
export function conv2dTransposeRef(x: F64, w: F64, b: F64 | null, s: ConvShape, stride = 2): F64 {
  const { N, H, W, C, O, KH, KW } = s;
  const Ho = H * stride;
  const Wo = W * stride;
  const ph = Math.floor(Math.max(KH - stride, 0) / 2);
  const pw = Math.floor(Math.max(KW - stride, 0) / 2);
  const y = new Float64Array(N * Ho * Wo * O);
  if (b) for (let i = 0; i < N * Ho * Wo; i++) for (let o = 0; o < O; o++) y[i * O + o] = b[o];
  for (let n = 0; n < N; n++)
    for (let i = 0; i < H; i++)
      for (let j = 0; j < W; j++)
        for (let kh = 0; kh < KH; kh++) {
          const p = i * stride + kh - ph;
          if (p < 0 || p >= Ho) continue;
          for (let kw = 0; kw < KW; kw++) {
            const q = j * stride + kw - pw;
            if (q < 0 || q >= Wo) continue;
            for (let o = 0; o < O; o++) {
              let acc = 0;
              for (let c = 0; c < C; c++) acc += x[((n * H + i) * W + j) * C + c] * w[((kh * KW + kw) * O + o) * C + c];
              y[((n * Ho + p) * Wo + q) * O + o] += acc;
            }
          }
        }
  return y;
}

/** Gradients of conv2dRef w.r.t. x and w for upstream dy (the adjoint sums of the same loops). */
export function conv2dGradRef(x: F64, w: F64, dy: F64, s: ConvShape): { dx: F64; dw: F64 } {
  const { N, H, W, C, O, KH, KW } = s;
  const ph = Math.floor((KH - 1) / 2);
  const pw = Math.floor((KW - 1) / 2);
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(w.length);
  for (let n = 0; n < N; n++)
    for (let h = 0; h < H; h++)
      for (let ww = 0; ww < W; ww++)
        for (let kh = 0; kh < KH; kh++) {
          const ih = h + kh - ph;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const iw = ww + kw - pw;
            if (iw < 0 || iw >= W) continue;
            for (let c = 0; c < C; c++) {
              const xi = ((n * H + ih) * W + iw) * C + c;
              for (let o = 0; o < O; o++) {
                const g = dy[((n * H + h) * W + ww) * O + o];
                const wi = ((kh * KW + kw) * C + c) * O + o;
                dx[xi] += g * w[wi];
                dw[wi] += g * x[xi];
              }
            }
          }
        }
  return { dx, dw };
}

/** Gradients of conv2dTransposeRef w.r.t. x and w (Keras layout) for upstream dy. */
export function conv2dTransposeGradRef(x: F64, w: F64, dy: F64, s: ConvShape, stride = 2): { dx: F64; dw: F64 } {
  const { N, H, W, C, O, KH, KW } = s;
  const Ho = H * stride;
  const Wo = W * stride;
  const ph = Math.floor(Math.max(KH - stride, 0) / 2);
  const pw = Math.floor(Math.max(KW - stride, 0) / 2);
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(w.length);
  for (let n = 0; n < N; n++)
    for (let i = 0; i < H; i++)
      for (let j = 0; j < W; j++)
        for (let kh = 0; kh < KH; kh++) {
          const p = i * stride + kh - ph;
          if (p < 0 || p >= Ho) continue;
          for (let kw = 0; kw < KW; kw++) {
            const q = j * stride + kw - pw;
            if (q < 0 || q >= Wo) continue;
            for (let o = 0; o < O; o++) {
              const g = dy[((n * Ho + p) * Wo + q) * O + o];
              for (let c = 0; c < C; c++) {
                const xi = ((n * H + i) * W + j) * C + c;
                const wi = ((kh * KW + kw) * O + o) * C + c;
                dx[xi] += g * w[wi];
                dw[wi] += g * x[xi];
              }
            }
          }
        }
  return { dx, dw };
}

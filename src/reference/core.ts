// Plain TypeScript float64 reference of the core ops: independent of the GPU code, written for clarity.
export type F64 = Float64Array;

export function addRef(a: F64, b: F64): F64 {
  return a.map((x, i) => x + b[i % b.length]);
}
export function subRef(a: F64, b: F64): F64 {
  return a.map((x, i) => x - b[i % b.length]);
}
export function mulRef(a: F64, b: F64): F64 {
  return a.map((x, i) => x * b[i % b.length]);
}
export function scaleRef(x: F64, alpha: number): F64 {
  return x.map((v) => alpha * v);
}
export function reluRef(x: F64): F64 {
  return x.map((v) => (v > 0 ? v : 0));
}
export function sumRef(x: F64): F64 {
  let s = 0;
  for (const v of x) s += v;
  return Float64Array.of(s);
}
export function meanRef(x: F64): F64 {
  return Float64Array.of(sumRef(x)[0] / x.length);
}
/** [M,K] @ [K,N] */
export function matmulRef(a: F64, b: F64, M: number, K: number, N: number): F64 {
  const c = new Float64Array(M * N);
  for (let m = 0; m < M; m++)
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += a[m * K + k] * b[k * N + n];
      c[m * N + n] = s;
    }
  return c;
}
export function transposeRef(x: F64, R: number, C: number): F64 {
  const out = new Float64Array(R * C);
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) out[c * R + r] = x[r * C + c];
  return out;
}

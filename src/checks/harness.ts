// The check harness shared by the Node test suite and the in-browser test page: a Check runs GPU code,
// compares it with the float64 reference, and reports the worst element. Kernel families export
// `checks: Check[]` from src/checks/<family>.ts; test/kernels-<family>.test.ts and the web page loop over them.
import { Tensor } from '../graph/tensor.ts';
import { backward } from '../graph/autograd.ts';
import { gpu } from '../runtime/gpu.ts';
import { Rng } from '../util/random.ts';

export interface CheckResult {
  pass: boolean;
  /** largest |gpu - reference| over the compared elements */
  maxAbsErr: number;
  detail: string;
}

export interface Check {
  /** family/op and shape, e.g. "core/matmul 7x33x129 forward" */
  name: string;
  /** checks that are slow on CPU adapters (full-size layers) */
  slow?: boolean;
  /** why this device cannot run it (a feature it lacks), or null: the caller skips it then and says why */
  unavailable?(): string | null;
  run(): Promise<CheckResult>;
}

/**
 * Runs `body` with every buffer the pool hands out filled with NaN first, so an output element a kernel forgets
 * to write reads back as NaN whether the buffer is fresh (zero-filled by WebGPU) or reused.
 */
export async function withPoisonedPool<T>(body: () => Promise<T>): Promise<T> {
  const g = gpu();
  const previous = g.pool.onAcquire;
  g.pool.onAcquire = (buf) => g.write(buf, new Float32Array(buf.size / 4).fill(NaN));
  try {
    return await body();
  } finally {
    g.pool.onAcquire = previous;
  }
}

export interface Tolerance {
  atol: number;
  rtol: number;
}

export function coords(index: number, shape: readonly number[]): string {
  const c: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    c.unshift(index % shape[d]);
    index = Math.floor(index / shape[d]);
  }
  return `[${c.join(',')}]`;
}

/** Compares `got` with `want` element-wise; the detail names the shape and the worst element. */
export function compare(what: string, got: ArrayLike<number>, want: ArrayLike<number>, shape: readonly number[], tol: Tolerance): CheckResult {
  if (got.length !== want.length) return { pass: false, maxAbsErr: Infinity, detail: `${what}: ${got.length} values, expected ${want.length} for [${shape}]` };
  // nothing compared is nothing checked: a check that reads back no values must not pass
  if (want.length === 0) return { pass: false, maxAbsErr: Infinity, detail: `${what}: no values to compare for [${shape}]` };
  let worst = -1;
  let worstExcess = -Infinity;
  let maxAbsErr = 0;
  for (let i = 0; i < got.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    const excess = Number.isNaN(err) ? Infinity : err - (tol.atol + tol.rtol * Math.abs(want[i]));
    if (!(err <= maxAbsErr)) maxAbsErr = Number.isNaN(err) ? Infinity : Math.max(maxAbsErr, err);
    if (excess > worstExcess) {
      worstExcess = excess;
      worst = i;
    }
  }
  const pass = worstExcess <= 0;
  const at = worst >= 0 ? `worst at ${coords(worst, shape)}: got ${got[worst]}, want ${want[worst]}` : 'empty';
  return { pass, maxAbsErr, detail: `${what} [${shape}] max abs err ${maxAbsErr.toExponential(2)} (atol ${tol.atol}, rtol ${tol.rtol}); ${at}` };
}

export interface GradCheckInput {
  shape: number[];
  data: Float64Array;
  /** no gradient wanted (e.g. labels, masks) */
  constant?: boolean;
}

export interface GradCheckSpec {
  inputs: GradCheckInput[];
  /** the op on the GPU, through the autograd graph */
  gpu(inputs: Tensor[]): Tensor;
  /** the same op in float64 */
  reference(inputs: Float64Array[]): Float64Array;
  outShape: readonly number[];
  forwardTol: Tolerance;
  gradTol: Tolerance;
  /** finite-difference step (default 1e-4 relative to float64) */
  eps?: number;
  /** elements of each input probed by finite differences (default all up to 48, else a random 48) */
  samples?: number;
  seed?: number;
}

/**
 * Forward against the reference, then backward against central finite differences of the float64
 * reference: L = sum(g * f(x)) with a random upstream gradient g.
 */
export async function gradCheck(spec: GradCheckSpec): Promise<CheckResult> {
  const rng = new Rng(spec.seed ?? 7);
  const ts = spec.inputs.map((inp) => {
    const t = Tensor.fromData(Float32Array.from(inp.data), inp.shape);
    t.requiresGrad = !inp.constant;
    return t;
  });
  // the reference sees exactly the float32 values the GPU sees
  const xs = spec.inputs.map((inp) => Float64Array.from(Float32Array.from(inp.data)));
  const out = spec.gpu(ts);
  const want = spec.reference(xs);
  const fwd = compare('forward', await out.read(), want, spec.outShape, spec.forwardTol);
  if (!fwd.pass) {
    ts.forEach((t) => t.dispose());
    out.dispose();
    return fwd;
  }
  const upstream = rng.array(out.size);
  const seed = Tensor.fromData(Float32Array.from(upstream), out.shape);
  const up64 = Float64Array.from(Float32Array.from(upstream));
  backward(out, seed);
  const loss = (inputs: Float64Array[]) => {
    const y = spec.reference(inputs);
    let s = 0;
    for (let i = 0; i < y.length; i++) s += up64[i] * y[i];
    return s;
  };
  let worst: CheckResult = { pass: true, maxAbsErr: 0, detail: fwd.detail };
  for (let k = 0; k < ts.length; k++) {
    if (spec.inputs[k].constant) continue;
    const grad = ts[k].grad;
    if (!grad) {
      worst = { pass: false, maxAbsErr: Infinity, detail: `input ${k} [${spec.inputs[k].shape}] got no gradient` };
      break;
    }
    const gpuGrad = await grad.read();
    const n = xs[k].length;
    const samples = spec.samples ?? 48;
    const idx = n <= samples ? [...Array(n).keys()] : Array.from({ length: samples }, () => rng.int(n));
    const got: number[] = [];
    const numeric: number[] = [];
    for (const i of idx) {
      const x0 = xs[k][i];
      const h = (spec.eps ?? 1e-4) * Math.max(1, Math.abs(x0));
      xs[k][i] = x0 + h;
      const lp = loss(xs);
      xs[k][i] = x0 - h;
      const lm = loss(xs);
      xs[k][i] = x0;
      numeric.push((lp - lm) / (2 * h));
      got.push(gpuGrad[i]);
    }
    const r = compare(`grad of input ${k} (${idx.length} of ${n} elements probed)`, got, numeric, [idx.length], spec.gradTol);
    if (!r.pass || r.maxAbsErr > worst.maxAbsErr) worst = { ...r, detail: `${r.detail}; ${fwd.detail}` };
    if (!r.pass) break;
  }
  ts.forEach((t) => t.dispose());
  out.dispose();
  seed.dispose();
  await gpu().sync();
  return worst;
}

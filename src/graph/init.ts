// Weight initialisation from a seeded generator (src/util/random.ts), so a run is reproducible.
import type { Rng } from '../util/random.ts';

/**
 * Glorot (Xavier) uniform, as keras.initializers.GlorotUniform: U(-limit, limit) with
 * limit = sqrt(6 / (fanIn + fanOut)). For a conv kernel HWIO [kh, kw, Cin, Cout]:
 * fanIn = kh*kw*Cin, fanOut = kh*kw*Cout (see kerasFans).
 */
export function glorotUniform(shape: readonly number[], fanIn: number, fanOut: number, rng: Rng): Float32Array {
  if (!(fanIn > 0 && fanOut > 0)) throw new Error(`glorotUniform: fanIn ${fanIn} and fanOut ${fanOut} must be positive`);
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.uniform(-limit, limit);
  return out;
}

/**
 * Keras's compute_fans: a kernel [..receptive, in, out] has fanIn = receptive*in and fanOut = receptive*out
 * (a Conv2DTranspose kernel [kh, kw, Cout, Cin] therefore gets fanIn = kh*kw*Cout; Glorot only uses the sum).
 */
export function kerasFans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0], fanOut: shape[0] };
  if (shape.length === 2) return { fanIn: shape[0], fanOut: shape[1] };
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return { fanIn: receptive * shape[shape.length - 2], fanOut: receptive * shape[shape.length - 1] };
}

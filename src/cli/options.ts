// Small parsers shared by the verbs; each error names the option and the value.
export function parseSize(s: string, option: string): [number, number] {
  const m = /^(\d+)x(\d+)$/.exec(s.trim());
  if (!m) throw new Error(`${option} '${s}' is not WIDTHxHEIGHT (for example 512x640)`);
  return [Number(m[1]), Number(m[2])];
}

export function parseNumber(s: string, option: string, { min = -Infinity, max = Infinity, integer = false } = {}): number {
  const v = Number(s);
  if (!Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
    throw new Error(`${option} '${s}' must be ${integer ? 'an integer' : 'a number'}${min > -Infinity ? ` >= ${min}` : ''}${max < Infinity ? ` <= ${max}` : ''}`);
  }
  return v;
}

/**
 * The network input size `tune`, `demo`, `bench train` and the bench scripts default to, WIDTHxHEIGHT as every
 * `--size` of the CLI (train and predict: 512x640, the SPIDER slices' own width x height): 128 wide, 160 high,
 * the built-in sample's slices (data/sample) at a quarter of the paper's 512x640. `bench memory` keeps its
 * smaller 64x80 (same orientation) for its 1000 steps.
 */
export const DEFAULT_MODEL_SIZE = '128x160';

/** The model-shape flags several verbs share (--size WIDTHxHEIGHT, --batch, --width-mult), each checked with its name. */
export function parseModelShape(o: { size?: unknown; batch?: unknown; widthMult?: unknown }): { width: number; height: number; batch: number; widthMult: number } {
  const [width, height] = parseSize(String(o.size), '--size');
  return {
    width,
    height,
    batch: parseNumber(String(o.batch), '--batch', { min: 1, integer: true }),
    widthMult: parseNumber(String(o.widthMult), '--width-mult', { min: 0.01 }),
  };
}

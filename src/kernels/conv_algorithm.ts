// Which algorithm computes a stride-1 3x3 convolution pass: the direct implicit GEMM
// (src/kernels/conv2d.ts) or Winograd F(2x2, 3x3) (src/kernels/winograd.ts). Per layer shape and pass,
// because the winner depends on both (measured: bench/winograd.ts, bench/RESULTS.md). Precedence: an
// explicit option, then a process-wide override (checks, benchmarks), then per-shape choices the
// autotuner loaded, then the built-in default.
import { winogradFits } from './winograd.ts';

export type ConvAlgorithm = 'direct' | 'winograd';
export type ConvPass = 'forward' | 'input-grad' | 'filter-grad';

let forced: ConvAlgorithm | null = null;
const choices = new Map<string, ConvAlgorithm>();

/** Forces one algorithm for every eligible 3x3 layer (null: back to per-shape choices). */
export function setConvAlgorithm(a: ConvAlgorithm | null): void {
  forced = a;
}

/** Key of one pass of one layer shape: activations [N, H, W, C], C -> O channels. */
export function convShapeKey(pass: ConvPass, N: number, H: number, W: number, C: number, O: number): string {
  return `${pass} ${N}x${H}x${W}x${C}->${O}`;
}

/** Per-shape choices (the autotuner's); replaces earlier ones. */
export function setConvChoices(entries: Record<string, ConvAlgorithm>): void {
  choices.clear();
  for (const [k, v] of Object.entries(entries)) choices.set(k, v);
}

export function convChoices(): Record<string, ConvAlgorithm> {
  return Object.fromEntries(choices);
}

/**
 * Built-in default without a tuning cache: direct everywhere until measured otherwise (see
 * bench/RESULTS.md for the per-shape Winograd vs direct table on lavapipe).
 */
function defaultAlgorithm(pass: ConvPass, N: number, H: number, W: number, C: number, O: number): ConvAlgorithm {
  void pass; void N; void H; void W; void C; void O;
  return 'direct';
}

/** The algorithm for one pass of a stride-1 3x3 'same' convolution of x [N, H, W, C] to O channels. */
export function convAlgorithm(pass: ConvPass, N: number, H: number, W: number, C: number, O: number, requested?: ConvAlgorithm): ConvAlgorithm {
  const a = requested ?? forced ?? choices.get(convShapeKey(pass, N, H, W, C, O)) ?? defaultAlgorithm(pass, N, H, W, C, O);
  if (a === 'winograd' && !winogradFits(N, H, W, C, O)) return 'direct';
  return a;
}

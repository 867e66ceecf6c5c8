// How a stride-1 3x3 convolution pass is computed: the direct implicit GEMM (src/kernels/conv2d.ts,
// register or workgroup-tiled) or Winograd F(2x2, 3x3) (src/kernels/winograd.ts, GEMM threads along
// tiles or along channels). Per layer shape and pass, because the winner depends on both (measured:
// bench/winograd.ts, bench/RESULTS.md). Precedence: an explicit option, then the `convAlgorithm` setting
// (SPINESEG_CONV, or a withSettings scope of a check or benchmark; src/runtime/settings.ts), then the
// `convChoices` setting (the autotuner's cache, src/kernels/autotune.ts), then the built-in default.
import { winogradFits, type WinogradLanes, type WinogradTile } from './winograd.ts';
/** The direct kernel's two GEMM variants (workgroup-tiled for GPUs, barrier-free register tiles for CPU adapters). */
export type ConvVariant = 'register' | 'tiled';
import { gpu, isCpuAdapter } from '../runtime/gpu.ts';
import { settings, setting, type ConvChoiceSetting } from '../runtime/settings.ts';

export type ConvAlgorithm = 'direct' | 'winograd';
export type ConvPass = 'forward' | 'input-grad' | 'filter-grad';

export interface ConvChoice extends ConvChoiceSetting {
  algorithm: ConvAlgorithm;
  /** direct: which implicit-GEMM variant (default: `convVariant()`) */
  variant?: ConvVariant;
  /** Winograd: the GEMM's thread mapping (default by shape) */
  lanes?: WinogradLanes;
  /** Winograd: F(2x2, 3x3) or F(4x4, 3x3) (default 2; the filter gradient's F(4x4) only when chosen: see `defaultChoice`) */
  tile?: WinogradTile;
  /** Winograd channel lanes: the GEMM's workgroup size (default `laneWorkgroup`, src/kernels/winograd.ts) */
  wgx?: number;
}

/** Key of one pass of one layer shape: activations [N, H, W, C], C -> O channels, 3x3 kernel. */
export function convShapeKey(pass: ConvPass, N: number, H: number, W: number, C: number, O: number): string {
  return `${pass} ${N}x${H}x${W}x${C}->${O}`;
}

/** The per-shape choices in force (the `convChoices` setting: the autotuner's cache, or a scope's). */
export function convChoices(): Record<string, ConvChoice> {
  return { ...setting('convChoices') };
}

/**
 * Built-in default without a tuning cache. CPU adapters (lavapipe):
 * - layers of at least 256 pixels: Winograd F(4x4, 3x3) for the forward pass and the input gradient once both
 *   channel counts are at least 4, and for the filter gradient once both are at least 8 with a product of at least
 *   96. `spineseg tune` on the `cpu` preset's narrow U-Net (192x240, width x0.25, batch 8; bench/RESULTS.md 2026-12-06
 *   night) chose exactly that: F(4x4) at 0.55-0.83x the direct kernels' CPU time for the 4- to 24-channel passes the
 *   older rule (16 channels, and a channel product of 512 for the filter gradient, set when only F(2x2) existed) left
 *   direct, and direct for the filter gradients of 4 -> 4, 4 -> 8 and 8 -> 8 (F(4x4) 0.97-1.9x their time);
 * - smaller layers: Winograd F(2x2, 3x3) where both channel counts are at least 16 and, for the filter gradient, their
 *   product at least 512 (at 8x10 pixels F(4x4)'s padded tiles lose; measured 1.2-2.4x less CPU than direct,
 *   bench/RESULTS.md).
 * The first layer (1 channel in) stays direct. Other adapters: direct until `spineseg tune` measures.
 */
function defaultChoice(pass: ConvPass, N: number, H: number, W: number, C: number, O: number): ConvChoice {
  void N;
  if (!isCpuAdapter(gpu().adapter)) return { algorithm: 'direct' };
  if (H * W >= 256) {
    const f4 = pass === 'filter-grad' ? C >= 8 && O >= 8 && C * O >= 96 : C >= 4 && O >= 4;
    return f4 ? { algorithm: 'winograd', tile: 4 } : { algorithm: 'direct' };
  }
  if (C < 16 || O < 16) return { algorithm: 'direct' };
  if (pass === 'filter-grad' && C * O < 512) return { algorithm: 'direct' };
  return { algorithm: 'winograd' };
}

/** How to compute one pass of a stride-1 3x3 'same' convolution of x [N, H, W, C] to O channels. */
export function convChoice(pass: ConvPass, N: number, H: number, W: number, C: number, O: number, requested?: ConvAlgorithm): ConvChoice {
  const s = settings();
  const tuned: ConvChoice | undefined = s.convChoices[convShapeKey(pass, N, H, W, C, O)];
  const dflt = defaultChoice(pass, N, H, W, C, O);
  const algorithm = requested ?? s.convAlgorithm ?? tuned?.algorithm ?? dflt.algorithm;
  if (algorithm === 'winograd' && !winogradFits(N, H, W, C, O)) return { algorithm: 'direct' };
  // the tuned variant / lanes / tile apply only when the tuned algorithm is the one used; else the default's
  if (tuned && tuned.algorithm === algorithm) return tuned;
  return dflt.algorithm === algorithm ? dflt : { algorithm };
}

/** The algorithm alone (see `convChoice`). */
export function convAlgorithm(pass: ConvPass, N: number, H: number, W: number, C: number, O: number, requested?: ConvAlgorithm): ConvAlgorithm {
  return convChoice(pass, N, H, W, C, O, requested).algorithm;
}

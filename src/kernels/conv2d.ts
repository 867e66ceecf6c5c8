// 2-D convolutions of the U-Net: conv2d 3x3 / 1x1 (stride 1, Keras 'same') and Conv2DTranspose 3x3 / 2x2
// (stride 2, 'same'), forward, input gradient, filter gradient and bias gradient, as implicit GEMMs.
//
// Memory layout, engine-wide: activations are NHWC and conv weights HWIO [kh, kw, Cin, Cout]
// (Conv2DTranspose: Keras' [kh, kw, Cout, Cin]). Why NHWC:
//  - the channels of one pixel are contiguous, and channels x taps is exactly the K (reduction)
//    dimension of the conv-as-GEMM, so the inner loop reads consecutive addresses (vec4 loads);
//  - it is the layout of Keras / tfjs tensors and weights, so weights load without reordering;
//  - per-channel reductions (bias gradient, batchnorm statistics, the loss' per-class sums) are
//    column sums of a [pixels, channels] matrix: adjacent threads read adjacent channels.
//
// Kernels (one generic contract each, see the WGSL headers):
//  - implicit GEMM (shaders/conv2d_register.wgsl, shaders/conv2d_tiled.wgsl): a strided, tap-offset
//    gather of `src` times a [taps, C, O] weight tensor. Conv forward, conv input gradient, every
//    output-parity class of the transposed conv forward, and the transposed conv input gradient are
//    all instances of it with different tap offsets and strides.
//  - filter gradient (shaders/conv2d_filter_register.wgsl, shaders/conv2d_filter_tiled.wgsl):
//    im2col(src)^T x g over pixel chunks into partial sums, then a column-sum pass over the chunks.
// Two variants of each (barrier-free register tiles vs workgroup-memory tiles); `convVariant` picks by
// adapter type (or the `convVariant` setting), and `spineseg tune` measures both per layer shape and pass. The register GEMM has two thread
// mappings: threads along output channels (shaders/conv2d_register_oc.wgsl, vec4-aligned channels >= 32)
// or along pixels (shaders/conv2d_register.wgsl, everything else). On lavapipe (measured, CPU time, U-Net
// shapes) register beat tiled 3-4x: barriers there are coroutine switches, and the loads every thread
// shares (weights or activations, by mapping) compile to one scalar load broadcast to all SIMD lanes.
//
// Conv2DTranspose 'same' padding rule (stride s, kernel k, input size n, output exactly s*n): Keras /
// TF compute it as conv2d_backprop_input of the forward conv (stride s, 'same') whose input is s*n.
// That forward conv has out = ceil(s*n / s) = n and pad_total = max((n-1)*s + k - s*n, 0) =
// max(k - s, 0), pad_before = floor(pad_total / 2) (the extra pixel goes to the end). So
//   out[p] = sum over (i, kh) with i*s + kh - pad_before = p of in[i] * W[kh]
// For s = 2: k = 2 -> pad 0 (each output pixel gets exactly one tap: kh = p mod 2, i = floor(p/2));
// k = 3 -> pad_total 1, pad_before 0 (even p = 2a: kh 0 at i = a and kh 2 at i = a-1; odd p: kh 1 at
// i = a). Grouping output pixels by parity (p mod 2 per axis) turns the scatter into 4 dense GEMMs.
import { gpu, isCpuAdapter, type Gpu } from '../runtime/gpu.ts';
import { defineKernel, grid1d } from './runner.ts';
import { columnSum } from './reduce.ts';
import { transpose2d } from './transpose.ts';
import { Tensor } from '../runtime/tensor.ts';
import { setting } from '../runtime/settings.ts';
import { convChoice, type ConvAlgorithm } from './conv_algorithm.ts';
import { winogradForward, winogradInputGrad, winogradFilterGrad, laneWorkgroup, subgroupGemm } from './winograd.ts';
import { epilogueBinding, type Epilogue } from './epilogue.ts';

export const convGemmRegisterKernel = defineKernel({ name: 'conv2d_register', shader: 'conv2d_register', doc: 'conv as implicit GEMM (forward / input grad / transposed parity), barrier-free register tiles' });
export const convGemmChannelKernel = defineKernel({ name: 'conv2d_register_oc', shader: 'conv2d_register_oc', doc: 'conv as implicit GEMM, register tiles, threads along output channels (few pixels, many channels)' });
export const convGemmPixelSubgroupKernel = defineKernel({
  name: 'conv2d_register_px_sg',
  shader: 'conv2d_register',
  defines: ['SUBGROUPS'],
  doc: 'conv as implicit GEMM, register tiles, threads along pixels, weights shared by subgroup broadcasts (CPU adapters)',
  feature: 'subgroups',
});
export const convGemmSubgroupKernel = defineKernel({
  name: 'conv2d_register_sg',
  shader: 'conv2d_register_sg',
  doc: 'conv as implicit GEMM, threads along output channels, pixels shared by subgroup broadcasts (CPU adapters)',
  feature: 'subgroups',
});
export const convGemmTiledKernel = defineKernel({ name: 'conv2d_tiled', shader: 'conv2d_tiled', doc: 'conv as implicit GEMM (forward / input grad / transposed parity), workgroup-memory tiles' });
export const convFilterRegisterKernel = defineKernel({ name: 'conv2d_filter_register', shader: 'conv2d_filter_register', doc: 'conv filter gradient, partial sums over pixel chunks, register tiles' });
export const convFilterSubgroupKernel = defineKernel({
  name: 'conv2d_filter_register_sg',
  shader: 'conv2d_filter_register',
  defines: ['SUBGROUPS'],
  doc: 'conv filter gradient, partial sums over pixel chunks, g shared by subgroup broadcasts (CPU adapters)',
  feature: 'subgroups',
});
export const convFilterTiledKernel = defineKernel({ name: 'conv2d_filter_tiled', shader: 'conv2d_filter_tiled', doc: 'conv filter gradient, partial sums over pixel chunks, workgroup-memory tiles' });

import type { ConvVariant } from './conv_algorithm.ts';
export type { ConvVariant };

/** The `convVariant` setting, else by adapter: CPU adapters (lavapipe, SwiftShader) prefer the barrier-free variant. */
export function convVariant(g: Gpu = gpu()): ConvVariant {
  return setting('convVariant') ?? (isCpuAdapter(g.adapter) ? 'register' : 'tiled');
}

/** Keras 'same' padding before the data for stride 1: floor((k - 1) / 2). */
export function samePad(k: number): number {
  return Math.floor((k - 1) / 2);
}

/** Keras Conv2DTranspose 'same' padding before the data: floor(max(k - s, 0) / 2). */
export function transposePad(k: number, s: number): number {
  return Math.floor(Math.max(k - s, 0) / 2);
}

interface TapAxis {
  /** taps along this axis */
  count: number;
  /** weight index of the first tap, step per tap */
  k0: number;
  kStep: number;
  /** source offset of the first tap, step per tap */
  d0: number;
  dStep: number;
}

interface GemmGeometry {
  N: number;
  /** source [N, Hs, Ws, C] */
  Hs: number;
  Ws: number;
  C: number;
  /** grid of output pixels iterated: (N, Hg, Wg) */
  Hg: number;
  Wg: number;
  O: number;
  /** weight tensor [KH*KW, C, O]; KW for the tap index */
  KW: number;
  /** destination [N, Hd, Wd, O]; grid pixel (a, b) lands at (a*ostride + oy, b*ostride + ox) */
  Hd: number;
  Wd: number;
  sstride: number;
  ostride: number;
  oy: number;
  ox: number;
  ty: TapAxis;
  tx: TapAxis;
}

function checkShape(what: string, t: Tensor, rank: number): void {
  if (t.shape.length !== rank) throw new Error(`${what}: expected rank ${rank}, got [${t.shape}]`);
}

/**
 * Register variant: threads along output channels (shaders/conv2d_register_oc.wgsl) when channels are
 * vec4-aligned and at least 32 (8 threads, one SIMD row on lavapipe), else threads along pixels.
 */
function useChannelLanes(geo: GemmGeometry, M: number): boolean {
  if (geo.C % 4 !== 0 || geo.O % 4 !== 0 || geo.O < 32) return false;
  const forced = setting('channelLanes');
  if (forced) return forced === 'channel';
  // measured on lavapipe (CPU time, U-Net shapes 32..512 channels): channel lanes matched or beat
  // pixel lanes from 32 output channels up, by up to 2x at 8x10 pixels
  void M;
  return true;
}

/**
 * Records dst (+)= implicit GEMM of `src` and `wt` per `geo` (see shaders/conv2d_register.wgsl).
 * `wt` is [taps, C, O], or with `wtT` [taps, O, C] (only the register kernels read that layout;
 * callers transpose for the tiled variant, see `gemmWeights`).
 */
function implicitGemm(src: Tensor, wt: Tensor, bias: Tensor | null, dst: Tensor, geo: GemmGeometry, variant: ConvVariant, wtT = false, epilogue?: Epilogue): void {
  const g = gpu();
  const epi = epilogueBinding(epilogue, geo.O, wt);
  const params = {
    N: geo.N, Hs: geo.Hs, Ws: geo.Ws, C: geo.C,
    Hg: geo.Hg, Wg: geo.Wg, O: geo.O, KW: geo.KW,
    Hd: geo.Hd, Wd: geo.Wd, sstride: geo.sstride, ostride: geo.ostride,
    oy: geo.oy, ox: geo.ox, th: geo.ty.count, tw: geo.tx.count,
    kh0: geo.ty.k0, khStep: geo.ty.kStep, dh0: geo.ty.d0, dhStep: geo.ty.dStep,
    kw0: geo.tx.k0, kwStep: geo.tx.kStep, dw0: geo.tx.d0, dwStep: geo.tx.dStep,
    hasBias: bias ? 1 : 0,
    epi: epi.epi, alpha: epi.alpha,
  };
  const constants = { V: geo.C % 4 === 0 ? 4 : 1, VO: geo.O % 4 === 0 ? 4 : 1 };
  const buffers = { src, src4: src, wt, wt4: wt, bias: bias ?? wt, dst, affine: epi.affine };
  const M = geo.N * geo.Hg * geo.Wg;
  const maxWg = g.limits.maxComputeWorkgroupsPerDimension;
  if (variant === 'tiled') {
    if (wtT) throw new Error('conv2d_tiled reads [taps, C, O] weights only');
    const [bx, by] = grid1d(Math.ceil(M / 64), 1, maxWg);
    convGemmTiledKernel.dispatch(g, buffers, { ...params, blocksX: bx }, [bx, by, Math.ceil(geo.O / 64)], constants);
  } else if (useChannelLanes(geo, M)) {
    if (subgroupGemm()) {
      // the subgroup twin: 16 pixels a workgroup of 8 threads (one 8-lane group)
      const [bx, by] = grid1d(Math.ceil(M / 16), 1, maxWg);
      convGemmSubgroupKernel.dispatch(g, buffers, { ...params, blocksX: bx, wtT: wtT ? 1 : 0 }, [bx, by, Math.ceil(geo.O / 32)], { WGX: 8 });
    } else {
      const wgx = laneWorkgroup(Math.min(64, geo.O / 4));
      const [bx, by] = grid1d(Math.ceil(M / 8), 1, maxWg);
      convGemmChannelKernel.dispatch(g, buffers, { ...params, blocksX: bx, wtT: wtT ? 1 : 0 }, [bx, by, Math.ceil(geo.O / (4 * wgx))], { WGX: wgx });
    }
  } else {
    const [bx, by] = grid1d(Math.ceil(M / 128), 1, maxWg);
    // whole blocks of 8 output channels are a constant: a pipeline compiles one of the kernel's two loops
    const whole = constants.VO === 4 && geo.O % 8 === 0 ? 1 : 0;
    const kernel = subgroupGemm() ? convGemmPixelSubgroupKernel : convGemmRegisterKernel;
    kernel.dispatch(g, buffers, { ...params, blocksX: bx, wtT: wtT ? 1 : 0 }, [bx, by, Math.ceil(geo.O / 8)], { ...constants, FULL: whole });
  }
}

/**
 * Weights stored per tap as [rows, cols] that a GEMM needs as [cols, rows] (input gradient, Keras
 * Conv2DTranspose kernel): the register kernels index them in place (wtT), the tiled kernel gets a
 * transposed copy. Returns the tensor to pass, the flag, and what to dispose afterwards.
 */
function gemmWeights(w: Tensor, rows: number, cols: number, taps: number, variant: ConvVariant): { wt: Tensor; wtT: boolean; temp: Tensor | null } {
  if (variant !== 'tiled') return { wt: w, wtT: true, temp: null };
  const t = transpose2d(w, rows, cols, taps);
  return { wt: t, wtT: false, temp: t };
}

interface FilterGeometry {
  N: number;
  Hs: number;
  Ws: number;
  C: number;
  Hg: number;
  Wg: number;
  O: number;
  KH: number;
  KW: number;
  sstride: number;
  ph: number;
  pw: number;
}

/** Pixels per partial-sum chunk of the filter gradient: enough workgroups to fill the adapter, bounded partial memory. */
function filterChunk(M: number, K: number, O: number, variant: ConvVariant, g: Gpu): number {
  const tilesPerChunk = variant === 'tiled' ? Math.ceil(K / 64) * Math.ceil(O / 64) : Math.ceil(K / 256) * Math.ceil(O / 8);
  // aim at ~256 workgroups in all, chunks of at least 64 pixels
  let chunks = Math.max(1, Math.min(Math.ceil(M / 64), Math.ceil(256 / tilesPerChunk)));
  // partial sums stay within a quarter of the binding limit and 64 MiB
  const maxChunks = Math.max(1, Math.floor(Math.min(g.limits.maxStorageBufferBindingSize / 4, 64 << 20) / (4 * K * O)));
  chunks = Math.min(chunks, maxChunks, g.limits.maxComputeWorkgroupsPerDimension);
  return Math.ceil(M / chunks);
}

/** out[KH*KW, C, O] = sum over grid pixels of the tap-shifted src times g (see shaders/conv2d_filter_register.wgsl). */
function filterGemm(src: Tensor, grad: Tensor, geo: FilterGeometry, variant: ConvVariant): Tensor {
  const g = gpu();
  const T = geo.KH * geo.KW;
  const K = T * geo.C;
  const M = geo.N * geo.Hg * geo.Wg;
  const chunk = filterChunk(M, K, geo.O, variant, g);
  const chunks = Math.ceil(M / chunk);
  const partial = Tensor.empty(chunks === 1 ? [geo.KH, geo.KW, geo.C, geo.O] : [chunks, K * geo.O]);
  const params = { N: geo.N, Hs: geo.Hs, Ws: geo.Ws, C: geo.C, Hg: geo.Hg, Wg: geo.Wg, O: geo.O, KW: geo.KW, T, sstride: geo.sstride, ph: geo.ph, pw: geo.pw, chunk };
  const V = geo.C % 4 === 0 ? 4 : 1;
  const constants = { V, VO: geo.O % 4 === 0 ? 4 : 1 };
  const buffers = { src, src4: src, g: grad, g4: grad, part: partial };
  if (variant === 'tiled') {
    convFilterTiledKernel.dispatch(g, buffers, { ...params, kBlocks: Math.ceil(K / 64) }, [Math.ceil(K / 64) * Math.ceil(geo.O / 64), 1, chunks], constants);
  } else {
    const rowGroups = K / V;
    const sg = subgroupGemm();
    const kernel = sg ? convFilterSubgroupKernel : convFilterRegisterKernel;
    kernel.dispatch(g, buffers, { ...params, rowGroups }, [kernel.groupsFor(rowGroups), Math.ceil(geo.O / 8), chunks], constants);
  }
  if (chunks === 1) return partial;
  const summed = columnSum(partial, chunks, K * geo.O);
  const out = summed.reshape([geo.KH, geo.KW, geo.C, geo.O]);
  summed.dispose(); // the view keeps the storage
  partial.dispose();
  return out;
}

export interface ConvOptions {
  variant?: ConvVariant;
  /** forward passes: bias + ReLU / BatchNorm affine / LeakyReLU applied as the output is written (src/kernels/epilogue.ts) */
  epilogue?: Epilogue;
  /** stride-1 3x3 layers: direct implicit GEMM or Winograd (default: per shape, src/kernels/conv_algorithm.ts; a given `variant` means direct) */
  algorithm?: ConvAlgorithm;
}

/** y[N,H,W,O] = conv2d(x[N,H,W,C], w[kh,kw,C,O], stride 1, 'same') + b[O], then `opts.epilogue` if given. */
export function conv2dForward(x: Tensor, w: Tensor, b: Tensor | null, opts: ConvOptions = {}): Tensor {
  checkShape('conv2d x', x, 4);
  checkShape('conv2d w', w, 4);
  const [N, H, W, C] = x.shape;
  const [KH, KW, Cw, O] = w.shape;
  if (Cw !== C) throw new Error(`conv2d: x [${x.shape}] has ${C} channels, kernel [${w.shape}] expects ${Cw}`);
  if (b && b.size !== O) throw new Error(`conv2d: bias [${b.shape}] does not match ${O} filters`);
  const choice = KH === 3 && KW === 3 ? convChoice('forward', N, H, W, C, O, opts.algorithm ?? (opts.variant ? 'direct' : undefined)) : null;
  if (choice?.algorithm === 'winograd') return winogradForward(x, w, b, { lanes: choice.lanes, tile: choice.tile, wgx: choice.wgx, epilogue: opts.epilogue });
  const y = Tensor.empty([N, H, W, O]);
  const ph = samePad(KH);
  const pw = samePad(KW);
  implicitGemm(x, w, b, y, {
    N, Hs: H, Ws: W, C, Hg: H, Wg: W, O, KW, Hd: H, Wd: W, sstride: 1, ostride: 1, oy: 0, ox: 0,
    ty: { count: KH, k0: 0, kStep: 1, d0: -ph, dStep: 1 },
    tx: { count: KW, k0: 0, kStep: 1, d0: -pw, dStep: 1 },
  }, opts.variant ?? choice?.variant ?? convVariant(), false, opts.epilogue);
  return y;
}

/** dx[N,H,W,C] from dy[N,H,W,O]: dy convolved with the tap-reversed kernel, channels swapped. */
export function conv2dInputGrad(dy: Tensor, w: Tensor, opts: ConvOptions = {}): Tensor {
  checkShape('conv2d dy', dy, 4);
  const [N, H, W, O] = dy.shape;
  const [KH, KW, C, Ow] = w.shape;
  if (Ow !== O) throw new Error(`conv2d input grad: dy [${dy.shape}] has ${O} channels, kernel [${w.shape}] has ${Ow} filters`);
  const choice = KH === 3 && KW === 3 ? convChoice('input-grad', N, H, W, C, O, opts.algorithm ?? (opts.variant ? 'direct' : undefined)) : null;
  if (choice?.algorithm === 'winograd') return winogradInputGrad(dy, w, { lanes: choice.lanes, tile: choice.tile, wgx: choice.wgx });
  // per tap the GEMM needs [O, C] (its K is now O): w [C, O] read transposed
  const variant = opts.variant ?? choice?.variant ?? convVariant();
  const { wt, wtT, temp } = gemmWeights(w, C, O, KH * KW, variant);
  const dx = Tensor.empty([N, H, W, C]);
  const ph = samePad(KH);
  const pw = samePad(KW);
  // dx[h] = sum_kh dy[h + ph - kh] w[kh]: taps walk kh = KH-1 .. 0 so the source offset rises
  implicitGemm(dy, wt, null, dx, {
    N, Hs: H, Ws: W, C: O, Hg: H, Wg: W, O: C, KW, Hd: H, Wd: W, sstride: 1, ostride: 1, oy: 0, ox: 0,
    ty: { count: KH, k0: KH - 1, kStep: -1, d0: ph - (KH - 1), dStep: 1 },
    tx: { count: KW, k0: KW - 1, kStep: -1, d0: pw - (KW - 1), dStep: 1 },
  }, variant, wtT);
  temp?.dispose();
  return dx;
}

/** dW[kh,kw,C,O] = im2col(x)^T dy. */
export function conv2dFilterGrad(x: Tensor, dy: Tensor, kernel: [number, number], opts: ConvOptions = {}): Tensor {
  checkShape('conv2d x', x, 4);
  checkShape('conv2d dy', dy, 4);
  const [N, H, W, C] = x.shape;
  const O = dy.shape[3];
  if (dy.shape[0] !== N || dy.shape[1] !== H || dy.shape[2] !== W) throw new Error(`conv2d filter grad: dy [${dy.shape}] does not match x [${x.shape}]`);
  const [KH, KW] = kernel;
  const choice = KH === 3 && KW === 3 ? convChoice('filter-grad', N, H, W, C, O, opts.algorithm ?? (opts.variant ? 'direct' : undefined)) : null;
  if (choice?.algorithm === 'winograd') return winogradFilterGrad(x, dy, { tile: choice.tile });
  return filterGemm(x, dy, { N, Hs: H, Ws: W, C, Hg: H, Wg: W, O, KH, KW, sstride: 1, ph: samePad(KH), pw: samePad(KW) }, opts.variant ?? choice?.variant ?? convVariant());
}

/** db[O] = sum of dy over N, H, W (NHWC: column sums). */
export function conv2dBiasGrad(dy: Tensor): Tensor {
  const O = dy.shape[dy.shape.length - 1];
  return columnSum(dy, dy.size / O, O);
}

function parityAxis(k: number, pad: number, r: number): TapAxis {
  // output p = 2a + r takes taps kh = k0, k0+2, ... (kh = r + pad mod 2) from source a + (r + pad - kh)/2
  const k0 = (r + pad) % 2;
  return { count: Math.ceil((k - k0) / 2), k0, kStep: 2, d0: (r + pad - k0) / 2, dStep: -1 };
}

/**
 * Keras Conv2DTranspose(stride 2, padding 'same'): y[N,2H,2W,O] from x[N,H,W,C], w[k,k,O,C] (Keras
 * layout), + b[O], then `opts.epilogue` if given. Four dense GEMMs, one per output parity class (each
 * output pixel is written once, so the epilogue applies as it is written).
 */
export function conv2dTransposeForward(x: Tensor, w: Tensor, b: Tensor | null, opts: ConvOptions = {}): Tensor {
  checkShape('conv2dTranspose x', x, 4);
  checkShape('conv2dTranspose w', w, 4);
  const [N, H, W, C] = x.shape;
  const [KH, KW, O, Cw] = w.shape;
  if (Cw !== C) throw new Error(`conv2dTranspose: x [${x.shape}] has ${C} channels, kernel [${w.shape}] (Keras [kh,kw,out,in]) expects ${Cw}`);
  if (b && b.size !== O) throw new Error(`conv2dTranspose: bias [${b.shape}] does not match ${O} filters`);
  const s = 2;
  // per tap the GEMM needs [C, O]: the Keras kernel [O, C] read transposed
  const variant = opts.variant ?? convVariant();
  const { wt, wtT, temp } = gemmWeights(w, O, C, KH * KW, variant);
  const y = Tensor.empty([N, s * H, s * W, O]);
  for (let ry = 0; ry < s; ry++) {
    for (let rx = 0; rx < s; rx++) {
      implicitGemm(x, wt, b, y, {
        N, Hs: H, Ws: W, C, Hg: H, Wg: W, O, KW, Hd: s * H, Wd: s * W, sstride: 1, ostride: s, oy: ry, ox: rx,
        ty: parityAxis(KH, transposePad(KH, s), ry),
        tx: parityAxis(KW, transposePad(KW, s), rx),
      }, variant, wtT, opts.epilogue);
    }
  }
  temp?.dispose();
  return y;
}

/** dx[N,H,W,C] of the transposed conv: a stride-2 conv of dy[N,2H,2W,O] with w[k,k,O,C] as is. */
export function conv2dTransposeInputGrad(dy: Tensor, w: Tensor, opts: ConvOptions = {}): Tensor {
  checkShape('conv2dTranspose dy', dy, 4);
  const [N, H2, W2, O] = dy.shape;
  const [KH, KW, Ow, C] = w.shape;
  if (Ow !== O) throw new Error(`conv2dTranspose input grad: dy [${dy.shape}] has ${O} channels, kernel [${w.shape}] has ${Ow}`);
  const s = 2;
  const H = H2 / s;
  const W = W2 / s;
  const dx = Tensor.empty([N, H, W, C]);
  implicitGemm(dy, w, null, dx, {
    N, Hs: H2, Ws: W2, C: O, Hg: H, Wg: W, O: C, KW, Hd: H, Wd: W, sstride: s, ostride: 1, oy: 0, ox: 0,
    ty: { count: KH, k0: 0, kStep: 1, d0: -transposePad(KH, s), dStep: 1 },
    tx: { count: KW, k0: 0, kStep: 1, d0: -transposePad(KW, s), dStep: 1 },
  }, opts.variant ?? convVariant());
  return dx;
}

/** dW[k,k,O,C] (Keras layout) of the transposed conv: sum over input pixels of dy at the stride-2 tap times x. */
export function conv2dTransposeFilterGrad(x: Tensor, dy: Tensor, kernel: [number, number], opts: ConvOptions = {}): Tensor {
  const [N, H, W, C] = x.shape;
  const [, H2, W2, O] = dy.shape;
  const s = 2;
  if (dy.shape[0] !== N || H2 !== s * H || W2 !== s * W) throw new Error(`conv2dTranspose filter grad: dy [${dy.shape}] is not 2x x [${x.shape}]`);
  const [KH, KW] = kernel;
  return filterGemm(dy, x, { N, Hs: H2, Ws: W2, C: O, Hg: H, Wg: W, O: C, KH, KW, sstride: s, ph: transposePad(KH, s), pw: transposePad(KW, s) }, opts.variant ?? convVariant());
}

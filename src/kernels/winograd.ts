// Winograd F(2x2, 3x3) convolutions (Lavin & Gray 2016), the scheme cuDNN and XNNPACK use for stride-1
// 3x3 layers: a 2x2 block of outputs from a 4x4 input patch costs 16 multiplications per (input,
// output) channel pair in the transformed domain instead of 36, i.e. 2.25x fewer multiply-adds:
//
//   y_tile = A^T [ (G g G^T) . (B^T d B) ] A      (. elementwise over the 4x4 transform positions e)
//
// Summed over input channels, each transform position e is one dense GEMM: M[e] = V[e] @ U[e] with
// V[e] [tiles, C] (shaders/winograd_input.wgsl), U[e] [C, O] (shaders/winograd_filter.wgsl), and the
// output transform (shaders/winograd_output.wgsl) adds the bias. The 16 GEMMs run as one batched dispatch
// (shaders/winograd_gemm.wgsl, or shaders/winograd_gemm_oc.wgsl for few tiles and many channels).
//  - input gradient: the same forward with the tap-reversed, channel-swapped kernel (flip = 1 in the
//    filter transform), applied to dy;
//  - filter gradient: dW = G^T [ sum over tiles of (B^T d B) . (A dY A^T) ] G, i.e. per e a
//    transposed-A GEMM V[e]^T Z[e] over the tiles (shaders/winograd_grad.wgsl for Z,
//    shaders/winograd_gemm_at.wgsl in chunks + column sums, shaders/winograd_filter_grad.wgsl back).
// F(4x4, 3x3) (shaders/winograd4_*.wgsl, forward, input gradient and, as an option, filter gradient): a 4x4 block of outputs from a 6x6
// patch, 36 products per channel pair instead of 144, i.e. 4x fewer multiply-adds than direct convolution
// (1.78x fewer than F(2x2, 3x3)), as 36 batched GEMMs; its transforms have coefficients up to 8 and 1/24, so
// its fp32 error is larger (measured in src/checks/winograd.ts and bench/RESULTS.md). `tile` picks it.
// Tile bands: the transformed tensors are 4x the activations, so large layers (the U-Net's full-resolution
// decoder at 512x640) are computed in bands of consecutive tiles whose [16, tiles, channels] tensors fit the
// adapter's storage binding limit; every kernel takes the band's first tile (t0), and the filter gradient's
// partial sums of all bands are added by one column sum.
// Same 'same' padding (1 before, 1 after) and layouts (NHWC, HWIO) as src/kernels/conv2d.ts; odd sizes
// get a last tile whose outputs past the edge are not written (forward) or are zero (filter gradient).
// The transforms hold only 1/2 and sums, so the fp32 error stays within a small multiple of the direct
// convolution's (measured in src/checks/winograd.ts and bench/RESULTS.md).
import { gpu, isCpuAdapter } from '../runtime/gpu.ts';
import { defineKernel, grid1d } from './runner.ts';
import { columnSum } from './reduce.ts';
import { Tensor } from '../runtime/tensor.ts';
import { setting } from '../runtime/settings.ts';
import { epilogueBinding, type Epilogue } from './epilogue.ts';

export const winogradInputKernel = defineKernel({ name: 'winograd_input', shader: 'winograd_input', doc: 'Winograd F(2x2,3x3) input transform B^T d B into [16, tiles, C]' });
export const winogradFilterKernel = defineKernel({ name: 'winograd_filter', shader: 'winograd_filter', doc: 'Winograd F(2x2,3x3) filter transform G g G^T into [16, C, O] (flip: the input-gradient kernel)' });
export const winogradOutputKernel = defineKernel({ name: 'winograd_output', shader: 'winograd_output', doc: 'Winograd F(2x2,3x3) output transform A^T m A + bias into NHWC' });
export const winogradGradKernel = defineKernel({ name: 'winograd_grad', shader: 'winograd_grad', doc: 'Winograd F(2x2,3x3) output-gradient transform A dY A^T into [16, tiles, O]' });
export const winogradFilterGradKernel = defineKernel({ name: 'winograd_filter_grad', shader: 'winograd_filter_grad', doc: 'Winograd F(2x2,3x3) filter gradient G^T P G from [16, C, O] into HWIO' });
export const winogradGemmKernel = defineKernel({ name: 'winograd_gemm', shader: 'winograd_gemm', doc: 'batched GEMM of the Winograd domain, register tiles, threads along rows (tiles)' });
export const winogradGemmChannelKernel = defineKernel({ name: 'winograd_gemm_oc', shader: 'winograd_gemm_oc', doc: 'batched GEMM of the Winograd domain, register tiles, threads along columns (channels)' });
export const winogradGemmRowsSubgroupKernel = defineKernel({
  name: 'winograd_gemm_rows_sg',
  shader: 'winograd_gemm',
  defines: ['SUBGROUPS'],
  doc: 'batched GEMM of the Winograd domain, threads along rows, B shared by subgroup broadcasts (CPU adapters)',
  feature: 'subgroups',
});
export const winogradGemmSubgroupKernel = defineKernel({
  name: 'winograd_gemm_sg',
  shader: 'winograd_gemm_sg',
  doc: 'batched GEMM of the Winograd domain, threads along columns, rows shared by subgroup broadcasts (CPU adapters)',
  feature: 'subgroups',
});
export const winogradGemmAtKernel = defineKernel({ name: 'winograd_gemm_at', shader: 'winograd_gemm_at', doc: 'batched A^T B of the Winograd filter gradient, partial sums over tile chunks' });
export const winogradGemmAtSubgroupKernel = defineKernel({
  name: 'winograd_gemm_at_sg',
  shader: 'winograd_gemm_at',
  defines: ['SUBGROUPS'],
  doc: 'batched A^T B of the Winograd filter gradient, columns shared by subgroup broadcasts (CPU adapters)',
  feature: 'subgroups',
});

export const winograd4InputKernel = defineKernel({ name: 'winograd4_input', shader: 'winograd4_input', doc: 'Winograd F(4x4,3x3) input transform B^T d B into [36, tiles, C]' });
export const winograd4FilterKernel = defineKernel({ name: 'winograd4_filter', shader: 'winograd4_filter', doc: 'Winograd F(4x4,3x3) filter transform G g G^T into [36, C, O] (flip: the input-gradient kernel)' });
export const winograd4OutputKernel = defineKernel({ name: 'winograd4_output', shader: 'winograd4_output', doc: 'Winograd F(4x4,3x3) output transform A^T m A + bias (+ fused epilogue) into NHWC' });
export const winograd4GradKernel = defineKernel({ name: 'winograd4_grad', shader: 'winograd4_grad', doc: 'Winograd F(4x4,3x3) output-gradient transform A dY A^T into [36, tiles, O]' });
export const winograd4FilterGradKernel = defineKernel({ name: 'winograd4_filter_grad', shader: 'winograd4_filter_grad', doc: 'Winograd F(4x4,3x3) filter gradient G^T P G from [36, C, O] into HWIO' });

/** Thread mapping of the transformed-domain GEMM: along tiles (rows) or along output channels. */
export type WinogradLanes = 'rows' | 'channels';

/** Outputs per tile side: F(2x2, 3x3) or F(4x4, 3x3). */
export type WinogradTile = 2 | 4;

export interface WinogradOptions {
  /** GEMM thread mapping; default by shape (see `defaultLanes`) */
  lanes?: WinogradLanes;
  /** F(2x2, 3x3) (default) or F(4x4, 3x3); forward and input gradient */
  tile?: WinogradTile;
  /** channel-lane GEMM: threads per workgroup (1-256; default `laneWorkgroup`) */
  wgx?: number;
  /** forward only: bias + ReLU / BatchNorm affine / LeakyReLU in the output transform (src/kernels/epilogue.ts) */
  epilogue?: Epilogue;
}

interface Tiling {
  tilesH: number;
  tilesW: number;
  T: number;
  /** transform positions: 16 for F(2x2, 3x3), 36 for F(4x4, 3x3) */
  E: number;
}

function tiling(N: number, H: number, W: number, m: WinogradTile = 2): Tiling {
  const tilesH = Math.ceil(H / m);
  const tilesW = Math.ceil(W / m);
  return { tilesH, tilesW, T: N * tilesH * tilesW, E: (m + 2) * (m + 2) };
}

/**
 * Tiles per band: the largest transformed tensor of a band (16 x tiles x max(C, O) floats) within the
 * adapter's storage binding limit (and the cap), and few enough tiles for one GEMM dispatch.
 */
function bandTiles(T: number, maxChannels: number, E = 16): number {
  const g = gpu();
  const bytes = Math.min(g.limits.maxStorageBufferBindingSize, setting('winogradBandBytes') ?? Infinity);
  const byMemory = Math.floor(bytes / (E * 4 * maxChannels));
  const byDispatch = 8 * g.limits.maxComputeWorkgroupsPerDimension;
  return Math.max(1, Math.min(T, byMemory, byDispatch));
}

/**
 * Whether Winograd can run this layer: one tile's transformed channels must fit a binding (always true
 * at U-Net sizes; larger layers run in bands).
 */
export function winogradFits(N: number, H: number, W: number, C: number, O: number): boolean {
  void N; void H; void W;
  return 36 * 4 * Math.max(C, O) <= gpu().limits.maxStorageBufferBindingSize;
}

/**
 * Channel lanes when channels are vec4-aligned and there are at least 16 output columns: measured on lavapipe
 * they beat row lanes at every U-Net shape of width x1 (bench/RESULTS.md); below 16 columns (the 8- and 12-channel
 * layers of width x0.25) row lanes took 0.64-0.86x their CPU time (`spineseg tune`, bench/RESULTS.md 2026-12-06
 * night). Other adapters keep row lanes except for few tiles and many channels, the case where one thread per
 * tile leaves most lanes idle.
 */
function defaultLanes(T: number, K: number, N: number): WinogradLanes {
  if (K % 4 !== 0 || N % 4 !== 0) return 'rows';
  if (isCpuAdapter(gpu().adapter)) return N >= 16 ? 'channels' : 'rows';
  return N >= 32 && T <= 512 ? 'channels' : 'rows';
}

/**
 * Channels per thread of the Winograd input, output and gradient transforms (shaders/winograd*_input, _output,
 * _grad.wgsl): the `transformChannels` setting, else 1 on CPU adapters and 4 elsewhere. lavapipe turns every
 * load or store whose address differs between SIMD lanes into a branch per lane and component, so a thread of 4
 * channels (vec4) carries four times the code of a thread of 1: winograd4_output took 1.9 s of CPU to compile
 * with 4 and 0.38 s with 1, and ran in 0.59-1.15x the time (bench/RESULTS.md,
 * "2026-12-07 (night)"). Each channel's arithmetic is the same either way, so the results are bitwise the same.
 */
export function transformChannels(): 1 | 4 {
  const set = setting('transformChannels');
  if (set !== null) return set;
  return isCpuAdapter(gpu().adapter) ? 1 : 4;
}

/** The transforms' pipeline constants: V (vec4 loads when 4 threads' worth of channels are aligned) and CH. */
function transformConstants(channels: number, ch: 1 | 4): Record<string, number> {
  return ch === 4 ? { V: channels % 4 === 0 ? 4 : 1 } : { CH: 1 };
}

/** [E, T, C] transform of the band of T tiles from tile t0. */
function transformIn(src: Tensor, til: Tiling, t0: number, T: number, kernel: typeof winogradInputKernel): Tensor {
  const g = gpu();
  const [N, H, W, C] = src.shape;
  const out = Tensor.empty([til.E, T, C]);
  const ch = transformChannels();
  const groups = kernel.groupsFor(T * Math.ceil(C / ch));
  const [bx, by] = grid1d(groups, 1, g.limits.maxComputeWorkgroupsPerDimension);
  kernel.dispatch(g, { src, src4: src, dst: out }, { N, H, W, C, tilesH: til.tilesH, tilesW: til.tilesW, T, blocksX: bx, t0 }, [bx, by], transformConstants(C, ch));
  return out;
}

function transformFilter(w: Tensor, flip: boolean, m: WinogradTile): Tensor {
  const g = gpu();
  const [, , C, O] = w.shape;
  const [K, N] = flip ? [O, C] : [C, O];
  const out = Tensor.empty([m === 4 ? 36 : 16, K, N]);
  const kernel = m === 4 ? winograd4FilterKernel : winogradFilterKernel;
  kernel.dispatch(g, { w, dst: out }, { C, O, K, N, flip: flip ? 1 : 0 }, [kernel.groupsFor(K * N)]);
  return out;
}

/**
 * Threads per workgroup of the channel-lane kernels (shaders/conv2d_register_oc.wgsl, winograd_gemm_oc.wgsl,
 * winograd_gemm_at.wgsl; each thread owns 4 channels): the `laneWorkgroup` setting, else 8 on CPU adapters for
 * every layer, else `byWidth` (what the layer's width asks for, up to 64). Workgroup size is a pipeline constant,
 * so sizing it by layer width compiled one pipeline per width: 16 of a cold first training step's ~51 pipelines
 * and about a third of its compile time on lavapipe. With 8 threads (one 256-bit SIMD row of lavapipe) the step
 * ran as fast, interleaved whole processes, and the first step came 1.5x sooner (bench/RESULTS.md,
 * "2026-12-07 (evening)").
 */
export function laneWorkgroup(byWidth: number): number {
  const set = setting('laneWorkgroup');
  if (set !== null) return set;
  return isCpuAdapter(gpu().adapter) ? 8 : byWidth;
}

/**
 * Whether the register-tile kernels run as their subgroup twins: shaders/winograd_gemm_sg.wgsl for winograd_gemm_oc
 * (16 rows a workgroup instead of 8) and conv2d_register_sg.wgsl for conv2d_register_oc (src/kernels/conv2d.ts; 16
 * pixels instead of 8), written apart, and the SUBGROUPS variants (`// #if SUBGROUPS` blocks) of winograd_gemm.wgsl
 * (kernel winograd_gemm_rows_sg), winograd_gemm_at.wgsl (winograd_gemm_at_sg), conv2d_register.wgsl
 * (conv2d_register_px_sg) and conv2d_filter_register.wgsl (conv2d_filter_register_sg). The `subgroupGemm` setting
 * decides, else they run on CPU adapters whose device has subgroups of at least 8 invocations. lavapipe turns every storage load inside
 * a loop into a loop over the SIMD row's 8 lanes, uniform address or not, so the values every lane needs (A's rows,
 * B's columns, the activations) cost 8x their count; in the twins lane j loads one and subgroupBroadcast hands it to
 * all. The GEMMs of a 512x640 prediction ran 2.3-3x faster (bench/RESULTS.md, "2026-12-07 (afternoon)"). Each twin
 * adds in the same order as the kernel it replaces: the results are bitwise the same. Where the device lacks
 * subgroups (or they are narrower than 8) the setting cannot force them.
 */
export function subgroupGemm(): boolean {
  const able = subgroupTwinsUnavailable() === null;
  const set = setting('subgroupGemm');
  if (set !== null) return set && able;
  return able && isCpuAdapter(gpu().adapter);
}

/**
 * Why this device cannot run the subgroup twins, or null when it can: they need the `subgroups` feature (requested
 * by initGpu where the adapter has it) and subgroups of at least 8 invocations (lavapipe on AVX2 / AVX-512: 8;
 * SwiftShader: 4). What the checks skip with, `doctor` prints, and subgroupGemm decides on.
 */
export function subgroupTwinsUnavailable(): string | null {
  const g = gpu();
  if (!g.device.features.has('subgroups' as GPUFeatureName)) return 'this device has no subgroups';
  const size = g.adapter.subgroupMinSize;
  if (size === undefined || size < 8) return `this device's subgroups ${size === undefined ? 'have no known size' : `can be ${size} invocations`}: the twins need 8 or more`;
  return null;
}

/** dst[E, M, N] = A[E, M, K] @ B[E, K, N]. */
function batchedGemm(a: Tensor, b: Tensor, M: number, K: number, N: number, lanes: WinogradLanes, E = 16, wgxWanted?: number): Tensor {
  const g = gpu();
  const out = Tensor.empty([E, M, N]);
  const buffers = { A: a, A4: a, B: b, B4: b, dst: out };
  if (lanes === 'channels' && K % 4 === 0 && N % 4 === 0) {
    const wgx = wgxWanted !== undefined ? Math.min(wgxWanted, Math.ceil(N / 4)) : laneWorkgroup(Math.min(64, Math.ceil(N / 4)));
    if (!(Number.isInteger(wgx) && wgx >= 1 && wgx <= 256)) throw new Error(`Winograd GEMM: workgroup size ${wgx} is not an integer in 1..256`);
    if (subgroupGemm()) winogradGemmSubgroupKernel.dispatch(g, buffers, { M, N, K }, [Math.ceil(M / 16), Math.ceil(N / 32), E], { WGX: 8 });
    else winogradGemmChannelKernel.dispatch(g, buffers, { M, N, K }, [Math.ceil(M / 8), Math.ceil(N / (4 * wgx)), E], { WGX: wgx });
  } else {
    const kernel = subgroupGemm() ? winogradGemmRowsSubgroupKernel : winogradGemmKernel;
    kernel.dispatch(g, buffers, { M, N, K }, [Math.ceil(M / 128), Math.ceil(N / 8), E], { VK: K % 4 === 0 ? 4 : 1, VN: N % 4 === 0 ? 4 : 1, WG: 64 });
  }
  return out;
}

/** Writes the outputs of the band of T tiles from t0 into y [N, H, W, O]: bias, then the epilogue. */
function transformOut(m: Tensor, bias: Tensor | null, y: Tensor, til: Tiling, t0: number, T: number, epilogue: Epilogue | undefined): void {
  const g = gpu();
  const [N, H, W, O] = y.shape;
  const kernel = til.E === 36 ? winograd4OutputKernel : winogradOutputKernel;
  const ch = transformChannels();
  const groups = kernel.groupsFor(T * Math.ceil(O / ch));
  const [bx, by] = grid1d(groups, 1, g.limits.maxComputeWorkgroupsPerDimension);
  const epi = epilogueBinding(epilogue, O, m);
  kernel.dispatch(
    g,
    { src: m, src4: m, bias: bias ?? m, dst: y, affine: epi.affine },
    { N, H, W, O, tilesH: til.tilesH, tilesW: til.tilesW, T, blocksX: bx, hasBias: bias ? 1 : 0, t0, epi: epi.epi, alpha: epi.alpha },
    [bx, by],
    transformConstants(O, ch),
  );
}

function convolve(src: Tensor, w: Tensor, bias: Tensor | null, flip: boolean, opts: WinogradOptions): Tensor {
  const [N, H, W, K] = src.shape;
  const Nout = flip ? w.shape[2] : w.shape[3];
  const tile = opts.tile ?? 2;
  if (tile !== 2 && tile !== 4) throw new Error(`Winograd tile ${tile}: F(2x2, 3x3) or F(4x4, 3x3) only`);
  const til = tiling(N, H, W, tile);
  const lanes = opts.lanes ?? defaultLanes(til.T, K, Nout);
  const u = transformFilter(w, flip, tile);
  const y = Tensor.empty([N, H, W, Nout]);
  const band = bandTiles(til.T, Math.max(K, Nout), til.E);
  for (let t0 = 0; t0 < til.T; t0 += band) {
    const T = Math.min(band, til.T - t0);
    const v = transformIn(src, til, t0, T, tile === 4 ? winograd4InputKernel : winogradInputKernel);
    const m = batchedGemm(v, u, T, K, Nout, lanes, til.E, opts.wgx);
    v.dispose();
    transformOut(m, bias, y, til, t0, T, opts.epilogue);
    m.dispose();
  }
  u.dispose();
  return y;
}

function check3x3(what: string, w: Tensor): void {
  if (w.shape.length !== 4 || w.shape[0] !== 3 || w.shape[1] !== 3) throw new Error(`${what}: Winograd F(2x2,3x3) needs a [3,3,C,O] kernel, got [${w.shape}]`);
}

/** y[N,H,W,O] = conv2d(x[N,H,W,C], w[3,3,C,O], stride 1, 'same') + b[O], by Winograd F(2x2, 3x3) or, with `tile: 4`, F(4x4, 3x3). */
export function winogradForward(x: Tensor, w: Tensor, b: Tensor | null, opts: WinogradOptions = {}): Tensor {
  check3x3('winogradForward', w);
  if (x.shape.length !== 4 || x.shape[3] !== w.shape[2]) throw new Error(`winogradForward: x [${x.shape}] does not match kernel [${w.shape}]`);
  if (b && b.size !== w.shape[3]) throw new Error(`winogradForward: bias [${b.shape}] does not match ${w.shape[3]} filters`);
  return convolve(x, w, b, false, opts);
}

/** dx[N,H,W,C] from dy[N,H,W,O] and w[3,3,C,O]: the forward with the reversed, channel-swapped kernel. */
export function winogradInputGrad(dy: Tensor, w: Tensor, opts: WinogradOptions = {}): Tensor {
  check3x3('winogradInputGrad', w);
  if (dy.shape.length !== 4 || dy.shape[3] !== w.shape[3]) throw new Error(`winogradInputGrad: dy [${dy.shape}] does not match kernel [${w.shape}]`);
  return convolve(dy, w, null, true, { lanes: opts.lanes, tile: opts.tile, wgx: opts.wgx });
}

/**
 * F(4x4) filter gradient: tiles per separately summed block in shaders/winograd_gemm_at.wgsl, and at most
 * F4_MAX_CHUNK tiles per chunk (the chunks' partial sums are added by a column sum). Its transformed values are
 * up to 15x (dy) and 10x (x) the pixels', and one long fp32 chain of them had 2x F(2x2)'s error at dec2.conv2
 * (2.1e-3); with blocks and chunks the fp32 sums are short and it stays within F(2x2)'s documented error
 * (bench/RESULTS.md, 2026-12-06). Same CPU time within the noise.
 */
const F4_SUM_BLOCK = 32;
const F4_MAX_CHUNK = 256;

export interface WinogradFilterGradOptions {
  /** F(2x2, 3x3) (default) or F(4x4, 3x3): 6x6 input patches against 4x4 blocks of dy, 36 products per 16 pixels instead of 64 */
  tile?: WinogradTile;
}

/** dW[3,3,C,O] = G^T [sum over tiles of V . Z] G with V = B^T x B, Z = A dy A^T (F(2x2, 3x3), or F(4x4, 3x3) with `tile: 4`). */
export function winogradFilterGrad(x: Tensor, dy: Tensor, opts: WinogradFilterGradOptions = {}): Tensor {
  const g = gpu();
  const [N, H, W, C] = x.shape;
  const O = dy.shape[3];
  if (dy.shape.length !== 4 || dy.shape[0] !== N || dy.shape[1] !== H || dy.shape[2] !== W) throw new Error(`winogradFilterGrad: dy [${dy.shape}] does not match x [${x.shape}]`);
  const tile = opts.tile ?? 2;
  if (tile !== 2 && tile !== 4) throw new Error(`Winograd tile ${tile}: F(2x2, 3x3) or F(4x4, 3x3) only`);
  const til = tiling(N, H, W, tile);
  const E = til.E;
  const band = bandTiles(til.T, Math.max(C, O), E);
  // chunks of tiles: enough workgroups in all (~256), at least 32 tiles each, partials within 64 MiB
  const sg = subgroupGemm();
  const wg = sg ? 8 : laneWorkgroup(Math.min(64, Math.max(8, Math.ceil(C / 4 / 8) * 8)));
  const perChunk = E * Math.ceil(C / 4 / wg) * Math.ceil(O / 8);
  let chunks = Math.max(1, Math.min(Math.ceil(til.T / 32), Math.ceil(256 / perChunk)));
  // F(4x4): also chunks of at most F4_MAX_CHUNK tiles, for accuracy (see F4_SUM_BLOCK)
  if (tile === 4) chunks = Math.max(chunks, Math.ceil(til.T / F4_MAX_CHUNK));
  chunks = Math.min(chunks, Math.max(1, Math.floor((64 << 20) / (4 * E * C * O))), Math.floor(g.limits.maxComputeWorkgroupsPerDimension / E));
  const chunk = Math.min(Math.ceil(til.T / chunks), band);
  // every band is cut into its own chunks; their partial sums sit side by side in `part`
  const bands: { t0: number; T: number; chunks: number }[] = [];
  for (let t0 = 0; t0 < til.T; t0 += band) {
    const T = Math.min(band, til.T - t0);
    bands.push({ t0, T, chunks: Math.ceil(T / chunk) });
  }
  chunks = bands.reduce((a, b) => a + b.chunks, 0);
  const part = Tensor.empty([chunks, E * C * O]);
  let partBase = 0;
  for (const b of bands) {
    const v = transformIn(x, til, b.t0, b.T, tile === 4 ? winograd4InputKernel : winogradInputKernel);
    const z = transformIn(dy, til, b.t0, b.T, tile === 4 ? winograd4GradKernel : winogradGradKernel);
    const groups: [number, number, number] = [Math.ceil(C / 4 / wg), Math.ceil(O / 8), b.chunks * E];
    const params = { T: b.T, K: C, N: O, chunk, batch: E, partBase };
    const sumBlock: Record<string, number> = tile === 4 ? { SUM_BLOCK: F4_SUM_BLOCK } : {};
    const kernel = sg ? winogradGemmAtSubgroupKernel : winogradGemmAtKernel;
    kernel.dispatch(g, { A: v, A4: v, B: z, B4: z, part }, params, groups, { VK: C % 4 === 0 ? 4 : 1, VN: O % 4 === 0 ? 4 : 1, WG: wg, ...sumBlock });
    v.dispose();
    z.dispose();
    partBase += b.chunks * E;
  }
  const summed = chunks === 1 ? part : columnSum(part, chunks, E * C * O);
  if (summed !== part) part.dispose();
  const dw = Tensor.empty([3, 3, C, O]);
  const back = tile === 4 ? winograd4FilterGradKernel : winogradFilterGradKernel;
  back.dispatch(g, { src: summed, dw }, { C, O }, [back.groupsFor(C * O)]);
  summed.dispose();
  return dw;
}

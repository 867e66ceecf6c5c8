// Implicit-GEMM convolution with barrier-free register tiles (the CPU-Vulkan variant; see
// src/kernels/conv2d.ts for the contract and shaders/conv2d_tiled.wgsl for the workgroup-memory twin).
//
//   dst[n, a*ostride + oy, b*ostride + ox, o] = bias[o] + sum over taps (ty, tx) and channels c of
//       src[n, a*sstride + dh0 + ty*dhStep, b*sstride + dw0 + tx*dwStep, c] * wt[kh*KW + kw, c, o]
//   with kh = kh0 + ty*khStep, kw = kw0 + tx*kwStep, for every grid pixel (n, a, b) < (N, Hg, Wg).
//
// One contract covers the conv forward (taps 0..k-1, dh = kh - pad), its input gradient (dy convolved
// with the tap-reversed, per-tap-transposed kernel), and each output-parity class of a stride-2
// transposed conv (a small GEMM over the taps that hit that parity).
//
// GEMM view: rows = grid pixels, K = taps x C, cols = O. A workgroup owns 64*TM pixels and 8 output
// channels; each thread TM pixels x 8 channels. Every thread of a workgroup reads the SAME weights,
// so those loads are uniform (one scalar load broadcast to all SIMD lanes on lavapipe); only the
// activation loads differ per thread, and they are vec4 along channels (NHWC) when C % 4 == 0.
//
// wtT = 1 reads the weights transposed per tap, wt[tap, o, c] ([taps, O, C]): the conv input gradient
// and the Keras-layout Conv2DTranspose kernel use the stored tensor as is, with no transpose pass
// (see shaders/conv2d_register_oc.wgsl). The loads stay uniform; only their order changes.
//
// The SUBGROUPS variant (kernel conv2d_register_px_sg; src/kernels/winograd.ts subgroupGemm) is for CPU adapters:
// lavapipe emits every storage load inside a loop as a loop over the 8 lanes of its SIMD row, uniform address or not
// (shaders/winograd_gemm_sg.wgsl says more), so there lane j of each 8-lane group loads weight row j (hot path) or
// weight j (ragged path) of the block of 8 output channels alone, and subgroupBroadcast hands it to all. It needs
// subgroups of at least 8 invocations; it adds in the same order, so its sums are bitwise the same.
// #if SUBGROUPS
enable subgroups;
// #endif

override V: u32 = 4u;   // 4: C % 4 == 0, read src as vec4 along channels; 1: scalar
override VO: u32 = 4u;  // 4: O % 4 == 0, read weight rows as vec4
// lavapipe compiles every loop a shader holds, turning each load and store whose address differs between SIMD lanes
// into a branch per lane (bench/RESULTS.md, "2026-12-07 (night)"): one loop serves both
// weight layouts, and whether the blocks of 8 output channels are whole is a constant, so a pipeline holds one loop
// (the kernel with four took 1.6 s of CPU to compile).
override FULL: u32 = 0u; // 1: VO == 4 and O % 8 == 0, so every block of 8 output channels is whole (no bounds checks)

const TM: u32 = 2u;     // pixels per thread
const WG: u32 = 64u;

struct Params {
  N: u32, Hs: u32, Ws: u32, C: u32,
  Hg: u32, Wg: u32, O: u32, KW: u32,
  Hd: u32, Wd: u32, sstride: u32, ostride: u32,
  oy: u32, ox: u32, th: u32, tw: u32,
  kh0: i32, khStep: i32, dh0: i32, dhStep: i32,
  kw0: i32, kwStep: i32, dw0: i32, dwStep: i32,
  hasBias: u32, blocksX: u32, wtT: u32,
  epi: u32, alpha: f32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read> src4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> wt: array<f32>;
@group(0) @binding(4) var<storage, read> wt4: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> bias: array<f32>;
@group(0) @binding(6) var<storage, read_write> dst: array<f32>;
@group(0) @binding(7) var<storage, read> affine: array<f32>; // fused epilogue's [scale(O), shift(O)]

// #include epilogue

// Four weights of input channel c for output channels col .. col+3 (zero past O): wt[idx .. idx+3] of the
// [tap, c, o] layout, or with `tr` (wtT) wt[tap, col + j, c] of the [tap, o, c] layout.
fn weights4(idx: u32, tap: u32, c: u32, col: u32, tr: bool) -> vec4<f32> {
  if (VO == 4u && !tr && col + 4u <= p.O) { return wt4[idx >> 2u]; }
  var r = vec4<f32>(0.0);
  for (var j = 0u; j < 4u; j++) {
    if (col + j < p.O) { r[j] = wt[select(idx + j, (tap * p.O + col + j) * p.C + c, tr)]; }
  }
  return r;
}

// #if SUBGROUPS
// This lane's weight of input channel c for output channel col + lane (zero past O): wt[idx + lane] of the
// [tap, c, o] layout, or with `tr` (wtT) wt[tap, col + lane, c] of the [tap, o, c] layout.
fn laneWeight(idx: u32, tap: u32, c: u32, col: u32, lane: u32, tr: bool) -> f32 {
  let o = min(col + lane, p.O - 1u);
  let v = wt[select(idx + (o - col), (tap * p.O + o) * p.C + c, tr)];
  return select(0.0, v, col + lane < p.O);
}

// #endif
// The vec4 index of weight row q (0..7) of the hot loop: rn + (q / 2) * O/4 + q % 2 in the [tap, c, o] layout,
// rt + q * C/4 in the [tap, o, c] one.
fn row8(q: u32, rn: u32, rt: u32, tr: bool) -> u32 {
  return select(rn + (q >> 1u) * (p.O >> 2u) + (q & 1u), rt + q * (p.C >> 2u), tr);
}

@compute @workgroup_size(64)
// #if SUBGROUPS
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(subgroup_invocation_id) sid: u32) {
  let lane = sid % 8u;
// #else
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
// #endif
  let tile = wid.x + wid.y * p.blocksX;
  let o0 = wid.z * 8u;
  let M = p.N * p.Hg * p.Wg;
  var pn: array<i32, TM>;
  var pa: array<i32, TM>;
  var pb: array<i32, TM>;
  var live: array<bool, TM>;
  for (var i = 0u; i < TM; i++) {
    let m = tile * WG * TM + i * WG + lid.x;
    live[i] = M > m;
    let mm = min(m, M - 1u);
    pb[i] = i32(mm % p.Wg);
    pa[i] = i32((mm / p.Wg) % p.Hg);
    pn[i] = i32(mm / (p.Wg * p.Hg));
  }
  // acc0/acc1: pixel 0, channels o0..o0+3 / o0+4..o0+7; acc2/acc3: pixel 1 (named, so they stay in registers)
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  // a full block of 8 output channels with vec4-aligned rows: no per-load bounds checks
  let full = FULL == 1u;
  let tr = p.wtT == 1u;
  let Hs = i32(p.Hs);
  let Ws = i32(p.Ws);
  let ss = i32(p.sstride);
  for (var ty = 0u; ty < p.th; ty++) {
    let kh = p.kh0 + i32(ty) * p.khStep;
    let dh = p.dh0 + i32(ty) * p.dhStep;
    for (var tx = 0u; tx < p.tw; tx++) {
      let kw = p.kw0 + i32(tx) * p.kwStep;
      let dw = p.dw0 + i32(tx) * p.dwStep;
      let tap = u32(kh * i32(p.KW) + kw);
      let wbase = tap * p.C * p.O + o0;
      // transposed layout: row of output channel o0 + j at (tbase + j*C + c) / 4
      let tbase = (tap * p.O + o0) * p.C;
      var base: array<u32, TM>;
      var ok: array<bool, TM>;
      for (var i = 0u; i < TM; i++) {
        let sh = pa[i] * ss + dh;
        let sw = pb[i] * ss + dw;
        ok[i] = sh >= 0 && sh < Hs && sw >= 0 && sw < Ws;
        base[i] = select(0u, u32((pn[i] * Hs + sh) * Ws + sw) * p.C, ok[i]);
      }
      if (V == 4u && full) {
        // hot path, unrolled by hand so the accumulators stay in registers. Eight vec4 weight rows per 4 input
        // channels in either layout (one loop for both: lavapipe compiles every loop a shader holds):
        // [tap, c, o]: row 2i + h holds input channel c+i's outputs o0+4h .. o0+4h+3;
        // [tap, o, c] (wtT): row j holds output o0+j's input channels c .. c+3, so channel c+i's weights are (r_0[i] .. r_7[i])
        for (var c = 0u; c < p.C; c += 4u) {
          let a0 = select(vec4<f32>(0.0), src4[(base[0] + c) >> 2u], ok[0]);
          let a1 = select(vec4<f32>(0.0), src4[(base[1] + c) >> 2u], ok[1]);
          let rn = (wbase + c * p.O) >> 2u;
          let rt = (tbase + c) >> 2u;
// #if SUBGROUPS
          // this lane's weight row (FULL: all eight rows are in range in either layout)
          let rl = wt4[row8(lane, rn, rt, tr)];
          let r0 = subgroupBroadcast(rl, 0u); let r1 = subgroupBroadcast(rl, 1u);
          let r2 = subgroupBroadcast(rl, 2u); let r3 = subgroupBroadcast(rl, 3u);
          let r4 = subgroupBroadcast(rl, 4u); let r5 = subgroupBroadcast(rl, 5u);
          let r6 = subgroupBroadcast(rl, 6u); let r7 = subgroupBroadcast(rl, 7u);
// #else
          let r0 = wt4[row8(0u, rn, rt, tr)]; let r1 = wt4[row8(1u, rn, rt, tr)];
          let r2 = wt4[row8(2u, rn, rt, tr)]; let r3 = wt4[row8(3u, rn, rt, tr)];
          let r4 = wt4[row8(4u, rn, rt, tr)]; let r5 = wt4[row8(5u, rn, rt, tr)];
          let r6 = wt4[row8(6u, rn, rt, tr)]; let r7 = wt4[row8(7u, rn, rt, tr)];
// #endif
          var w0 = select(r0, vec4<f32>(r0.x, r1.x, r2.x, r3.x), tr);
          var w1 = select(r1, vec4<f32>(r4.x, r5.x, r6.x, r7.x), tr);
          acc0 = fma(vec4<f32>(a0.x), w0, acc0); acc1 = fma(vec4<f32>(a0.x), w1, acc1);
          acc2 = fma(vec4<f32>(a1.x), w0, acc2); acc3 = fma(vec4<f32>(a1.x), w1, acc3);
          w0 = select(r2, vec4<f32>(r0.y, r1.y, r2.y, r3.y), tr);
          w1 = select(r3, vec4<f32>(r4.y, r5.y, r6.y, r7.y), tr);
          acc0 = fma(vec4<f32>(a0.y), w0, acc0); acc1 = fma(vec4<f32>(a0.y), w1, acc1);
          acc2 = fma(vec4<f32>(a1.y), w0, acc2); acc3 = fma(vec4<f32>(a1.y), w1, acc3);
          w0 = select(r4, vec4<f32>(r0.z, r1.z, r2.z, r3.z), tr);
          w1 = select(r5, vec4<f32>(r4.z, r5.z, r6.z, r7.z), tr);
          acc0 = fma(vec4<f32>(a0.z), w0, acc0); acc1 = fma(vec4<f32>(a0.z), w1, acc1);
          acc2 = fma(vec4<f32>(a1.z), w0, acc2); acc3 = fma(vec4<f32>(a1.z), w1, acc3);
          w0 = select(r6, vec4<f32>(r0.w, r1.w, r2.w, r3.w), tr);
          w1 = select(r7, vec4<f32>(r4.w, r5.w, r6.w, r7.w), tr);
          acc0 = fma(vec4<f32>(a0.w), w0, acc0); acc1 = fma(vec4<f32>(a0.w), w1, acc1);
          acc2 = fma(vec4<f32>(a1.w), w0, acc2); acc3 = fma(vec4<f32>(a1.w), w1, acc3);
        }
      } else {
        // ragged channel counts or a partial block of output channels, either layout
        for (var c = 0u; c < p.C; c++) {
          let wi = wbase + c * p.O;
// #if SUBGROUPS
          let wl = laneWeight(wi, tap, c, o0, lane, tr);
          let w0 = vec4<f32>(subgroupBroadcast(wl, 0u), subgroupBroadcast(wl, 1u), subgroupBroadcast(wl, 2u), subgroupBroadcast(wl, 3u));
          let w1 = vec4<f32>(subgroupBroadcast(wl, 4u), subgroupBroadcast(wl, 5u), subgroupBroadcast(wl, 6u), subgroupBroadcast(wl, 7u));
// #else
          let w0 = weights4(wi, tap, c, o0, tr);
          let w1 = weights4(wi + 4u, tap, c, o0 + 4u, tr);
// #endif
          let a0 = select(0.0, src[base[0] + c], ok[0]);
          let a1 = select(0.0, src[base[1] + c], ok[1]);
          acc0 = fma(vec4<f32>(a0), w0, acc0); acc1 = fma(vec4<f32>(a0), w1, acc1);
          acc2 = fma(vec4<f32>(a1), w0, acc2); acc3 = fma(vec4<f32>(a1), w1, acc3);
        }
      }
    }
  }
  if (p.hasBias == 1u) {
    var bv = array<f32, 8>();
    for (var j = 0u; j < 8u; j++) { bv[j] = bias[min(o0 + j, p.O - 1u)]; }
    let b0 = vec4<f32>(bv[0], bv[1], bv[2], bv[3]);
    let b1 = vec4<f32>(bv[4], bv[5], bv[6], bv[7]);
    acc0 += b0; acc1 += b1; acc2 += b0; acc3 += b1;
  }
  let e0 = epilogueFor(o0, p.O);
  let e1 = epilogueFor(o0 + 4u, p.O);
  storeRow(live[0], pn[0], pa[0], pb[0], o0, applyEpilogue4(e0, acc0), applyEpilogue4(e1, acc1), full);
  storeRow(live[1], pn[1], pa[1], pb[1], o0, applyEpilogue4(e0, acc2), applyEpilogue4(e1, acc3), full);
}

// Writes one pixel's 8 output channels; constant indices keep the accumulators in registers.
fn storeRow(live: bool, n: i32, a: i32, b: i32, o0: u32, lo: vec4<f32>, hi: vec4<f32>, full: bool) {
  if (!live) { return; }
  let row = u32((n * i32(p.Hd) + a * i32(p.ostride) + i32(p.oy)) * i32(p.Wd) + b * i32(p.ostride) + i32(p.ox));
  let at = row * p.O + o0;
  if (FULL == 1u) {
    dst[at] = lo.x; dst[at + 1u] = lo.y; dst[at + 2u] = lo.z; dst[at + 3u] = lo.w;
    dst[at + 4u] = hi.x; dst[at + 5u] = hi.y; dst[at + 6u] = hi.z; dst[at + 7u] = hi.w;
    return;
  }
  let v = array<f32, 8>(lo.x, lo.y, lo.z, lo.w, hi.x, hi.y, hi.z, hi.w);
  for (var j = 0u; j < 8u; j++) {
    if (o0 + j < p.O) { dst[at + j] = v[j]; }
  }
}

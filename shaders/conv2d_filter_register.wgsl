// Filter gradient of a convolution as partial GEMMs over pixel chunks, barrier-free register tiles:
//
//   part[s, kh*KW + kw, c, o] = sum over grid pixels m = (n, a, b) in chunk s of
//       src[n, a*sstride + kh - ph, b*sstride + kw - pw, c] * g[m, o]
//
// For a conv, src = x and g = dy (dW = im2col(x)^T dy); for a stride-2 transposed conv, src = dy of
// the output and g = its input. The reduction over N*H*W pixels is long and the output small, so it
// is split into chunks across workgroups (z) and the partials summed by a second pass (column sums).
// Threads own V consecutive channels of one tap (rows of dW) and 8 output channels (uniform per
// workgroup): the loads of g are the same for every thread, the src loads are vec4 along channels when
// C % 4 == 0.
//
// The SUBGROUPS variant (kernel conv2d_filter_register_sg; src/kernels/winograd.ts subgroupGemm) is for CPU adapters:
// lavapipe emits every storage load inside a loop as a loop over the 8 lanes of its SIMD row, uniform address or not
// (shaders/winograd_gemm_sg.wgsl says more), so there lane j of each 8-lane group loads g[m, o0 + j] alone and
// subgroupBroadcast hands it to all. Its workgroups are one 8-lane group (of 64, threads wholly past the last row group
// would all have to run the loop for the broadcasts: the first layer has 9 row groups); the threads of the last one
// past it run on the last row group's loads and store nothing. It needs subgroups of at least 8 invocations; it adds in
// the same order, so its sums are bitwise the same.
// #if SUBGROUPS
enable subgroups;
const FWG: u32 = 8u;
// #else
const FWG: u32 = 64u;
// #endif

override V: u32 = 4u;
override VO: u32 = 4u;

struct Params {
  N: u32, Hs: u32, Ws: u32, C: u32,
  Hg: u32, Wg: u32, O: u32, KW: u32,
  T: u32, sstride: u32, ph: i32, pw: i32,
  chunk: u32, rowGroups: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read> src4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> g: array<f32>;
@group(0) @binding(4) var<storage, read> g4: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> part: array<f32>;

fn grad4(idx: u32, col: u32) -> vec4<f32> {
  if (VO == 4u && col + 4u <= p.O) { return g4[idx >> 2u]; }
  var r = vec4<f32>(0.0);
  for (var j = 0u; j < 4u; j++) {
    if (col + j < p.O) { r[j] = g[idx + j]; }
  }
  return r;
}

// #if SUBGROUPS
// this lane's value g[m, o0 + lane] (zero past O)
fn laneGrad(m: u32, o0: u32, lane: u32) -> f32 {
  let v = g[m * p.O + min(o0 + lane, p.O - 1u)];
  return select(0.0, v, o0 + lane < p.O);
}

@compute @workgroup_size(FWG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(subgroup_invocation_id) sid: u32) {
  let lane = sid % 8u;
  let live = wid.x * FWG + lid.x < p.rowGroups;
  let q = min(wid.x * FWG + lid.x, p.rowGroups - 1u);
// #else
@compute @workgroup_size(FWG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let q = wid.x * FWG + lid.x;
  if (q >= p.rowGroups) { return; }
// #endif
  // this thread's rows of dW: tap t, channels c0 .. c0+V-1
  let perTap = p.C / V;
  let t = q / perTap;
  let c0 = (q % perTap) * V;
  let kh = i32(t / p.KW);
  let kw = i32(t % p.KW);
  let o0 = wid.y * 8u;
  let M = p.N * p.Hg * p.Wg;
  let m0 = wid.z * p.chunk;
  let m1 = min(m0 + p.chunk, M);
  // grid coordinates of m0, advanced incrementally (uniform across the workgroup)
  var b = m0 % p.Wg;
  var a = (m0 / p.Wg) % p.Hg;
  var n = m0 / (p.Wg * p.Hg);
  let Hs = i32(p.Hs);
  let Ws = i32(p.Ws);
  let ss = i32(p.sstride);
  var acc: array<vec4<f32>, 8>; // acc[2r], acc[2r+1]: row c0 + r, columns o0..o0+3, o0+4..o0+7
  for (var m = m0; m < m1; m++) {
    let sh = i32(a) * ss + kh - p.ph;
    let sw = i32(b) * ss + kw - p.pw;
    let ok = sh >= 0 && sh < Hs && sw >= 0 && sw < Ws;
    let at = select(0u, u32((i32(n) * Hs + sh) * Ws + sw) * p.C + c0, ok);
// #if SUBGROUPS
    let gl = laneGrad(m, o0, lane);
    let g0 = vec4<f32>(subgroupBroadcast(gl, 0u), subgroupBroadcast(gl, 1u), subgroupBroadcast(gl, 2u), subgroupBroadcast(gl, 3u));
    let g1 = vec4<f32>(subgroupBroadcast(gl, 4u), subgroupBroadcast(gl, 5u), subgroupBroadcast(gl, 6u), subgroupBroadcast(gl, 7u));
// #else
    let g0 = grad4(m * p.O + o0, o0);
    let g1 = grad4(m * p.O + o0 + 4u, o0 + 4u);
// #endif
    if (V == 4u) {
      let x = select(vec4<f32>(0.0), src4[at >> 2u], ok);
      for (var r = 0u; r < 4u; r++) {
        acc[2u * r] = fma(vec4<f32>(x[r]), g0, acc[2u * r]);
        acc[2u * r + 1u] = fma(vec4<f32>(x[r]), g1, acc[2u * r + 1u]);
      }
    } else {
      let x = select(0.0, src[at], ok);
      acc[0] = fma(vec4<f32>(x), g0, acc[0]);
      acc[1] = fma(vec4<f32>(x), g1, acc[1]);
    }
    b++;
    if (b == p.Wg) {
      b = 0u;
      a++;
      if (a == p.Hg) { a = 0u; n++; }
    }
  }
// #if SUBGROUPS
  if (!live) { return; }
// #endif
  let K = p.T * p.C;
  for (var r = 0u; r < V; r++) {
    let row = t * p.C + c0 + r;
    for (var j = 0u; j < 8u; j++) {
      let o = o0 + j;
      if (o >= p.O) { break; }
      part[(wid.z * K + row) * p.O + o] = acc[2u * r + j / 4u][j % 4u];
    }
  }
}

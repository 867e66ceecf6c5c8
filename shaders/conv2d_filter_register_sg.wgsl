// Filter gradient of a convolution as partial GEMMs over pixel chunks, g shared by subgroup broadcasts: the twin of
// shaders/conv2d_filter_register.wgsl (same contract and V, same sums in the same order; read its header) for
// CPU adapters. Every thread of a workgroup needs the same 8 values of g per pixel; lavapipe emits every storage load
// inside a loop as a loop over the 8 lanes of its SIMD row, uniform address or not (shaders/winograd_gemm_sg.wgsl
// says more), so here lane j of each 8-lane group loads g[m, o0 + j] alone and subgroupBroadcast hands it to all.
// Needs subgroups of at least 8 invocations (src/kernels/winograd.ts subgroupGemm). A workgroup is one 8-lane group
// (of 64, threads wholly past the last row group would all run the loop: the first layer has 9 row groups); threads of
// the last one past it run on the last row group's loads, so that all take part in the broadcasts, and store nothing.
enable subgroups;

override V: u32 = 4u;

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
@group(0) @binding(5) var<storage, read_write> part: array<f32>;

// this lane's value g[m, o0 + lane] (zero past O)
fn laneGrad(m: u32, o0: u32, lane: u32) -> f32 {
  let v = g[m * p.O + min(o0 + lane, p.O - 1u)];
  return select(0.0, v, o0 + lane < p.O);
}

@compute @workgroup_size(8)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(subgroup_invocation_id) sid: u32) {
  let lane = sid % 8u;
  let live = wid.x * 8u + lid.x < p.rowGroups;
  let q = min(wid.x * 8u + lid.x, p.rowGroups - 1u);
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
    let gl = laneGrad(m, o0, lane);
    let g0 = vec4<f32>(subgroupBroadcast(gl, 0u), subgroupBroadcast(gl, 1u), subgroupBroadcast(gl, 2u), subgroupBroadcast(gl, 3u));
    let g1 = vec4<f32>(subgroupBroadcast(gl, 4u), subgroupBroadcast(gl, 5u), subgroupBroadcast(gl, 6u), subgroupBroadcast(gl, 7u));
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
  if (!live) { return; }
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

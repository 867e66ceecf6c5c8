// Batched GEMM of the Winograd transformed domain, threads along COLUMNS, rows shared by subgroup broadcasts: the
// twin of shaders/winograd_gemm_oc.wgsl (same contract, same sums in the same order) for CPU adapters.
//
//   dst[b, m, n] = sum over k of A[b, m, k] * B[b, k, n]   (A [batch, M, K], B [batch, K, N], batch = z)
//
// A workgroup owns 16 rows and WGX*4 columns; a thread 4 columns x 16 rows, one vec4 load of B per k. Every thread
// needs the same 16 values of A per k. lavapipe emits every storage load inside a loop as a loop over the 8 lanes of
// its SIMD row with a bounds check per lane and component, uniform address or not (its scalar path is only taken
// outside loops), so the old kernel's A loads cost 8x their count. Here lane j of each 8-lane group loads rows j and
// 8 + j as vec4 along K, and subgroupBroadcast hands each row to every lane (an extract and a broadcast on
// lavapipe). Needs subgroups of at least 8 invocations (src/kernels/winograd.ts subgroupGemm), K % 4 == 0 and
// N % 4 == 0. Every thread runs the loop, out-of-range columns on clamped loads, so that all take part in the
// broadcasts; only in-range ones store.
enable subgroups;

override WGX: u32 = 8u;

const P: u32 = 16u;

struct Params { M: u32, N: u32, K: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(2) var<storage, read> A4: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> B4: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> dst: array<f32>;

/** acc + x.x w0 + x.y w1 + x.z w2 + x.w w3, innermost first: the order of shaders/winograd_gemm_oc.wgsl */
fn madd(x: vec4<f32>, w0: vec4<f32>, w1: vec4<f32>, w2: vec4<f32>, w3: vec4<f32>, acc: vec4<f32>) -> vec4<f32> {
  return fma(vec4<f32>(x.x), w0, fma(vec4<f32>(x.y), w1, fma(vec4<f32>(x.z), w2, fma(vec4<f32>(x.w), w3, acc))));
}

@compute @workgroup_size(WGX)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(subgroup_invocation_id) sid: u32) {
  let n = (wid.y * WGX + lid.x) * 4u;
  let b = wid.z;
  let m0 = wid.x * P;
  let K4 = p.K >> 2u;
  let N4 = p.N >> 2u;
  let lane = sid % 8u;
  // this lane's two rows of A (clamped: rows past M are loaded, never stored)
  let a0base = (b * p.M + min(m0 + lane, p.M - 1u)) * K4;
  let a1base = (b * p.M + min(m0 + 8u + lane, p.M - 1u)) * K4;
  let bbase = (b * p.K * p.N + min(n, p.N - 4u)) >> 2u;
  var c0 = vec4<f32>(0.0); var c1 = vec4<f32>(0.0); var c2 = vec4<f32>(0.0); var c3 = vec4<f32>(0.0);
  var c4 = vec4<f32>(0.0); var c5 = vec4<f32>(0.0); var c6 = vec4<f32>(0.0); var c7 = vec4<f32>(0.0);
  var c8 = vec4<f32>(0.0); var c9 = vec4<f32>(0.0); var c10 = vec4<f32>(0.0); var c11 = vec4<f32>(0.0);
  var c12 = vec4<f32>(0.0); var c13 = vec4<f32>(0.0); var c14 = vec4<f32>(0.0); var c15 = vec4<f32>(0.0);
  for (var k4 = 0u; k4 < K4; k4++) {
    let a0 = A4[a0base + k4];
    let a1 = A4[a1base + k4];
    let bi = bbase + 4u * k4 * N4;
    let w0 = B4[bi];
    let w1 = B4[bi + N4];
    let w2 = B4[bi + 2u * N4];
    let w3 = B4[bi + 3u * N4];
    c0 = madd(subgroupBroadcast(a0, 0u), w0, w1, w2, w3, c0);
    c1 = madd(subgroupBroadcast(a0, 1u), w0, w1, w2, w3, c1);
    c2 = madd(subgroupBroadcast(a0, 2u), w0, w1, w2, w3, c2);
    c3 = madd(subgroupBroadcast(a0, 3u), w0, w1, w2, w3, c3);
    c4 = madd(subgroupBroadcast(a0, 4u), w0, w1, w2, w3, c4);
    c5 = madd(subgroupBroadcast(a0, 5u), w0, w1, w2, w3, c5);
    c6 = madd(subgroupBroadcast(a0, 6u), w0, w1, w2, w3, c6);
    c7 = madd(subgroupBroadcast(a0, 7u), w0, w1, w2, w3, c7);
    c8 = madd(subgroupBroadcast(a1, 0u), w0, w1, w2, w3, c8);
    c9 = madd(subgroupBroadcast(a1, 1u), w0, w1, w2, w3, c9);
    c10 = madd(subgroupBroadcast(a1, 2u), w0, w1, w2, w3, c10);
    c11 = madd(subgroupBroadcast(a1, 3u), w0, w1, w2, w3, c11);
    c12 = madd(subgroupBroadcast(a1, 4u), w0, w1, w2, w3, c12);
    c13 = madd(subgroupBroadcast(a1, 5u), w0, w1, w2, w3, c13);
    c14 = madd(subgroupBroadcast(a1, 6u), w0, w1, w2, w3, c14);
    c15 = madd(subgroupBroadcast(a1, 7u), w0, w1, w2, w3, c15);
  }
  if (n >= p.N) { return; }
  let acc = array<vec4<f32>, P>(c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, c15);
  for (var i = 0u; i < P; i++) {
    if (m0 + i >= p.M) { break; }
    let at = (b * p.M + m0 + i) * p.N + n;
    let v = acc[i];
    dst[at] = v.x; dst[at + 1u] = v.y; dst[at + 2u] = v.z; dst[at + 3u] = v.w;
  }
}

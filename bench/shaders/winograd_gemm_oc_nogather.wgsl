// Bench-only PROBE, not a GEMM: shaders/winograd_gemm_oc.wgsl with one change, every thread of a workgroup reads
// the B values of the workgroup's first columns, so lavapipe loads them once and broadcasts them instead of gathering
// one per lane. Its results are wrong; its time, against the engine's shader, is what the B gathers cost
// (bench/winograd_gemm_oc_variants.ts).
override WGX: u32 = 64u;

const P: u32 = 8u;

struct Params { M: u32, N: u32, K: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(2) var<storage, read> A4: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> B4: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(WGX)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let n = (wid.y * WGX + lid.x) * 4u;
  if (n >= p.N) { return; }
  let b = wid.z;
  let m0 = wid.x * P;
  let K4 = p.K >> 2u;
  let N4 = p.N >> 2u;
  var abase: array<u32, P>;
  for (var i = 0u; i < P; i++) { abase[i] = (b * p.M + min(m0 + i, p.M - 1u)) * K4; }
  let bbase = (b * p.K * p.N + wid.y * WGX * 4u) >> 2u;
  var acc: array<vec4<f32>, P>;
  for (var k4 = 0u; k4 < K4; k4++) {
    let bi = bbase + 4u * k4 * N4;
    let w0 = B4[bi];
    let w1 = B4[bi + N4];
    let w2 = B4[bi + 2u * N4];
    let w3 = B4[bi + 3u * N4];
    for (var i = 0u; i < P; i++) {
      let x = A4[abase[i] + k4];
      acc[i] = fma(vec4<f32>(x.x), w0, fma(vec4<f32>(x.y), w1, fma(vec4<f32>(x.z), w2, fma(vec4<f32>(x.w), w3, acc[i]))));
    }
  }
  for (var i = 0u; i < P; i++) {
    if (m0 + i >= p.M) { break; }
    let at = (b * p.M + m0 + i) * p.N + n;
    let v = acc[i];
    dst[at] = v.x; dst[at + 1u] = v.y; dst[at + 2u] = v.z; dst[at + 3u] = v.w;
  }
}

// Bench-only variant of shaders/winograd_gemm_oc.wgsl (bench/winograd_gemm_oc_variants.ts): a thread owns 4 rows x 8
// columns (two vec4 loads of B per k) instead of 8 x 4: the same 32 accumulators, twice the gathered B values per
// multiply-add, half the uniform A loads. Same sums in the same order. Needs K % 4 == 0 and N % 8 == 0.
override WGX: u32 = 64u;
const P: u32 = 4u;
struct Params { M: u32, N: u32, K: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(2) var<storage, read> A4: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> B4: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(WGX)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let n = (wid.y * WGX + lid.x) * 8u;
  if (n >= p.N) { return; }
  let b = wid.z;
  let m0 = wid.x * P;
  let K4 = p.K >> 2u;
  let N4 = p.N >> 2u;
  var abase: array<u32, P>;
  for (var i = 0u; i < P; i++) { abase[i] = (b * p.M + min(m0 + i, p.M - 1u)) * K4; }
  let bbase = (b * p.K * p.N + n) >> 2u;
  var acc: array<vec4<f32>, P>;
  var acd: array<vec4<f32>, P>;
  for (var k4 = 0u; k4 < K4; k4++) {
    let bi = bbase + 4u * k4 * N4;
    let w0 = B4[bi];
    let w1 = B4[bi + N4];
    let w2 = B4[bi + 2u * N4];
    let w3 = B4[bi + 3u * N4];
    let v0 = B4[bi + 1u];
    let v1 = B4[bi + N4 + 1u];
    let v2 = B4[bi + 2u * N4 + 1u];
    let v3 = B4[bi + 3u * N4 + 1u];
    for (var i = 0u; i < P; i++) {
      let x = A4[abase[i] + k4];
      acc[i] = fma(vec4<f32>(x.x), w0, fma(vec4<f32>(x.y), w1, fma(vec4<f32>(x.z), w2, fma(vec4<f32>(x.w), w3, acc[i]))));
      acd[i] = fma(vec4<f32>(x.x), v0, fma(vec4<f32>(x.y), v1, fma(vec4<f32>(x.z), v2, fma(vec4<f32>(x.w), v3, acd[i]))));
    }
  }
  for (var i = 0u; i < P; i++) {
    if (m0 + i >= p.M) { break; }
    let at = (b * p.M + m0 + i) * p.N + n;
    let v = acc[i];
    dst[at] = v.x; dst[at + 1u] = v.y; dst[at + 2u] = v.z; dst[at + 3u] = v.w;
    let u = acd[i];
    dst[at + 4u] = u.x; dst[at + 5u] = u.y; dst[at + 6u] = u.z; dst[at + 7u] = u.w;
  }
}

// Bench-only variant of shaders/winograd_gemm_oc.wgsl (bench/winograd_gemm_oc_variants.ts): a thread owns 16 rows x 2
// columns (vec2 loads of B) instead of 8 x 4: the same 32 accumulators, half the gathered B values per multiply-add,
// twice the uniform A loads. Same sums in the same order as the engine's shader. Needs K % 4 == 0 and N % 2 == 0.
override WGX: u32 = 64u;
const P: u32 = 16u;
struct Params { M: u32, N: u32, K: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(2) var<storage, read> A4: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> B2: array<vec2<f32>>;
@group(0) @binding(5) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(WGX)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let n = (wid.y * WGX + lid.x) * 2u;
  if (n >= p.N) { return; }
  let b = wid.z;
  let m0 = wid.x * P;
  let K4 = p.K >> 2u;
  let N2 = p.N >> 1u;
  var abase: array<u32, P>;
  for (var i = 0u; i < P; i++) { abase[i] = (b * p.M + min(m0 + i, p.M - 1u)) * K4; }
  let bbase = (b * p.K * p.N + n) >> 1u;
  var acc: array<vec2<f32>, P>;
  for (var k4 = 0u; k4 < K4; k4++) {
    let bi = bbase + 4u * k4 * N2;
    let w0 = B2[bi];
    let w1 = B2[bi + N2];
    let w2 = B2[bi + 2u * N2];
    let w3 = B2[bi + 3u * N2];
    for (var i = 0u; i < P; i++) {
      let x = A4[abase[i] + k4];
      acc[i] = fma(vec2<f32>(x.x), w0, fma(vec2<f32>(x.y), w1, fma(vec2<f32>(x.z), w2, fma(vec2<f32>(x.w), w3, acc[i]))));
    }
  }
  for (var i = 0u; i < P; i++) {
    if (m0 + i >= p.M) { break; }
    let at = (b * p.M + m0 + i) * p.N + n;
    let v = acc[i];
    dst[at] = v.x; dst[at + 1u] = v.y;
  }
}

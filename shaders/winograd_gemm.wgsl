// Batched GEMM of the Winograd transformed domain (src/kernels/winograd.ts), barrier-free register tiles:
//
//   dst[b, m, n] = sum over k of A[b, m, k] * B[b, k, n]   (A [batch, M, K], B [batch, K, N], batch = z)
//
// For F(2x2, 3x3) the batch is the 16 transform positions, M the tiles, K the input channels and N the
// output channels. The thread mapping is the one of shaders/conv2d_register.wgsl (measured fastest on
// lavapipe): a workgroup owns WG*2 rows and 8 columns; every thread reads the SAME B values (uniform,
// one broadcast load on CPU adapters) and its own rows of A as vec4 along K when K % 4 == 0.
override VK: u32 = 4u;  // 4: K % 4 == 0 (vec4 loads of A); 1: scalar
override VN: u32 = 4u;  // 4: N % 4 == 0 (vec4 loads of B rows)
override WG: u32 = 64u;

const TM: u32 = 2u;

struct Params { M: u32, N: u32, K: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> A4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> B: array<f32>;
@group(0) @binding(4) var<storage, read> B4: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> dst: array<f32>;

// #include winograd_rowb

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let b = wid.z;
  let n0 = wid.y * 8u;
  let m0 = wid.x * WG * TM + lid.x;
  let m1 = m0 + WG;
  let live0 = m0 < p.M;
  let live1 = m1 < p.M;
  // clamped rows keep the loads in bounds; their results are not stored
  let a0base = (b * p.M + min(m0, p.M - 1u)) * p.K;
  let a1base = (b * p.M + min(m1, p.M - 1u)) * p.K;
  let bbase = b * p.K * p.N + n0;
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  let full = VN == 4u && n0 + 8u <= p.N;
  if (VK == 4u && full) {
    let N4 = p.N >> 2u;
    for (var k = 0u; k < p.K; k += 4u) {
      let a0 = A4[(a0base + k) >> 2u];
      let a1 = A4[(a1base + k) >> 2u];
      let bi = (bbase + k * p.N) >> 2u;
      var w0 = B4[bi];
      var w1 = B4[bi + 1u];
      acc0 = fma(vec4<f32>(a0.x), w0, acc0); acc1 = fma(vec4<f32>(a0.x), w1, acc1);
      acc2 = fma(vec4<f32>(a1.x), w0, acc2); acc3 = fma(vec4<f32>(a1.x), w1, acc3);
      w0 = B4[bi + N4];
      w1 = B4[bi + N4 + 1u];
      acc0 = fma(vec4<f32>(a0.y), w0, acc0); acc1 = fma(vec4<f32>(a0.y), w1, acc1);
      acc2 = fma(vec4<f32>(a1.y), w0, acc2); acc3 = fma(vec4<f32>(a1.y), w1, acc3);
      w0 = B4[bi + 2u * N4];
      w1 = B4[bi + 2u * N4 + 1u];
      acc0 = fma(vec4<f32>(a0.z), w0, acc0); acc1 = fma(vec4<f32>(a0.z), w1, acc1);
      acc2 = fma(vec4<f32>(a1.z), w0, acc2); acc3 = fma(vec4<f32>(a1.z), w1, acc3);
      w0 = B4[bi + 3u * N4];
      w1 = B4[bi + 3u * N4 + 1u];
      acc0 = fma(vec4<f32>(a0.w), w0, acc0); acc1 = fma(vec4<f32>(a0.w), w1, acc1);
      acc2 = fma(vec4<f32>(a1.w), w0, acc2); acc3 = fma(vec4<f32>(a1.w), w1, acc3);
    }
  } else {
    // ragged K or N, or a partial block of 8 columns
    for (var k = 0u; k < p.K; k++) {
      let bi = bbase + k * p.N;
      let w0 = rowB(bi, n0);
      let w1 = rowB(bi + 4u, n0 + 4u);
      let a0 = A[a0base + k];
      let a1 = A[a1base + k];
      acc0 = fma(vec4<f32>(a0), w0, acc0); acc1 = fma(vec4<f32>(a0), w1, acc1);
      acc2 = fma(vec4<f32>(a1), w0, acc2); acc3 = fma(vec4<f32>(a1), w1, acc3);
    }
  }
  storeRow(live0, (b * p.M + m0) * p.N + n0, n0, acc0, acc1, full);
  storeRow(live1, (b * p.M + m1) * p.N + n0, n0, acc2, acc3, full);
}

fn storeRow(live: bool, at: u32, n0: u32, lo: vec4<f32>, hi: vec4<f32>, full: bool) {
  if (!live) { return; }
  if (full) {
    dst[at] = lo.x; dst[at + 1u] = lo.y; dst[at + 2u] = lo.z; dst[at + 3u] = lo.w;
    dst[at + 4u] = hi.x; dst[at + 5u] = hi.y; dst[at + 6u] = hi.z; dst[at + 7u] = hi.w;
    return;
  }
  let v = array<f32, 8>(lo.x, lo.y, lo.z, lo.w, hi.x, hi.y, hi.z, hi.w);
  for (var j = 0u; j < 8u; j++) {
    if (n0 + j < p.N) { dst[at + j] = v[j]; }
  }
}

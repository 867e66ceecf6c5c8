// Batched GEMM of the Winograd transformed domain (src/kernels/winograd.ts), barrier-free register tiles:
//
//   dst[b, m, n] = sum over k of A[b, m, k] * B[b, k, n]   (A [batch, M, K], B [batch, K, N], batch = z)
//
// For F(2x2, 3x3) the batch is the 16 transform positions, M the tiles, K the input channels and N the
// output channels. The thread mapping is the one of shaders/conv2d_register.wgsl (measured fastest on
// lavapipe): a workgroup owns WG*2 rows and 8 columns; every thread reads the SAME B values and its own rows of A
// as vec4 along K when K % 4 == 0.
//
// The SUBGROUPS variant (kernel winograd_gemm_rows_sg; src/kernels/winograd.ts subgroupGemm) is for CPU adapters:
// lavapipe emits every storage load inside a loop as a loop over the 8 lanes of its SIMD row, uniform address or not
// (shaders/winograd_gemm_sg.wgsl says more), so there lane j of each 8-lane group loads one of the B values (a vec4 of
// 4 columns of one of the 4 rows k .. k+3, or one value on the ragged path) and subgroupBroadcast hands it to all. It
// needs subgroups of at least 8 invocations; it adds in the same order, so its sums are bitwise the same.
// #if SUBGROUPS
enable subgroups;
// #endif

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
// #if SUBGROUPS
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(subgroup_invocation_id) sid: u32) {
  let lane = sid % 8u;
// #else
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
// #endif
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
// #if SUBGROUPS
      // lane j: row k + j / 2, columns n0 + 4 (j % 2) .. + 3
      let bl = B4[bi + (lane >> 1u) * N4 + (lane & 1u)];
      var w0 = subgroupBroadcast(bl, 0u);
      var w1 = subgroupBroadcast(bl, 1u);
// #else
      var w0 = B4[bi];
      var w1 = B4[bi + 1u];
// #endif
      acc0 = fma(vec4<f32>(a0.x), w0, acc0); acc1 = fma(vec4<f32>(a0.x), w1, acc1);
      acc2 = fma(vec4<f32>(a1.x), w0, acc2); acc3 = fma(vec4<f32>(a1.x), w1, acc3);
// #if SUBGROUPS
      w0 = subgroupBroadcast(bl, 2u);
      w1 = subgroupBroadcast(bl, 3u);
// #else
      w0 = B4[bi + N4];
      w1 = B4[bi + N4 + 1u];
// #endif
      acc0 = fma(vec4<f32>(a0.y), w0, acc0); acc1 = fma(vec4<f32>(a0.y), w1, acc1);
      acc2 = fma(vec4<f32>(a1.y), w0, acc2); acc3 = fma(vec4<f32>(a1.y), w1, acc3);
// #if SUBGROUPS
      w0 = subgroupBroadcast(bl, 4u);
      w1 = subgroupBroadcast(bl, 5u);
// #else
      w0 = B4[bi + 2u * N4];
      w1 = B4[bi + 2u * N4 + 1u];
// #endif
      acc0 = fma(vec4<f32>(a0.z), w0, acc0); acc1 = fma(vec4<f32>(a0.z), w1, acc1);
      acc2 = fma(vec4<f32>(a1.z), w0, acc2); acc3 = fma(vec4<f32>(a1.z), w1, acc3);
// #if SUBGROUPS
      w0 = subgroupBroadcast(bl, 6u);
      w1 = subgroupBroadcast(bl, 7u);
// #else
      w0 = B4[bi + 3u * N4];
      w1 = B4[bi + 3u * N4 + 1u];
// #endif
      acc0 = fma(vec4<f32>(a0.w), w0, acc0); acc1 = fma(vec4<f32>(a0.w), w1, acc1);
      acc2 = fma(vec4<f32>(a1.w), w0, acc2); acc3 = fma(vec4<f32>(a1.w), w1, acc3);
    }
  } else {
    // ragged K or N, or a partial block of 8 columns
    for (var k = 0u; k < p.K; k++) {
      let bi = bbase + k * p.N;
// #if SUBGROUPS
      // lane j: column n0 + j (zero past N)
      let bv = B[bi + min(lane, p.N - 1u - n0)];
      let bl = select(0.0, bv, n0 + lane < p.N);
      let w0 = vec4<f32>(subgroupBroadcast(bl, 0u), subgroupBroadcast(bl, 1u), subgroupBroadcast(bl, 2u), subgroupBroadcast(bl, 3u));
      let w1 = vec4<f32>(subgroupBroadcast(bl, 4u), subgroupBroadcast(bl, 5u), subgroupBroadcast(bl, 6u), subgroupBroadcast(bl, 7u));
// #else
      let w0 = rowB(bi, n0);
      let w1 = rowB(bi + 4u, n0 + 4u);
// #endif
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

// Transposed-A batched GEMM of the Winograd filter gradient, as partial sums over chunks of rows:
//
//   part[s*BATCH + b, k, n] = sum over rows t in chunk s of A[b, t, k] * B[b, t, n]
//   (A [BATCH, T, K]: transformed inputs, B [BATCH, T, N]: transformed output gradients; z = s*BATCH + b)
//
// The reduction over tiles is long and the result small (K x N per transform position), so chunks run on
// separate workgroups and a column-sum pass adds them (src/kernels/winograd.ts). Mapping as in
// shaders/conv2d_filter_register.wgsl: a thread owns 4 consecutive k (vec4 loads of A when K % 4 == 0) and
// the workgroup 8 columns n (the same B values for every thread).
//
// The SUBGROUPS variant (kernel winograd_gemm_at_sg; src/kernels/winograd.ts subgroupGemm) is for CPU adapters, in
// workgroups of 8: lavapipe emits every storage load inside a loop as a loop over the 8 lanes of its SIMD row, uniform
// address or not (shaders/winograd_gemm_sg.wgsl says more), so there lane j loads column n0 + j of B's row alone and
// subgroupBroadcast hands it to all. Threads past K run the loop on clamped loads, so that all take part in the
// broadcasts, and store nothing. It needs subgroups of at least 8 invocations; it adds in the same order, so its sums
// are bitwise the same.
// #if SUBGROUPS
enable subgroups;
// #endif

override VK: u32 = 4u;
override VN: u32 = 4u;
override WG: u32 = 64u;
override SUM_BLOCK: u32 = 4294967295u; // tiles per separately summed block (default: the whole chunk in one chain)

struct Params { T: u32, K: u32, N: u32, chunk: u32, batch: u32, partBase: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> A4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> B: array<f32>;
@group(0) @binding(4) var<storage, read> B4: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> part: array<f32>;

// #include winograd_rowb

// A[ai .. ai+3], rows k0 .. k0+3 of one tile (vec4 when VK == 4, zero past K otherwise)
fn loadA(ai: u32, k0: u32) -> vec4<f32> {
  if (VK == 4u) { return A4[ai >> 2u]; }
  var x = vec4<f32>(0.0);
  for (var r = 0u; r < 4u; r++) {
    if (k0 + r < p.K) { x[r] = A[ai + r]; }
  }
  return x;
}

// #if SUBGROUPS
// this lane's column n0 + lane of B's row (zero past N)
fn laneB(row: u32, n0: u32, lane: u32) -> f32 {
  let v = B[row * p.N + min(n0 + lane, p.N - 1u)];
  return select(0.0, v, n0 + lane < p.N);
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(subgroup_invocation_id) sid: u32) {
  let lane = sid % 8u;
  let k0 = (wid.x * WG + lid.x) * 4u;
  // threads past K read the last vec4 of K (in bounds) and store nothing
  let kc = min(k0, (p.K - 1u) & ~3u);
// #else
@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let k0 = (wid.x * WG + lid.x) * 4u;
  if (k0 >= p.K) { return; }
  let kc = k0;
// #endif
  let n0 = wid.y * 8u;
  let b = wid.z % p.batch;
  let s = wid.z / p.batch;
  let t0 = s * p.chunk;
  let t1 = min(t0 + p.chunk, p.T);
  var acc: array<vec4<f32>, 8>; // acc[2r], acc[2r+1]: row k0 + r, columns n0..n0+3, n0+4..n0+7
  if (SUM_BLOCK == 4294967295u) {
    // one chain per chunk (F(2x2)): the loop as it was before the blocks, verbatim, which measured ~6 % less CPU than the
    // blocked loop below with one block (bench/winograd_gemm_at_ab.ts); SUM_BLOCK is a constant, so one of the
    // two loops is compiled
    for (var t = t0; t < t1; t++) {
// #if SUBGROUPS
      let g = laneB(b * p.T + t, n0, lane);
      let g0 = vec4<f32>(subgroupBroadcast(g, 0u), subgroupBroadcast(g, 1u), subgroupBroadcast(g, 2u), subgroupBroadcast(g, 3u));
      let g1 = vec4<f32>(subgroupBroadcast(g, 4u), subgroupBroadcast(g, 5u), subgroupBroadcast(g, 6u), subgroupBroadcast(g, 7u));
// #else
      let bi = (b * p.T + t) * p.N + n0;
      let g0 = rowB(bi, n0);
      let g1 = rowB(bi + 4u, n0 + 4u);
// #endif
      let ai = (b * p.T + t) * p.K + kc;
      var x: vec4<f32>;
      if (VK == 4u) {
        x = A4[ai >> 2u];
      } else {
        x = vec4<f32>(0.0);
        for (var r = 0u; r < 4u; r++) {
          if (kc + r < p.K) { x[r] = A[ai + r]; }
        }
      }
      acc[0] = fma(vec4<f32>(x.x), g0, acc[0]); acc[1] = fma(vec4<f32>(x.x), g1, acc[1]);
      acc[2] = fma(vec4<f32>(x.y), g0, acc[2]); acc[3] = fma(vec4<f32>(x.y), g1, acc[3]);
      acc[4] = fma(vec4<f32>(x.z), g0, acc[4]); acc[5] = fma(vec4<f32>(x.z), g1, acc[5]);
      acc[6] = fma(vec4<f32>(x.w), g0, acc[6]); acc[7] = fma(vec4<f32>(x.w), g1, acc[7]);
    }
  } else {
    // blocks of SUM_BLOCK tiles summed apart, then added: a shorter fp32 chain (F(4x4)'s larger transformed values)
    for (var tb = t0; tb < t1; tb += min(SUM_BLOCK, t1 - tb)) {
      let te = select(t1, tb + SUM_BLOCK, t1 - tb > SUM_BLOCK);
      var blk = array<vec4<f32>, 8>(vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0));
      for (var t = tb; t < te; t++) {
// #if SUBGROUPS
        let g = laneB(b * p.T + t, n0, lane);
        let g0 = vec4<f32>(subgroupBroadcast(g, 0u), subgroupBroadcast(g, 1u), subgroupBroadcast(g, 2u), subgroupBroadcast(g, 3u));
        let g1 = vec4<f32>(subgroupBroadcast(g, 4u), subgroupBroadcast(g, 5u), subgroupBroadcast(g, 6u), subgroupBroadcast(g, 7u));
// #else
        let bi = (b * p.T + t) * p.N + n0;
        let g0 = rowB(bi, n0);
        let g1 = rowB(bi + 4u, n0 + 4u);
// #endif
        let x = loadA((b * p.T + t) * p.K + kc, kc);
        blk[0] = fma(vec4<f32>(x.x), g0, blk[0]); blk[1] = fma(vec4<f32>(x.x), g1, blk[1]);
        blk[2] = fma(vec4<f32>(x.y), g0, blk[2]); blk[3] = fma(vec4<f32>(x.y), g1, blk[3]);
        blk[4] = fma(vec4<f32>(x.z), g0, blk[4]); blk[5] = fma(vec4<f32>(x.z), g1, blk[5]);
        blk[6] = fma(vec4<f32>(x.w), g0, blk[6]); blk[7] = fma(vec4<f32>(x.w), g1, blk[7]);
      }
      for (var r = 0u; r < 8u; r++) { acc[r] += blk[r]; }
    }
  }
  // threads past K (the SUBGROUPS variant's, which ran the loop) store nothing: k0 + 0 >= K breaks at once
  let base = (p.partBase + wid.z) * p.K * p.N;
  for (var r = 0u; r < 4u; r++) {
    if (k0 + r >= p.K) { break; }
    for (var j = 0u; j < 8u; j++) {
      let n = n0 + j;
      if (n >= p.N) { break; }
      part[base + (k0 + r) * p.N + n] = acc[2u * r + j / 4u][j % 4u];
    }
  }
}

// C[M,N] = op(A) @ op(B), batched over z, without workgroup memory or barriers: an 8x8 workgroup
// computes a 32x32 block, each thread a 4x4 register block read straight from A and B. On CPU
// Vulkan (lavapipe) barriers are expensive and caches do the sharing, so this variant can win there.
override TA: u32 = 0u;
override TB: u32 = 0u;
override ACC: u32 = 0u;

struct Params { M: u32, N: u32, K: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;

fn loadA(batch: u32, m: u32, k: u32) -> f32 {
  if (m >= p.M) { return 0.0; }
  if (TA == 1u) { return A[batch * p.M * p.K + k * p.M + m]; }
  return A[batch * p.M * p.K + m * p.K + k];
}

fn loadB(batch: u32, k: u32, n: u32) -> f32 {
  if (n >= p.N) { return 0.0; }
  if (TB == 1u) { return B[batch * p.K * p.N + n * p.K + k]; }
  return B[batch * p.K * p.N + k * p.N + n];
}

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let batch = gid.z;
  let r0 = gid.y * 4u;
  let c0 = gid.x * 4u;
  if (r0 >= p.M || c0 >= p.N) { return; }
  var acc: array<array<f32, 4>, 4>;
  for (var k = 0u; k < p.K; k++) {
    var a: array<f32, 4>;
    var b: array<f32, 4>;
    for (var i = 0u; i < 4u; i++) {
      a[i] = loadA(batch, r0 + i, k);
      b[i] = loadB(batch, k, c0 + i);
    }
    for (var i = 0u; i < 4u; i++) {
      for (var j = 0u; j < 4u; j++) { acc[i][j] = fma(a[i], b[j], acc[i][j]); }
    }
  }
  for (var i = 0u; i < 4u; i++) {
    let r = r0 + i;
    if (r >= p.M) { continue; }
    for (var j = 0u; j < 4u; j++) {
      let c = c0 + j;
      if (c >= p.N) { continue; }
      let at = batch * p.M * p.N + r * p.N + c;
      if (ACC == 1u) { C[at] += acc[i][j]; } else { C[at] = acc[i][j]; }
    }
  }
}

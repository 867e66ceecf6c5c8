// C[M,N] = op(A) @ op(B), batched over z. Workgroup-memory tiles: a 16x16 workgroup computes a 64x64
// block of C, each thread a 4x4 register block, stepping K by 16 through shared tiles of A and B.
// TA: A is stored [K,M] (use A^T); TB: B is stored [N,K] (use B^T). ACC: 1 adds into C.
override TA: u32 = 0u;
override TB: u32 = 0u;
override ACC: u32 = 0u;

struct Params { M: u32, N: u32, K: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;

var<workgroup> As: array<array<f32, 64>, 16>;
var<workgroup> Bs: array<array<f32, 64>, 16>;

fn loadA(batch: u32, m: u32, k: u32) -> f32 {
  if (m >= p.M || k >= p.K) { return 0.0; }
  if (TA == 1u) { return A[batch * p.M * p.K + k * p.M + m]; }
  return A[batch * p.M * p.K + m * p.K + k];
}

fn loadB(batch: u32, k: u32, n: u32) -> f32 {
  if (k >= p.K || n >= p.N) { return 0.0; }
  if (TB == 1u) { return B[batch * p.K * p.N + n * p.K + k]; }
  return B[batch * p.K * p.N + k * p.N + n];
}

@compute @workgroup_size(16, 16)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let batch = wid.z;
  let row0 = wid.y * 64u;
  let col0 = wid.x * 64u;
  let t = lid.y * 16u + lid.x;
  var acc: array<array<f32, 4>, 4>;
  for (var k0 = 0u; k0 < p.K; k0 += 16u) {
    // 256 threads load 1024 values of each tile, 4 apiece
    for (var j = 0u; j < 4u; j++) {
      let e = t + j * 256u;
      let kk = e / 64u;
      let mm = e % 64u;
      As[kk][mm] = loadA(batch, row0 + mm, k0 + kk);
      Bs[kk][mm] = loadB(batch, k0 + kk, col0 + mm);
    }
    workgroupBarrier();
    for (var kk = 0u; kk < 16u; kk++) {
      var a: array<f32, 4>;
      var b: array<f32, 4>;
      for (var i = 0u; i < 4u; i++) {
        a[i] = As[kk][lid.y * 4u + i];
        b[i] = Bs[kk][lid.x * 4u + i];
      }
      for (var i = 0u; i < 4u; i++) {
        for (var j = 0u; j < 4u; j++) { acc[i][j] = fma(a[i], b[j], acc[i][j]); }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let r = row0 + lid.y * 4u + i;
    if (r >= p.M) { continue; }
    for (var j = 0u; j < 4u; j++) {
      let c = col0 + lid.x * 4u + j;
      if (c >= p.N) { continue; }
      let at = batch * p.M * p.N + r * p.N + c;
      if (ACC == 1u) { C[at] += acc[i][j]; } else { C[at] = acc[i][j]; }
    }
  }
}

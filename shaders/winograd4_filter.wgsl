// Winograd F(4x4, 3x3) filter transform (src/kernels/winograd.ts; the F(2x2, 3x3) twin is winograd_filter.wgsl):
//
//   dst[e, k, n] = (G g G^T)[e],  e = 6*i + j,
//   G = [[1/4, 0, 0], [-1/6, -1/6, -1/6], [-1/6, 1/6, -1/6], [1/24, 1/12, 1/6], [1/24, -1/12, 1/6], [0, 0, 1]],
//   forward (flip = 0): k = c, n = o, g[kh][kw] = w[kh, kw, c, o]; input gradient (flip = 1): k = o, n = c,
//   g[kh][kw] = w[2 - kh, 2 - kw, c, o].
// dst is [36, K, N], the B operand of the 36 transformed-domain GEMMs. One thread per (k, n).
struct Params { C: u32, O: u32, K: u32, N: u32, flip: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

// #include winograd_taps

fn gcol(x: array<f32, 3>) -> array<f32, 6> {
  return array<f32, 6>(
    x[0] / 4.0,
    -(x[0] + x[1] + x[2]) / 6.0,
    -(x[0] - x[1] + x[2]) / 6.0,
    x[0] / 24.0 + x[1] / 12.0 + x[2] / 6.0,
    x[0] / 24.0 - x[1] / 12.0 + x[2] / 6.0,
    x[2],
  );
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let q = gid.x;
  if (q >= p.K * p.N) { return; }
  let k = q / p.N;
  let n = q % p.N;
  let g = loadTaps(k, n);
  var s: array<array<f32, 3>, 6>; // s = G g
  for (var j = 0u; j < 3u; j++) {
    let r = gcol(array<f32, 3>(g[0][j], g[1][j], g[2][j]));
    for (var i = 0u; i < 6u; i++) { s[i][j] = r[i]; }
  }
  let plane = p.K * p.N;
  for (var i = 0u; i < 6u; i++) {
    let v = gcol(s[i]);
    for (var j = 0u; j < 6u; j++) { dst[(6u * i + j) * plane + q] = v[j]; }
  }
}

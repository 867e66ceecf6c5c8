// Winograd F(2x2, 3x3) filter transform (src/kernels/winograd.ts):
//
//   dst[e, k, n] = (G g G^T)[e],  G = [[1, 0, 0], [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]],
//   forward (flip = 0): k = c, n = o, g[kh][kw] = w[kh, kw, c, o] of the HWIO kernel w [3, 3, C, O];
//   input gradient (flip = 1): k = o, n = c, g[kh][kw] = w[2 - kh, 2 - kw, c, o] (the tap-reversed,
//   channel-swapped kernel that convolves dy into dx).
// dst is [16, K, N], the B operand of the 16 transformed-domain GEMMs. One thread per (k, n).
struct Params { C: u32, O: u32, K: u32, N: u32, flip: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

// #include winograd_taps

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let q = gid.x;
  if (q >= p.K * p.N) { return; }
  let k = q / p.N;
  let n = q % p.N;
  let g = loadTaps(k, n);
  var s: array<array<f32, 3>, 4>; // s = G g
  for (var j = 0u; j < 3u; j++) {
    s[0][j] = g[0][j];
    s[1][j] = 0.5 * (g[0][j] + g[1][j] + g[2][j]);
    s[2][j] = 0.5 * (g[0][j] - g[1][j] + g[2][j]);
    s[3][j] = g[2][j];
  }
  let plane = p.K * p.N;
  for (var i = 0u; i < 4u; i++) {
    let v = array<f32, 4>(s[i][0], 0.5 * (s[i][0] + s[i][1] + s[i][2]), 0.5 * (s[i][0] - s[i][1] + s[i][2]), s[i][2]);
    for (var j = 0u; j < 4u; j++) { dst[(4u * i + j) * plane + q] = v[j]; }
  }
}

// Winograd F(2x2, 3x3) filter gradient, back from the transformed domain (src/kernels/winograd.ts):
//
//   dw[kh, kw, c, o] = (G^T P G)[kh][kw],  P[e] = src[e, c, o] = sum over tiles of V[e, t, c] * Z[e, t, o],
//   G^T = [[1, 1/2, 1/2, 0], [0, 1/2, -1/2, 0], [0, 1/2, 1/2, 1]]. One thread per (c, o).
struct Params { C: u32, O: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dw: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let q = gid.x;
  let plane = p.C * p.O;
  if (q >= plane) { return; }
  var m: array<array<f32, 4>, 4>;
  for (var i = 0u; i < 4u; i++) {
    for (var j = 0u; j < 4u; j++) { m[i][j] = src[(4u * i + j) * plane + q]; }
  }
  var s: array<array<f32, 4>, 3>; // s = G^T m
  for (var j = 0u; j < 4u; j++) {
    s[0][j] = m[0][j] + 0.5 * (m[1][j] + m[2][j]);
    s[1][j] = 0.5 * (m[1][j] - m[2][j]);
    s[2][j] = 0.5 * (m[1][j] + m[2][j]) + m[3][j];
  }
  for (var i = 0u; i < 3u; i++) {
    let v = array<f32, 3>(s[i][0] + 0.5 * (s[i][1] + s[i][2]), 0.5 * (s[i][1] - s[i][2]), 0.5 * (s[i][1] + s[i][2]) + s[i][3]);
    for (var j = 0u; j < 3u; j++) { dw[(i * 3u + j) * plane + q] = v[j]; }
  }
}

// Winograd F(4x4, 3x3) filter gradient, back from the transformed domain (src/kernels/winograd.ts; the
// F(2x2, 3x3) twin is winograd_filter_grad.wgsl):
//
//   dw[kh, kw, c, o] = (G^T P G)[kh][kw],  P[e] = src[e, c, o] = sum over tiles of V[e, t, c] * Z[e, t, o],
//   G^T = [[1/4, -1/6, -1/6, 1/24, 1/24, 0], [0, -1/6, 1/6, 1/12, -1/12, 0], [0, -1/6, -1/6, 1/6, 1/6, 1]]
//   (G of winograd4_filter.wgsl). One thread per (c, o).
struct Params { C: u32, O: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dw: array<f32>;

// G^T x for a column x of 6
fn gt(x: array<f32, 6>) -> array<f32, 3> {
  let a = x[1] + x[2];
  let b = x[3] + x[4];
  return array<f32, 3>(
    x[0] / 4.0 - a / 6.0 + b / 24.0,
    (x[2] - x[1]) / 6.0 + (x[3] - x[4]) / 12.0,
    (b - a) / 6.0 + x[5],
  );
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let q = gid.x;
  let plane = p.C * p.O;
  if (q >= plane) { return; }
  var s: array<array<f32, 6>, 3>; // s = G^T m
  for (var j = 0u; j < 6u; j++) {
    var col: array<f32, 6>;
    for (var i = 0u; i < 6u; i++) { col[i] = src[(6u * i + j) * plane + q]; }
    let r = gt(col);
    for (var i = 0u; i < 3u; i++) { s[i][j] = r[i]; }
  }
  for (var i = 0u; i < 3u; i++) {
    let v = gt(s[i]);
    for (var j = 0u; j < 3u; j++) { dw[(i * 3u + j) * plane + q] = v[j]; }
  }
}

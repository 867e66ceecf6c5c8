// Winograd F(4x4, 3x3) transform of the output gradient for the filter gradient (src/kernels/winograd.ts;
// the F(2x2, 3x3) twin is winograd_grad.wgsl):
//
//   dst[e, t, o] = (A dY A^T)[e],  e = 6*i + j,  for the 4x4 block dY of tile t = (n, ty, tx), channel o,
//   dY[i][j] = g[n, 4*ty + i, 4*tx + j, o] (zero past the edge of ragged sizes),
//   A = [[1, 0, 0, 0], [1, 1, 1, 1], [1, -1, 1, -1], [1, 2, 4, 8], [1, -2, 4, -8], [0, 0, 0, 1]] (A^T of winograd4_output).
//
// With V = B^T d B of the same tile (shaders/winograd4_input.wgsl), dW = G^T (sum over tiles of V x dst) G
// (shaders/winograd4_filter_grad.wgsl): the gradient of y = A^T ((G w G^T) . V) A with respect to w.
// dst is [36, T, O] for the band of T tiles from t0. One thread per tile and CH channels (4, or 1 on CPU adapters).
override V: u32 = 4u;
override CH: u32 = 4u; // channels per thread: 4, or 1 (scalar loads and stores; src/kernels/winograd.ts transformChannels)

struct Params { N: u32, H: u32, W: u32, C: u32, tilesH: u32, tilesW: u32, T: u32, blocksX: u32, t0: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read> src4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;

// #include winograd_patch
// #include winograd_tile


// A y for a column y of 4 (shared sums: y0 + y2, y1 + y3, y0 + 4 y2, 2 y1 + 8 y3)
fn a6(y: array<vec4<f32>, 4>) -> array<vec4<f32>, 6> {
  let e1 = y[0] + y[2];
  let o1 = y[1] + y[3];
  let e2 = y[0] + 4.0 * y[2];
  let o2 = 2.0 * y[1] + 8.0 * y[3];
  return array<vec4<f32>, 6>(y[0], e1 + o1, e1 - o1, e2 + o2, e2 - o2, y[3]);
}

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let th = tileThread((wid.x + wid.y * p.blocksX) * 64u + lid.x, p.C, CH);
  if (!th.live) { return; }
  let tl = th.tl;
  let c = th.c;
  let n = th.n;
  let ty = th.ty;
  let tx = th.tx;
  // s = A dY, column by column: 6 rows of 4
  var s: array<array<vec4<f32>, 4>, 6>;
  for (var j = 0u; j < 4u; j++) {
    var col: array<vec4<f32>, 4>;
    for (var i = 0u; i < 4u; i++) { col[i] = loadPatch(n, i32(4u * ty + i), i32(4u * tx + j), c); }
    let r = a6(col);
    for (var i = 0u; i < 6u; i++) { s[i][j] = r[i]; }
  }
  let plane = p.T * p.C;
  let base = tl * p.C + c;
  for (var i = 0u; i < 6u; i++) {
    let v = a6(s[i]); // (A dY) A^T along the row
    for (var j = 0u; j < 6u; j++) {
      let at = (6u * i + j) * plane + base;
      for (var k = 0u; k < CH; k++) {
        if (c + k < p.C) { dst[at + k] = v[j][k]; }
      }
    }
  }
}

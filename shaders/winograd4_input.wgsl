// Winograd F(4x4, 3x3) input transform (src/kernels/winograd.ts; the F(2x2, 3x3) twin is winograd_input.wgsl):
//
//   dst[e, t, c] = (B^T d B)[e]   for the 6x6 input patch d of tile t = (n, ty, tx), channel c,
//   d[i][j] = src[n, 4*ty - 1 + i, 4*tx - 1 + j, c] (zero outside: the 'same' padding of a 3x3 conv), e = 6*i + j,
//   B^T = [[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0],
//          [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]]   (points 0, +-1, +-2, infinity).
// dst is [36, T, C] for the band of T tiles from tile t0. One thread per tile and CH channels (4, or 1 on CPU adapters).
override V: u32 = 4u; // 4: C % 4 == 0 (vec4 loads); 1: scalar loads with bounds
override CH: u32 = 4u; // channels per thread: 4, or 1 (scalar loads and stores; src/kernels/winograd.ts transformChannels)

struct Params { N: u32, H: u32, W: u32, C: u32, tilesH: u32, tilesW: u32, T: u32, blocksX: u32, t0: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read> src4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;

// #include winograd_patch
// #include winograd_tile


// B^T x for a column x of 6
fn bt(x: array<vec4<f32>, 6>) -> array<vec4<f32>, 6> {
  return array<vec4<f32>, 6>(
    4.0 * x[0] - 5.0 * x[2] + x[4],
    -4.0 * x[1] - 4.0 * x[2] + x[3] + x[4],
    4.0 * x[1] - 4.0 * x[2] - x[3] + x[4],
    -2.0 * x[1] - x[2] + 2.0 * x[3] + x[4],
    2.0 * x[1] - x[2] - 2.0 * x[3] + x[4],
    4.0 * x[1] - 5.0 * x[3] + x[5],
  );
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
  let h0 = i32(4u * ty) - 1;
  let w0 = i32(4u * tx) - 1;
  // s = B^T d, column by column
  var s: array<array<vec4<f32>, 6>, 6>; // s[i][j]
  for (var j = 0; j < 6; j++) {
    var col: array<vec4<f32>, 6>;
    for (var i = 0; i < 6; i++) { col[i] = loadPatch(n, h0 + i, w0 + j, c); }
    let r = bt(col);
    for (var i = 0; i < 6; i++) { s[i][j] = r[i]; }
  }
  let plane = p.T * p.C;
  let base = tl * p.C + c;
  for (var i = 0u; i < 6u; i++) {
    let v = bt(s[i]); // (B^T d) B along the row
    for (var j = 0u; j < 6u; j++) {
      let at = (6u * i + j) * plane + base;
      for (var k = 0u; k < CH; k++) {
        if (c + k < p.C) { dst[at + k] = v[j][k]; }
      }
    }
  }
}

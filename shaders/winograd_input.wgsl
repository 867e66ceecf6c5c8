// Winograd F(2x2, 3x3) input transform (see src/kernels/winograd.ts for the whole algorithm):
//
//   dst[e, t, c] = (B^T d B)[e]   for the 4x4 input patch d of tile t = (n, ty, tx), channel c,
//   d[i][j] = src[n, 2*ty - 1 + i, 2*tx - 1 + j, c] (zero outside: the 'same' padding of a 3x3 conv),
//   B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]], e = 4*i + j.
//
// dst is [16, T, C] so that each of the 16 transformed-domain GEMMs reads a dense [T, C] matrix. One
// thread per tile and CH channels (4 with vec4 loads when C % 4 == 0, or 1 on CPU adapters); only adds and
// subtractions, exact in fp32 up to rounding of the sums.
override V: u32 = 4u; // 4: C % 4 == 0 (vec4 loads); 1: scalar loads with bounds
override CH: u32 = 4u; // channels per thread: 4, or 1 (scalar loads and stores; src/kernels/winograd.ts transformChannels)

struct Params { N: u32, H: u32, W: u32, C: u32, tilesH: u32, tilesW: u32, T: u32, blocksX: u32, t0: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read> src4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;

// #include winograd_patch
// #include winograd_tile


@compute @workgroup_size(64)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let th = tileThread((wid.x + wid.y * p.blocksX) * 64u + lid.x, p.C, CH);
  if (!th.live) { return; }
  let tl = th.tl;
  let c = th.c;
  let n = th.n;
  let ty = th.ty;
  let tx = th.tx;
  let h0 = i32(2u * ty) - 1;
  let w0 = i32(2u * tx) - 1;
  // rows of B^T d, one input row at a time: r[j] = column j of (B^T d)
  var d: array<array<vec4<f32>, 4>, 4>;
  for (var i = 0; i < 4; i++) {
    for (var j = 0; j < 4; j++) { d[i][j] = loadPatch(n, h0 + i, w0 + j, c); }
  }
  var s: array<array<vec4<f32>, 4>, 4>; // s = B^T d
  for (var j = 0; j < 4; j++) {
    s[0][j] = d[0][j] - d[2][j];
    s[1][j] = d[1][j] + d[2][j];
    s[2][j] = d[2][j] - d[1][j];
    s[3][j] = d[1][j] - d[3][j];
  }
  let plane = p.T * p.C;
  let base = tl * p.C + c;
  for (var i = 0u; i < 4u; i++) {
    // (B^T d) B along the row
    let v = array<vec4<f32>, 4>(s[i][0] - s[i][2], s[i][1] + s[i][2], s[i][2] - s[i][1], s[i][1] - s[i][3]);
    for (var j = 0u; j < 4u; j++) {
      let at = (4u * i + j) * plane + base;
      for (var k = 0u; k < CH; k++) {
        if (c + k < p.C) { dst[at + k] = v[j][k]; }
      }
    }
  }
}

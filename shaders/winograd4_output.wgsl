// Winograd F(4x4, 3x3) output transform (src/kernels/winograd.ts; the F(2x2, 3x3) twin is winograd_output.wgsl):
//
//   dst[n, 4*ty + i, 4*tx + j, o] = epilogue(bias[o] + (A^T m A)[i][j]),  m[e] = src[e, t, o] (e = 6*r + s)
//   for tile t = (n, ty, tx) of the band from t0,
//   A^T = [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]];
// outputs past the edge are not written. One thread per tile and CH output channels (4, or 1 on CPU adapters).
override V: u32 = 4u;
override CH: u32 = 4u; // channels per thread: 4, or 1 (scalar loads and stores; src/kernels/winograd.ts transformChannels)

struct Params { N: u32, H: u32, W: u32, O: u32, tilesH: u32, tilesW: u32, T: u32, blocksX: u32, hasBias: u32, t0: u32, epi: u32, alpha: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read> src4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> dst: array<f32>;
@group(0) @binding(5) var<storage, read> affine: array<f32>; // fused epilogue's [scale(O), shift(O)]

// #include epilogue
// #include winograd_domain
// #include winograd_tile


// A^T x for a column x of 6
fn at4(x: array<vec4<f32>, 6>) -> array<vec4<f32>, 4> {
  return array<vec4<f32>, 4>(
    x[0] + x[1] + x[2] + x[3] + x[4],
    x[1] - x[2] + 2.0 * (x[3] - x[4]),
    x[1] + x[2] + 4.0 * (x[3] + x[4]),
    x[1] - x[2] + 8.0 * (x[3] - x[4]) + x[5],
  );
}

@compute @workgroup_size(64)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let th = tileThread((wid.x + wid.y * p.blocksX) * 64u + lid.x, p.O, CH);
  if (!th.live) { return; }
  let tl = th.tl;
  let o = th.c;
  let n = th.n;
  let ty = th.ty;
  let tx = th.tx;
  // s = A^T m: 4 rows of 6
  var s: array<array<vec4<f32>, 6>, 4>;
  for (var j = 0u; j < 6u; j++) {
    var col: array<vec4<f32>, 6>;
    for (var r = 0u; r < 6u; r++) { col[r] = loadDomain(6u * r + j, tl, o); }
    let a = at4(col);
    for (var i = 0u; i < 4u; i++) { s[i][j] = a[i]; }
  }
  var b = vec4<f32>(0.0);
  if (p.hasBias == 1u) {
    for (var k = 0u; k < CH; k++) { b[k] = bias[min(o + k, p.O - 1u)]; }
  }
  let epi = epilogueForN(o, p.O, CH);
  for (var i = 0u; i < 4u; i++) {
    let h = 4u * ty + i;
    if (h >= p.H) { break; }
    let row = at4(s[i]);
    for (var j = 0u; j < 4u; j++) {
      let w = 4u * tx + j;
      if (w >= p.W) { break; }
      let v = applyEpilogue4(epi, row[j] + b);
      let at = ((n * p.H + h) * p.W + w) * p.O + o;
      for (var k = 0u; k < CH; k++) {
        if (o + k < p.O) { dst[at + k] = v[k]; }
      }
    }
  }
}

// Winograd F(2x2, 3x3) output transform (src/kernels/winograd.ts):
//
//   dst[n, 2*ty + i, 2*tx + j, o] = bias[o] + (A^T m A)[i][j],  m[e] = src[e, t, o] for tile t = (n, ty, tx),
//   A^T = [[1, 1, 1, 0], [0, 1, -1, -1]]; outputs past the edge of odd sizes are not written.
// One thread per tile and CH output channels (4, or 1 on CPU adapters) (vec4 loads when O % 4 == 0).
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


@compute @workgroup_size(64)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let th = tileThread((wid.x + wid.y * p.blocksX) * 64u + lid.x, p.O, CH);
  if (!th.live) { return; }
  let tl = th.tl;
  let o = th.c;
  let n = th.n;
  let ty = th.ty;
  let tx = th.tx;
  // s = A^T m: 2 rows of 4
  var s: array<array<vec4<f32>, 4>, 2>;
  for (var j = 0u; j < 4u; j++) {
    let m0 = loadDomain(j, tl, o);
    let m1 = loadDomain(4u + j, tl, o);
    let m2 = loadDomain(8u + j, tl, o);
    let m3 = loadDomain(12u + j, tl, o);
    s[0][j] = m0 + m1 + m2;
    s[1][j] = m1 - m2 - m3;
  }
  var b = vec4<f32>(0.0);
  if (p.hasBias == 1u) {
    for (var k = 0u; k < CH; k++) { b[k] = bias[min(o + k, p.O - 1u)]; }
  }
  let epi = epilogueForN(o, p.O, CH);
  for (var i = 0u; i < 2u; i++) {
    let h = 2u * ty + i;
    if (h >= p.H) { break; }
    let row = array<vec4<f32>, 2>(applyEpilogue4(epi, s[i][0] + s[i][1] + s[i][2] + b), applyEpilogue4(epi, s[i][1] - s[i][2] - s[i][3] + b));
    for (var j = 0u; j < 2u; j++) {
      let w = 2u * tx + j;
      if (w >= p.W) { break; }
      let at = ((n * p.H + h) * p.W + w) * p.O + o;
      for (var k = 0u; k < CH; k++) {
        if (o + k < p.O) { dst[at + k] = row[j][k]; }
      }
    }
  }
}

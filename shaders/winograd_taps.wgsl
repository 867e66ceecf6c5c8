// Snippet of the Winograd filter transforms (shaders/winograd_filter.wgsl, winograd4_filter.wgsl): the 3x3 taps
// g[kh][kw] for GEMM row k and column n. Forward (p.flip = 0): k = c, n = o, g = w[kh, kw, c, o] of the HWIO
// kernel; input gradient (p.flip = 1): k = o, n = c, g = w[2 - kh, 2 - kw, c, o]. The including shader declares
// `p` (C, O, flip) and `w`.
fn loadTaps(k: u32, n: u32) -> array<array<f32, 3>, 3> {
  var g: array<array<f32, 3>, 3>;
  for (var i = 0u; i < 3u; i++) {
    for (var j = 0u; j < 3u; j++) {
      if (p.flip == 1u) {
        g[i][j] = w[((2u - i) * 3u + (2u - j)) * p.C * p.O + n * p.O + k];
      } else {
        g[i][j] = w[(i * 3u + j) * p.C * p.O + k * p.O + n];
      }
    }
  }
  return g;
}

// shaders/include/winograd_taps.wgsl, a snippet pulled in by `// #include winograd_taps` (src/runtime/shaders.ts).
// The Winograd filter transforms' 3x3 taps g[kh][kw] for GEMM row k and column n. Forward (p.flip = 0):
// k = c, n = o, g = w[kh, kw, c, o] of the HWIO kernel; input gradient (p.flip = 1): k = o, n = c,
// g = w[2 - kh, 2 - kw, c, o].
// Included by: winograd_filter, winograd4_filter
// Defines: loadTaps
// The includer must define: p.C: u32, p.O: u32, p.flip: u32, w: array<f32>
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

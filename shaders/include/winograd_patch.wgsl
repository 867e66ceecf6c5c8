// shaders/include/winograd_patch.wgsl, a snippet pulled in by `// #include winograd_patch` (src/runtime/shaders.ts).
// The Winograd input and output-gradient transforms' load: four channels c..c+3 of NHWC pixel (n, h, w), zero
// outside the image (the input's 'same' padding of a 3x3 conv; the gradient's ragged last tiles); V = 4 when
// C % 4 == 0 (vec4 loads); with CH = 1 only channel c (in .x).
// Included by: winograd_input, winograd4_input, winograd_grad, winograd4_grad
// Defines: loadPatch
// The includer must define: p.H: u32, p.W: u32, p.C: u32, src: array<f32>, src4: array<vec4<f32>>, V: u32, CH: u32
fn loadPatch(n: u32, h: i32, w: i32, c: u32) -> vec4<f32> {
  if (h < 0 || w < 0 || h >= i32(p.H) || w >= i32(p.W)) { return vec4<f32>(0.0); }
  let at = ((n * p.H + u32(h)) * p.W + u32(w)) * p.C + c;
  if (CH == 1u) { return vec4<f32>(src[at], 0.0, 0.0, 0.0); }
  if (V == 4u) { return src4[at >> 2u]; }
  var r = vec4<f32>(0.0);
  for (var j = 0u; j < 4u; j++) {
    if (c + j < p.C) { r[j] = src[at + j]; }
  }
  return r;
}

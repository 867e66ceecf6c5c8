// shaders/include/winograd_domain.wgsl, a snippet pulled in by `// #include winograd_domain` (src/runtime/shaders.ts).
// The Winograd output transforms' load: output channels o..o+3 of transform position e of band tile t in the
// GEMMs' result [E, T, O]; V = 4 when O % 4 == 0 (vec4 loads); with CH = 1 only channel o (in .x, the rest 0).
// Included by: winograd_output, winograd4_output
// Defines: loadDomain
// The includer must define: p.T: u32, p.O: u32, src: array<f32>, src4: array<vec4<f32>>, V: u32, CH: u32
fn loadDomain(e: u32, t: u32, o: u32) -> vec4<f32> {
  let at = (e * p.T + t) * p.O + o;
  if (CH == 1u) { return vec4<f32>(src[at], 0.0, 0.0, 0.0); }
  if (V == 4u) { return src4[at >> 2u]; }
  var r = vec4<f32>(0.0);
  for (var j = 0u; j < 4u; j++) {
    if (o + j < p.O) { r[j] = src[at + j]; }
  }
  return r;
}

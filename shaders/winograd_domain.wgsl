// Snippet of the Winograd output transforms (shaders/winograd_output.wgsl, winograd4_output.wgsl): output
// channels o..o+3 of transform position e of band tile t in the GEMMs' result [E, T, O]. The including shader
// declares `p` (T, O), `src`, `src4` and the override V (4: O % 4 == 0, vec4 loads).
fn loadDomain(e: u32, t: u32, o: u32) -> vec4<f32> {
  let at = (e * p.T + t) * p.O + o;
  if (V == 4u) { return src4[at >> 2u]; }
  var r = vec4<f32>(0.0);
  for (var j = 0u; j < 4u; j++) {
    if (o + j < p.O) { r[j] = src[at + j]; }
  }
  return r;
}

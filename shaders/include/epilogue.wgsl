// shaders/include/epilogue.wgsl, a snippet pulled in by `// #include epilogue` (src/runtime/shaders.ts).
// The fused epilogue of the convolutions (src/kernels/epilogue.ts), applied to v = conv + bias as it is
// written, in this order:
//   p.epi bit 1: ReLU                          v = max(v, 0)
//   p.epi bit 2: per-channel affine            v = v * affine[o] + affine[O + o]   (inference BatchNorm:
//                                              scale = gamma / sqrt(var + eps), shift = beta - mean * scale)
//   p.epi bit 4: LeakyReLU                     v = v > 0 ? v : p.alpha * v
// With p.epi == 0 the value is written unchanged, which every gradient pass uses.
// Included by: conv2d_register, conv2d_register_oc, conv2d_tiled, winograd_output, winograd4_output
// Defines: epilogue4, epilogue1
// The includer must define: p.epi: u32, p.alpha: f32, affine: array<f32>
fn epilogue4(v: vec4<f32>, o: u32, O: u32) -> vec4<f32> {
  if (p.epi == 0u) { return v; }
  var r = v;
  if ((p.epi & 1u) != 0u) { r = max(r, vec4<f32>(0.0)); }
  if ((p.epi & 2u) != 0u) {
    var s: vec4<f32>;
    var b: vec4<f32>;
    for (var k = 0u; k < 4u; k++) {
      let oc = min(o + k, O - 1u);
      s[k] = affine[oc];
      b[k] = affine[O + oc];
    }
    r = r * s + b;
  }
  if ((p.epi & 4u) != 0u) { r = select(r * p.alpha, r, r > vec4<f32>(0.0)); }
  return r;
}

fn epilogue1(v: f32, o: u32, O: u32) -> f32 {
  if (p.epi == 0u) { return v; }
  var r = v;
  if ((p.epi & 1u) != 0u) { r = max(r, 0.0); }
  if ((p.epi & 2u) != 0u) { r = r * affine[o] + affine[O + o]; }
  if ((p.epi & 4u) != 0u) { r = select(r * p.alpha, r, r > 0.0); }
  return r;
}

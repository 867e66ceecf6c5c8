// Fused epilogue of the convolutions (src/kernels/epilogue.ts), included by every kernel that writes a
// convolution's output (shaders/conv2d_register.wgsl, conv2d_register_oc.wgsl, conv2d_tiled.wgsl,
// winograd_output.wgsl). Applied to v = conv + bias as it is written, in this order:
//   p.epi bit 1: ReLU                          v = max(v, 0)
//   p.epi bit 2: per-channel affine            v = v * affine[o] + affine[O + o]   (inference BatchNorm:
//                                              scale = gamma / sqrt(var + eps), shift = beta - mean * scale)
//   p.epi bit 4: LeakyReLU                     v = v > 0 ? v : p.alpha * v
// The including shader declares `p` (with u32 `epi` and f32 `alpha`) and `affine: array<f32>`; with
// p.epi == 0 the value is written unchanged, which every gradient pass uses.
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

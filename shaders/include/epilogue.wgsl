// shaders/include/epilogue.wgsl, a snippet pulled in by `// #include epilogue` (src/runtime/shaders.ts).
// The fused epilogue of the convolutions (src/kernels/epilogue.ts), applied to v = conv + bias as it is
// written, in this order:
//   p.epi bit 1: ReLU                          v = max(v, 0)
//   p.epi bit 2: per-channel affine            v = v * affine[o] + affine[O + o]   (inference BatchNorm:
//                                              scale = gamma / sqrt(var + eps), shift = beta - mean * scale)
//   p.epi bit 4: LeakyReLU                     v = v > 0 ? v : p.alpha * v
// With p.epi == 0 the value is written unchanged, which every gradient pass uses.
// Included by: conv2d_register, conv2d_register_oc, conv2d_register_sg, conv2d_tiled, winograd_output, winograd4_output
// Defines: struct Epilogue, epilogueFor, epilogueForN, applyEpilogue4, epilogue1
// The includer must define: p.epi: u32, p.alpha: f32, affine: array<f32>
//
// The vec4 path is split in two for the compiler's sake: `epilogueFor` reads the settings and the 4 channels' scale
// and shift once per thread, and `applyEpilogue4`, inlined at every store, is straight-line code (selects, no
// branches, no loads). lavapipe turns a branch with loads inside into masked control flow at every inlined copy:
// winograd4_output, which applies it to 16 vec4s, took 16.6 s of CPU to compile with that form and 6.4 s with this
// one (bench/compile-cost.ts, bench/RESULTS.md "Compile cost").
struct Epilogue { relu: bool, affine: bool, leaky: bool, scale: vec4<f32>, shift: vec4<f32> }

fn epilogueFor(o: u32, O: u32) -> Epilogue { return epilogueForN(o, O, 4u); }

fn epilogueForN(o: u32, O: u32, n: u32) -> Epilogue {
  var e = Epilogue((p.epi & 1u) != 0u, (p.epi & 2u) != 0u, (p.epi & 4u) != 0u, vec4<f32>(1.0), vec4<f32>(0.0));
  if (e.affine) {
    for (var k = 0u; k < n; k++) {
      let oc = min(o + k, O - 1u);
      e.scale[k] = affine[oc];
      e.shift[k] = affine[O + oc];
    }
  }
  return e;
}

fn applyEpilogue4(e: Epilogue, v: vec4<f32>) -> vec4<f32> {
  var r = select(v, max(v, vec4<f32>(0.0)), e.relu);
  r = select(r, r * e.scale + e.shift, e.affine);
  return select(r, select(r * p.alpha, r, r > vec4<f32>(0.0)), e.leaky);
}

fn epilogue1(v: f32, o: u32, O: u32) -> f32 {
  if (p.epi == 0u) { return v; }
  var r = v;
  if ((p.epi & 1u) != 0u) { r = max(r, 0.0); }
  if ((p.epi & 2u) != 0u) { r = r * affine[o] + affine[O + o]; }
  if ((p.epi & 4u) != 0u) { r = select(r * p.alpha, r, r > 0.0); }
  return r;
}

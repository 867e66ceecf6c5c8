// Per-pixel softmax over the channel axis of NHWC logits, and the per-pixel argmax (the predicted label).
// One thread per pixel; channels are contiguous, so a thread reads its C logits from one run of memory.
// softmax subtracts the pixel's max logit first so exp never overflows.
struct Params { pixels: u32, c: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read_write> probs: array<f32>;
@group(0) @binding(3) var<storage, read_write> labels: array<u32>;

@compute @workgroup_size(256)
fn softmax(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let px = gid.x + gid.y * nwg.x * 256u;
  if (px >= p.pixels) { return; }
  let base = px * p.c;
  var m = logits[base];
  for (var k = 1u; k < p.c; k++) { m = max(m, logits[base + k]); }
  var s = 0.0;
  for (var k = 0u; k < p.c; k++) { s += exp(logits[base + k] - m); }
  let inv = 1.0 / s;
  for (var k = 0u; k < p.c; k++) { probs[base + k] = exp(logits[base + k] - m) * inv; }
}

// ties go to the lowest class index, as tf.argmax / np.argmax
@compute @workgroup_size(256)
fn argmax(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let px = gid.x + gid.y * nwg.x * 256u;
  if (px >= p.pixels) { return; }
  let base = px * p.c;
  var best = logits[base];
  var which = 0u;
  for (var k = 1u; k < p.c; k++) {
    let v = logits[base + k];
    if (v > best) { best = v; which = k; }
  }
  labels[px] = which;
}

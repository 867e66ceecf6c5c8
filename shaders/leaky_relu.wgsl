// Leaky ReLU (Keras LeakyReLU, the paper's upsample blocks use alpha 0.1):
//   forward  y = x > 0 ? x : alpha * x
//   backward dx = g * (x > 0 ? 1 : alpha)   (the slope at exactly 0 is alpha, as TensorFlow's LeakyReluGrad)
// One thread per element; 1-D grids are split over x and y (grid1d) so large tensors stay under the
// per-dimension workgroup limit.
struct Params { n: u32, alpha: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= p.n) { return; }
  let v = x[i];
  out[i] = select(p.alpha * v, v, v > 0.0);
}

@compute @workgroup_size(256)
fn backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= p.n) { return; }
  out[i] = g[i] * select(p.alpha, 1.0, x[i] > 0.0);
}

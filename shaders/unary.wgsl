// Elementwise unary op. OP: 0 affine (out = alpha * x + beta), 1 ReLU.
override OP: u32 = 0u;

struct Params { n: u32, alpha: f32, beta: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= p.n) { return; }
  let v = x[i];
  if (OP == 0u) { out[i] = p.alpha * v + p.beta; } else { out[i] = max(v, 0.0); }
}

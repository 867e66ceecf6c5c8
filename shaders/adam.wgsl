// Adam with Keras's bias correction (keras.optimizers.Adam): at step t (1-based)
//   lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t)
//   m = m + (g - m) * (1 - beta1);  v = v + (g*g - v) * (1 - beta2);  param -= lr_t * m / (sqrt(v) + epsilon)
// `advance` (one thread, once per optimizer step) keeps [beta1^t, beta2^t, lr_t, t] in a small storage
// buffer, so the step count never has to be read back or written from the host and the per-tensor
// uniforms stay the same every step (they are cached by content). `update` is the one kernel per
// parameter tensor that updates param, m and v in place.
// oneMinusBeta1/2 come from the host in float64: 1 - beta2 rounded from an f32 beta2 would be 1.3e-5 off
struct Params { n: u32, lr: f32, beta1: f32, beta2: f32, epsilon: f32, oneMinusBeta1: f32, oneMinusBeta2: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> sched: array<f32>;
@group(0) @binding(2) var<storage, read_write> param: array<f32>;
@group(0) @binding(3) var<storage, read> grad: array<f32>;
@group(0) @binding(4) var<storage, read_write> m: array<f32>;
@group(0) @binding(5) var<storage, read_write> v: array<f32>;
@group(0) @binding(6) var<storage, read> schedule: array<f32>;

@compute @workgroup_size(1)
fn advance() {
  let b1t = sched[0] * p.beta1;
  let b2t = sched[1] * p.beta2;
  sched[0] = b1t;
  sched[1] = b2t;
  sched[2] = p.lr * sqrt(1.0 - b2t) / (1.0 - b1t);
  sched[3] = sched[3] + 1.0;
}

@compute @workgroup_size(256)
fn update(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= p.n) { return; }
  let g = grad[i];
  let mi = m[i] + (g - m[i]) * p.oneMinusBeta1;
  let vi = v[i] + (g * g - v[i]) * p.oneMinusBeta2;
  m[i] = mi;
  v[i] = vi;
  param[i] = param[i] - schedule[2] * mi / (sqrt(vi) + p.epsilon);
}

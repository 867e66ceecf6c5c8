// Adam with Keras's bias correction (keras.optimizers.Adam): at step t (1-based)
//   lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t)
//   m = m + (g - m) * (1 - beta1);  v = v + (g*g - v) * (1 - beta2);  param -= lr_t * m / (sqrt(v) + epsilon)
// `advance` (one thread, once per optimizer step) keeps [beta1^t, beta2^t, lr_t, t] in a small storage
// buffer, so the step count never has to be read back or written from the host and the per-tensor
// uniforms stay the same every step (they are cached by content). `update` is the one kernel per
// parameter tensor that updates param, m and v in place.
// oneMinusBeta1/2 come from the host in float64: 1 - beta2 rounded from an f32 beta2 would be 1.3e-5 off
// The learning rate follows a schedule of the step t, computed here too and kept as sched[4]:
//   scheduleKind 0 constant: lr;  1 poly (nnU-Net): lr * (1 - e / epochs)^0.9 with e = floor((t - 1) / stepsPerEpoch);
//   2 cosine: lr * t / (warmupEpochs * stepsPerEpoch) during the warm-up, then lr * (1 + cos(pi * progress)) / 2.
// It is a function of t and the uniforms only, so a resumed run (sched restored bit for bit) continues exactly.
struct Params { n: u32, lr: f32, beta1: f32, beta2: f32, epsilon: f32, oneMinusBeta1: f32, oneMinusBeta2: f32, scheduleKind: u32, stepsPerEpoch: f32, epochs: f32, warmupEpochs: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> sched: array<f32>;
@group(0) @binding(2) var<storage, read_write> param: array<f32>;
@group(0) @binding(3) var<storage, read> grad: array<f32>;
@group(0) @binding(4) var<storage, read_write> m: array<f32>;
@group(0) @binding(5) var<storage, read_write> v: array<f32>;
@group(0) @binding(6) var<storage, read> schedule: array<f32>;

fn scheduledLr(t: f32) -> f32 {
  if (p.scheduleKind == 1u) {
    let e = floor((t - 1.0) / p.stepsPerEpoch);
    let rest = 1.0 - e / p.epochs;
    return select(0.0, p.lr * pow(rest, 0.9), rest > 0.0);
  }
  if (p.scheduleKind == 2u) {
    let warm = p.warmupEpochs * p.stepsPerEpoch;
    if (t <= warm) { return p.lr * t / warm; }
    let progress = min((t - warm) / ((p.epochs - p.warmupEpochs) * p.stepsPerEpoch), 1.0);
    return p.lr * 0.5 * (1.0 + cos(3.141592653589793 * progress));
  }
  return p.lr;
}

@compute @workgroup_size(1)
fn advance() {
  let b1t = sched[0] * p.beta1;
  let b2t = sched[1] * p.beta2;
  let t = sched[3] + 1.0;
  let lr = scheduledLr(t);
  sched[0] = b1t;
  sched[1] = b2t;
  sched[2] = lr * sqrt(1.0 - b2t) / (1.0 - b1t);
  sched[3] = t;
  sched[4] = lr;
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

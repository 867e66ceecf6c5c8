// Batch normalisation, Keras semantics (keras.layers.BatchNormalization, momentum 0.99, epsilon 1e-3):
//   y = gamma * (x - mean) * invstd + beta,  invstd = 1 / sqrt(var + epsilon)
// training: mean/var are the batch statistics over N,H,W (biased variance, divided by the row count);
// the running statistics are updated in place with the same biased variance, as Keras 3 does:
//   running = running * momentum + batch * (1 - momentum)
// (tf.keras 2's fused kernel used the Bessel-corrected variance for this update; Keras 3 does not.)
// inference: mean/var are the running statistics.
// finalize: one thread per channel turns the column sums of batchnorm_stats into stats = [mean(C), invstd(C)].
// forward:  one thread per element applies the affine normalisation.
// affine:   one thread per channel folds the inference normalisation into y = [scale(C), shift(C)],
//           scale = gamma / sqrt(runningVar + epsilon), shift = beta - runningMean * scale: the per-channel
//           affine a convolution's fused epilogue applies (shaders/include/epilogue.wgsl).
// backward: one thread per element: dx = gamma * invstd * (g - sum(g)/n - xhat * sum(g xhat)/n) in training
//           (the batch statistics depend on x), gamma * invstd * g in inference; the first C threads also
//           write dgamma = sum(g xhat) and dbeta = sum(g) from the same column sums. With RELU_MASK = 1, dx is
//           also multiplied by (x > 0): x is the output of a fused conv + ReLU whose only consumer is this
//           BatchNorm, so the ReLU's gradient mask costs no pass of its own (src/graph/blocks.ts).
override RELU_MASK: u32 = 0u;

struct Params { rows: u32, c: u32, training: u32, momentum: f32, epsilon: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> sums: array<f32>;
@group(0) @binding(3) var<storage, read_write> runningMean: array<f32>;
@group(0) @binding(4) var<storage, read_write> runningVar: array<f32>;
@group(0) @binding(5) var<storage, read_write> statsOut: array<f32>;
@group(0) @binding(6) var<storage, read> stats: array<f32>;
@group(0) @binding(7) var<storage, read> gamma: array<f32>;
@group(0) @binding(8) var<storage, read> beta: array<f32>;
@group(0) @binding(9) var<storage, read_write> y: array<f32>;
@group(0) @binding(10) var<storage, read> g: array<f32>;
@group(0) @binding(11) var<storage, read_write> dgamma: array<f32>;
@group(0) @binding(12) var<storage, read_write> dbeta: array<f32>;
@group(0) @binding(13) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(64)
fn finalize(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  if (c >= p.c) { return; }
  var mean: f32;
  var variance: f32;
  if (p.training != 0u) {
    let n = f32(p.rows);
    let d = sums[c] / n;          // mean of (x - k)
    mean = x[c] + d;              // k = x[row 0, c], the shift batchnorm_stats used
    variance = max(sums[p.c + c] / n - d * d, 0.0);
    runningMean[c] = runningMean[c] * p.momentum + mean * (1.0 - p.momentum);
    runningVar[c] = runningVar[c] * p.momentum + variance * (1.0 - p.momentum);
  } else {
    mean = runningMean[c];
    variance = runningVar[c];
  }
  statsOut[c] = mean;
  statsOut[p.c + c] = 1.0 / sqrt(variance + p.epsilon);
}

@compute @workgroup_size(64)
fn affine(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  if (c >= p.c) { return; }
  let scale = gamma[c] / sqrt(runningVar[c] + p.epsilon);
  y[c] = scale;
  y[p.c + c] = beta[c] - runningMean[c] * scale;
}

@compute @workgroup_size(256)
fn forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= p.rows * p.c) { return; }
  let c = i % p.c;
  y[i] = gamma[c] * (x[i] - stats[c]) * stats[p.c + c] + beta[c];
}

@compute @workgroup_size(256)
fn backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= p.rows * p.c) { return; }
  let c = i % p.c;
  let invstd = stats[p.c + c];
  var d = g[i];
  if (p.training != 0u) {
    let n = f32(p.rows);
    let xhat = (x[i] - stats[c]) * invstd;
    d = d - sums[c] / n - xhat * sums[p.c + c] / n;
  }
  var v = gamma[c] * invstd * d;
  if (RELU_MASK == 1u) { v = select(0.0, v, x[i] > 0.0); }
  dx[i] = v;
  if (i < p.c) {
    dgamma[i] = sums[p.c + i];
    dbeta[i] = sums[i];
  }
}

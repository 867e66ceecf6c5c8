// Fused softmax + combined focal/Dice loss of the paper (Sec. "Model architecture"), for NHWC logits
// [N,H,W,C] (C <= 8) and integer labels [N,H,W]. With p = softmax(logits) per pixel, y = one-hot(label),
// P pixels, D_c = (2 sum(p_c y_c) + s) / (sum(p_c) + sum(y_c) + s) summed over all pixels of the batch:
//   loss = focalWeight * (1/P) sum_pixels sum_c -alpha y_c (1 - p_c)^gamma log p_c
//        + diceWeight  * (1 - (1/C) sum_c D_c)
// The smoothing s (default 1, src/graph/nn.ts) keeps a class absent from the batch finite: its D_c is
// s / (sum(p_c) + s). A label >= C marks a pixel with no class (y = 0): it adds nothing but counts in P.
// Three entry points, no softmax tensor in memory:
//   partials: each workgroup reduces a chunk of pixels to K = 1 + 3C partial sums
//             [focal, sum(p y)[C], sum(p)[C], sum(y)[C]]; column_sum adds the chunks (the small reduce).
//   finish:   one thread turns the K sums into the scalar loss.
//   backward: one thread per pixel recomputes its softmax and writes dL/dlogits from the K sums.
const MAX_C: u32 = 8u;

struct Params { pixels: u32, c: u32, chunk: u32, gamma: f32, alpha: f32, focalWeight: f32, diceWeight: f32, smoothing: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<u32>;
@group(0) @binding(3) var<storage, read_write> partial: array<f32>;
@group(0) @binding(4) var<storage, read> sums: array<f32>;
@group(0) @binding(5) var<storage, read_write> loss: array<f32>;
@group(0) @binding(6) var<storage, read> gradOut: array<f32>;
@group(0) @binding(7) var<storage, read_write> dlogits: array<f32>;

var<workgroup> acc: array<f32, 256>;

// b^e for b >= 0, e >= 0 (pow(0, e) is undefined in WGSL)
fn powNonNeg(b: f32, e: f32) -> f32 {
  if (e == 0.0) { return 1.0; }
  if (b <= 0.0) { return 0.0; }
  return pow(b, e);
}

struct Pixel { e: array<f32, MAX_C>, sum: f32, logSum: f32 }

// exp(z - max) per class, their sum, and log(sum) + max so that log p_c = z_c - logSum
fn softmaxAt(px: u32) -> Pixel {
  var r: Pixel;
  let base = px * p.c;
  var m = logits[base];
  for (var k = 1u; k < p.c; k++) { m = max(m, logits[base + k]); }
  r.sum = 0.0;
  for (var k = 0u; k < p.c; k++) {
    r.e[k] = exp(logits[base + k] - m);
    r.sum += r.e[k];
  }
  r.logSum = log(r.sum) + m;
  return r;
}

// 1 - p_k computed as (sum of the other exps) / sum: exact even when p_k rounds to 1
fn oneMinus(s: Pixel, k: u32) -> f32 {
  var o = 0.0;
  for (var j = 0u; j < p.c; j++) { if (j != k) { o += s.e[j]; } }
  return o / s.sum;
}

@compute @workgroup_size(256)
fn partials(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let group = wid.x + wid.y * nwg.x;
  let start = group * p.chunk;
  let end = min(start + p.chunk, p.pixels);
  var focal = 0.0;
  var inter: array<f32, MAX_C>;
  var psum: array<f32, MAX_C>;
  var ysum: array<f32, MAX_C>;
  for (var px = start + lid.x; px < end; px += 256u) {
    let s = softmaxAt(px);
    for (var k = 0u; k < p.c; k++) { psum[k] += s.e[k] / s.sum; }
    let label = labels[px];
    if (label < p.c) {
      let q = s.e[label] / s.sum;
      let logq = logits[px * p.c + label] - s.logSum;
      focal -= p.alpha * powNonNeg(oneMinus(s, label), p.gamma) * logq;
      inter[label] += q;
      ysum[label] += 1.0;
    }
  }
  // tree-reduce the 1 + 3C values one after another through the same workgroup array
  let kk = 1u + 3u * p.c;
  for (var j = 0u; j < kk; j++) {
    var v = focal;
    if (j >= 1u && j <= p.c) { v = inter[j - 1u]; }
    else if (j > p.c && j <= 2u * p.c) { v = psum[j - 1u - p.c]; }
    else if (j > 2u * p.c) { v = ysum[j - 1u - 2u * p.c]; }
    acc[lid.x] = v;
    workgroupBarrier();
    for (var stride = 128u; stride > 0u; stride >>= 1u) {
      if (lid.x < stride) { acc[lid.x] += acc[lid.x + stride]; }
      workgroupBarrier();
    }
    if (lid.x == 0u) { partial[group * kk + j] = acc[0]; }
    workgroupBarrier();
  }
}

@compute @workgroup_size(1)
fn finish() {
  var dice = 0.0;
  for (var k = 0u; k < p.c; k++) {
    dice += (2.0 * sums[1u + k] + p.smoothing) / (sums[1u + p.c + k] + sums[1u + 2u * p.c + k] + p.smoothing);
  }
  loss[0] = p.focalWeight * sums[0] / f32(p.pixels) + p.diceWeight * (1.0 - dice / f32(p.c));
}

@compute @workgroup_size(256)
fn backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let px = gid.x + gid.y * nwg.x * 256u;
  if (px >= p.pixels) { return; }
  let up = gradOut[0];
  let s = softmaxAt(px);
  let label = labels[px];
  var prob: array<f32, MAX_C>;
  for (var k = 0u; k < p.c; k++) { prob[k] = s.e[k] / s.sum; }
  // dL/dp_c of the Dice term: -(diceWeight / C) * (2 y_c / den_c - num_c / den_c^2)
  var gp: array<f32, MAX_C>;
  var pgp = 0.0;
  for (var k = 0u; k < p.c; k++) {
    let num = 2.0 * sums[1u + k] + p.smoothing;
    let den = sums[1u + p.c + k] + sums[1u + 2u * p.c + k] + p.smoothing;
    let y = select(0.0, 1.0, label == k);
    gp[k] = -(p.diceWeight / f32(p.c)) * (2.0 * y / den - num / (den * den));
    pgp += prob[k] * gp[k];
  }
  // focal term of this pixel f = -alpha (1-q)^gamma log q, q = p_label:
  // df/dz_j = F * (delta_j,label - p_j), F = -alpha * ((1-q)^gamma - gamma (1-q)^(gamma-1) q log q)
  var focalCoef = 0.0;
  if (label < p.c) {
    let q = prob[label];
    let omq = oneMinus(s, label);
    let logq = logits[px * p.c + label] - s.logSum;
    focalCoef = -p.alpha * (powNonNeg(omq, p.gamma) - p.gamma * powNonNeg(omq, p.gamma - 1.0) * q * logq);
    focalCoef *= p.focalWeight / f32(p.pixels);
  }
  for (var j = 0u; j < p.c; j++) {
    var d = prob[j] * (gp[j] - pgp);
    if (label < p.c) { d += focalCoef * (select(0.0, 1.0, j == label) - prob[j]); }
    dlogits[px * p.c + j] = up * d;
  }
}

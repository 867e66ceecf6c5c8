// Intensity augmentation of the spatially warped image, one thread per pixel, in this order:
//   blur (when [13] != 0): 3x3 Gaussian, weights (1 2 1)/4 x (1 2 1)/4, edge pixels repeated;
//   gamma (when [8] != 0): v = clamp(v, 0, 1) ^ [9];
//   contrast and brightness: v = v * [10] + [11];
//   Gaussian noise: v += [12] * z, z standard normal by Box-Muller from a hash of the per-sample noise
//   key [14] (an integer below 2^24 drawn on the CPU from (seed, epoch, sample)) and the pixel index,
//   the same PCG hash as shaders/dropout.wgsl.
// Identity parameters (flags 0, contrast 1, brightness 0, sigma 0) give the input back exactly.
struct Params { n: u32, width: u32, height: u32, stride: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read> image: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

fn pcg(v: u32) -> u32 {
  let state = v * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}

fn at(base: u32, x: i32, y: i32) -> f32 {
  let cx = u32(clamp(x, 0, i32(p.width) - 1));
  let cy = u32(clamp(y, 0, i32(p.height) - 1));
  return image[base + cy * p.width + cx];
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  let hw = p.width * p.height;
  if (i >= p.n * hw) { return; }
  let b = i / hw;
  let r = i - b * hw;
  let y = i32(r / p.width);
  let x = i32(r % p.width);
  let q = b * p.stride;
  let base = b * hw;
  var v = image[i];
  if (params[q + 13u] != 0.0) {
    let w = array<f32, 3>(0.25, 0.5, 0.25);
    var s = 0.0;
    for (var dy = 0; dy < 3; dy++) {
      for (var dx = 0; dx < 3; dx++) { s = s + w[dy] * w[dx] * at(base, x + dx - 1, y + dy - 1); }
    }
    v = s;
  }
  if (params[q + 8u] != 0.0) {
    // pow(0, g) is undefined in WGSL (exp2(g * log2(0)))
    let c = clamp(v, 0.0, 1.0);
    v = select(0.0, pow(c, params[q + 9u]), c > 0.0);
  }
  v = v * params[q + 10u] + params[q + 11u];
  let sigma = params[q + 12u];
  if (sigma > 0.0) {
    let key = u32(params[q + 14u]);
    let h1 = pcg(pcg(pcg(key) ^ r) + key);
    let h2 = pcg(h1);
    let u1 = (f32(h1 >> 8u) + 1.0) * (1.0 / 16777216.0);
    let u2 = f32(h2 >> 8u) * (1.0 / 16777216.0);
    v = v + sigma * sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
  }
  out[i] = v;
}

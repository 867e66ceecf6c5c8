// Spatial augmentation, one thread per output pixel: image and labels of sample b are warped together.
// Per-sample parameters (stride p.stride floats, layout in src/kernels/augment.ts):
//   [0..5] m00 m01 m02 m10 m11 m12: output pixel (x', y') -> source (m00 x' + m01 y' + m02, m10 x' + m11 y' + m12)
//   [6]    1 when the elastic grid is on; then (x', y') = (x, y) + displacement(x, y), the displacement
//          bilinearly interpolated from a 5x5 grid of control points spread over the slice,
//          [16 + 2 (5 i + j) + k] = displacement of control point row i, column j along axis k (0 = x)
// Image: bilinear, taps outside the slice read 0. Labels: nearest (round half up), 0 outside.
// Identity parameters (m = [1,0,0,0,1,0], no elastic) give every pixel back exactly: the weights are 1 and 0.
struct Params { n: u32, width: u32, height: u32, stride: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read> image: array<f32>;
@group(0) @binding(3) var<storage, read> labels: array<u32>;
@group(0) @binding(4) var<storage, read_write> outImage: array<f32>;
@group(0) @binding(5) var<storage, read_write> outLabels: array<u32>;

const GRID: u32 = 5u;

fn tap(base: u32, x: i32, y: i32) -> f32 {
  if (x < 0 || y < 0 || x >= i32(p.width) || y >= i32(p.height)) { return 0.0; }
  return image[base + u32(y) * p.width + u32(x)];
}

fn control(q: u32, i: u32, j: u32, k: u32) -> f32 {
  return params[q + 16u + 2u * (i * GRID + j) + k];
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  let hw = p.width * p.height;
  if (i >= p.n * hw) { return; }
  let b = i / hw;
  let r = i - b * hw;
  let y = r / p.width;
  let x = r - y * p.width;
  let q = b * p.stride;
  var px = f32(x);
  var py = f32(y);
  if (params[q + 6u] != 0.0) {
    let gx = px * f32(GRID - 1u) / f32(max(p.width, 2u) - 1u);
    let gy = py * f32(GRID - 1u) / f32(max(p.height, 2u) - 1u);
    let j0 = min(u32(floor(gx)), GRID - 2u);
    let i0 = min(u32(floor(gy)), GRID - 2u);
    let fx = gx - f32(j0);
    let fy = gy - f32(i0);
    for (var k = 0u; k < 2u; k++) {
      let d = control(q, i0, j0, k) * (1.0 - fx) * (1.0 - fy) + control(q, i0, j0 + 1u, k) * fx * (1.0 - fy)
            + control(q, i0 + 1u, j0, k) * (1.0 - fx) * fy + control(q, i0 + 1u, j0 + 1u, k) * fx * fy;
      if (k == 0u) { px = px + d; } else { py = py + d; }
    }
  }
  // clamped so the integer conversions below stay in range; anything past the border reads 0 anyway
  let lim = f32(max(p.width, p.height)) + 2.0;
  let sx = clamp(params[q] * px + params[q + 1u] * py + params[q + 2u], -lim, lim);
  let sy = clamp(params[q + 3u] * px + params[q + 4u] * py + params[q + 5u], -lim, lim);
  let x0 = floor(sx);
  let y0 = floor(sy);
  let fx = sx - x0;
  let fy = sy - y0;
  let ix = i32(x0);
  let iy = i32(y0);
  let base = b * hw;
  outImage[i] = tap(base, ix, iy) * (1.0 - fx) * (1.0 - fy) + tap(base, ix + 1, iy) * fx * (1.0 - fy)
              + tap(base, ix, iy + 1) * (1.0 - fx) * fy + tap(base, ix + 1, iy + 1) * fx * fy;
  let nx = i32(floor(sx + 0.5));
  let ny = i32(floor(sy + 0.5));
  var label = 0u;
  if (nx >= 0 && ny >= 0 && nx < i32(p.width) && ny < i32(p.height)) { label = labels[base + u32(ny) * p.width + u32(nx)]; }
  outLabels[i] = label;
}

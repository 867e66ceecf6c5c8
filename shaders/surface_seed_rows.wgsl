// First EDT pass of the surface metrics: for job g = (case, class c) and side (0 = prediction,
// 1 = truth), squared distance (mm^2) along each row to the nearest SURFACE voxel of class c in that row.
// Surface voxel: class c with a 4-neighbour (D = 1) or 6-neighbour (D > 1) of another class; the image
// border counts as background (scipy binary_erosion border_value=0, as MONAI's get_mask_edges).
// Images m = 2 * (g - jobBase) + side, laid out [M, D, H, W]; only rows inside the job's box are written.
// BIG = 1e30 encodes "no surface voxel in this row" (see edt_seed_rows.wgsl).
const BIG: f32 = 1e30;

struct Params { D: u32, H: u32, W: u32, numClasses: u32, jobBase: u32, jobs: u32, spacing2: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> pred: array<u32>;
@group(0) @binding(2) var<storage, read> truth: array<u32>;
@group(0) @binding(3) var<storage, read> boxes: array<i32>;
@group(0) @binding(4) var<storage, read_write> fOut: array<f32>;

fn labelAt(side: u32, i: u32) -> u32 {
  if (side == 0u) { return pred[i]; }
  return truth[i];
}

fn isSurface(side: u32, i: u32, d: u32, h: u32, w: u32, c: u32) -> bool {
  if (labelAt(side, i) != c) { return false; }
  if (h == 0u || h + 1u == p.H || w == 0u || w + 1u == p.W) { return true; }
  if (labelAt(side, i - p.W) != c || labelAt(side, i + p.W) != c || labelAt(side, i - 1u) != c || labelAt(side, i + 1u) != c) { return true; }
  if (p.D > 1u) {
    let plane = p.H * p.W;
    if (d == 0u || d + 1u == p.D) { return true; }
    if (labelAt(side, i - plane) != c || labelAt(side, i + plane) != c) { return true; }
  }
  return false;
}

// Dispatch [ceil(H / 64), D, M]: one thread per row, coordinates from the grid (no integer division).
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let h = gid.x;
  let d = gid.y;
  let m = gid.z;
  if (h >= p.H) { return; }
  let side = m % 2u;
  let g = p.jobBase + m / 2u;
  let F = p.numClasses - 1u;
  let caseIndex = g / F;
  let c = g % F + 1u;
  let box = g * 6u;
  if (i32(d) < boxes[box] || i32(d) > boxes[box + 3u] || i32(h) < boxes[box + 1u] || i32(h) > boxes[box + 4u]) { return; }
  let lo = boxes[box + 2u];
  let hi = boxes[box + 5u];
  let labelRow = caseIndex * p.D * p.H * p.W + (d * p.H + h) * p.W;
  let outRow = ((m * p.D + d) * p.H + h) * p.W;
  var last = -1;
  for (var q = lo; q <= hi; q++) {
    if (isSurface(side, labelRow + u32(q), d, h, u32(q), c)) { last = q; }
    var f = BIG;
    if (last >= 0) { let dq = f32(q - last); f = dq * dq * p.spacing2; }
    fOut[outRow + u32(q)] = f;
  }
  var next = -1;
  for (var q = hi; q >= lo; q--) {
    let i = outRow + u32(q);
    let f = fOut[i];
    if (f == 0.0) { next = q; }
    if (next >= 0) { let dq = f32(next - q); fOut[i] = min(f, dq * dq * p.spacing2); }
  }
}

// Last step of the surface metrics: every surface voxel of job g = (case, class c) looks up its distance
// to the OTHER surface (sqrt of the squared EDT) and appends (key, distance) to one compact list, so the
// host reads back surface distances only (~1-2% of the voxels), from which it takes ASD, NSD and the
// HD95 percentile. key = 2 * g + side: side 0 = a prediction surface voxel (distance to the truth
// surface), side 1 = a truth surface voxel (distance to the prediction surface).
// One thread per column of a job, only columns and rows inside the job's box (every surface voxel is in it);
// no barriers, one global atomicAdd per surface voxel (a few per cent of the voxels). Entries beyond
// `capacity` are dropped but still counted, so the host can retry with a list of the exact size.
// f holds the squared EDT of images [2 * jobs, D, H, W]: image 2j from the prediction surface, 2j + 1
// from the truth surface. BIG (>= 5e29) = no surface on that side, passed through as 1e30.
const HALF_BIG: f32 = 5e29;

struct Params { D: u32, H: u32, W: u32, numClasses: u32, jobBase: u32, jobs: u32, capacity: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> pred: array<u32>;
@group(0) @binding(2) var<storage, read> truth: array<u32>;
@group(0) @binding(3) var<storage, read> boxes: array<i32>;
@group(0) @binding(4) var<storage, read> f: array<f32>;
@group(0) @binding(5) var<storage, read_write> points: array<u32>;
@group(0) @binding(6) var<storage, read_write> counter: array<atomic<u32>>;

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

fn distance(fsq: f32) -> f32 {
  if (fsq >= HALF_BIG) { return 1e30; }
  return sqrt(fsq);
}

fn append(key: u32, dist: f32) {
  let slot = atomicAdd(&counter[0], 1u);
  if (slot < p.capacity) {
    points[2u * slot] = key;
    points[2u * slot + 1u] = bitcast<u32>(dist);
  }
}

// Dispatch [ceil(W / 64), D, jobs]: one thread per column (j, d, w), coordinates from the grid;
// neighbouring threads read neighbouring label words.
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let w = gid.x;
  let d = gid.y;
  let j = gid.z;
  if (w >= p.W) { return; }
  let g = p.jobBase + j;
  let box = g * 6u;
  if (i32(d) < boxes[box] || i32(d) > boxes[box + 3u] || i32(w) < boxes[box + 2u] || i32(w) > boxes[box + 5u]) { return; }
  let F = p.numClasses - 1u;
  let c = g % F + 1u;
  let voxels = p.D * p.H * p.W;
  let labelBase = (g / F) * voxels;
  for (var h = u32(boxes[box + 1u]); h <= u32(boxes[box + 4u]); h++) {
    let v = (d * p.H + h) * p.W + w;
    let li = labelBase + v;
    if (pred[li] != c && truth[li] != c) { continue; }
    if (isSurface(0u, li, d, h, w, c)) { append(2u * g, distance(f[(2u * j + 1u) * voxels + v])); }
    if (isSurface(1u, li, d, h, w, c)) { append(2u * g + 1u, distance(f[2u * j * voxels + v])); }
  }
}

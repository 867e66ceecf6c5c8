// Bounding box, per (case, foreground class), of the voxels of that class in the prediction OR the
// truth. Every surface voxel of both lies inside it, so the EDT passes can stay inside the box (exact:
// all seeds and all query points are in it) and skip the rest of the image.
// Each thread keeps a private box per class over its strided voxels, then the workgroup merges them
// with workgroup atomics and adds one global atomicMin/atomicMax per cell.
// Layout of boxes: [cases * F, 6] i32 (lo d, lo h, lo w, hi d, hi h, hi w), F = numClasses - 1, to be
// initialised by the host to lo = i32 max, hi = -1 (an empty box has lo > hi).
const MAX_F: u32 = 7u;

// chunk: rows (of D * H per case) per workgroup
struct Params { D: u32, H: u32, W: u32, numClasses: u32, chunk: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> pred: array<u32>;
@group(0) @binding(2) var<storage, read> truth: array<u32>;
@group(0) @binding(3) var<storage, read_write> boxes: array<atomic<i32>>;

var<workgroup> local: array<atomic<i32>, 42>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  // at least 0 even for numClasses = 0: the helper compile and bench/compile-cost.ts dispatch every kernel once with
  // zeroed parameters, and F = 0 - 1 made this loop run 2^32 times (the dispatch never ended)
  let F = max(p.numClasses, 1u) - 1u;
  if (lid.x < F * 6u) { atomicStore(&local[lid.x], select(-1, 2147483647, lid.x % 6u < 3u)); }
  workgroupBarrier();
  var lo: array<vec3<i32>, 7>;
  var hi: array<vec3<i32>, 7>;
  for (var c = 0u; c < MAX_F; c++) { lo[c] = vec3<i32>(2147483647); hi[c] = vec3<i32>(-1); }
  // the workgroup takes `chunk` whole rows; lanes walk neighbouring columns (coalesced loads) and the
  // row's d and h are uniform, so no per-voxel integer division (scalarised on CPU adapters)
  let rows = p.D * p.H;
  let caseIndex = wid.y;
  let firstRow = wid.x * p.chunk;
  let lastRow = min(firstRow + p.chunk, rows);
  for (var r = firstRow; r < lastRow; r++) {
    let d = i32(r / p.H);
    let h = i32(r % p.H);
    let rowBase = (caseIndex * rows + r) * p.W;
    for (var w = lid.x; w < p.W; w += 256u) {
      let a = pred[rowBase + w];
      let b = truth[rowBase + w];
      if (a == 0u && b == 0u) { continue; }
      let at = vec3<i32>(d, h, i32(w));
      // class index k is uniform across lanes (no scatter into private memory)
      for (var k = 0u; k < F; k++) {
        if (a == k + 1u || b == k + 1u) { lo[k] = min(lo[k], at); hi[k] = max(hi[k], at); }
      }
    }
  }
  for (var c = 0u; c < F; c++) {
    if (hi[c].x >= 0) {
      for (var k = 0u; k < 3u; k++) {
        atomicMin(&local[c * 6u + k], lo[c][k]);
        atomicMax(&local[c * 6u + 3u + k], hi[c][k]);
      }
    }
  }
  workgroupBarrier();
  if (lid.x < F * 6u) {
    let v = atomicLoad(&local[lid.x]);
    let out = caseIndex * F * 6u + lid.x;
    if (lid.x % 6u < 3u) {
      if (v != 2147483647) { atomicMin(&boxes[out], v); }
    } else if (v >= 0) {
      atomicMax(&boxes[out], v);
    }
  }
}

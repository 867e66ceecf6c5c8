// Per-image confusion counts of two label maps (u32, any shape flattened per image): each thread counts
// its strided pixels of the workgroup's chunk privately, the workgroup merges them in a 4x4 matrix of
// atomics in workgroup memory, then adds the non-zero cells to the global matrix once. Labels >= numClasses are counted
// in a separate "invalid" cell so the host can name the bad input instead of silently dropping it.
// Layout of counts: [images, numClasses * numClasses + 1], cell truth * numClasses + pred, then invalid.
// imageBase: first image of this dispatch (more than 65535 images are split over several dispatches)
struct Params { pixels: u32, numClasses: u32, chunk: u32, stride: u32, imageBase: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> pred: array<u32>;
@group(0) @binding(2) var<storage, read> truth: array<u32>;
@group(0) @binding(3) var<storage, read_write> counts: array<atomic<u32>>;

// 16 cells: up to 4 classes (background + vertebrae, canal, discs)
var<workgroup> cells: array<atomic<u32>, 16>;
var<workgroup> invalid: atomic<u32>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  if (lid.x < 16u) { atomicStore(&cells[lid.x], 0u); }
  if (lid.x == 0u) { atomicStore(&invalid, 0u); }
  workgroupBarrier();
  let image = p.imageBase + wid.y;
  let start = wid.x * p.chunk;
  let end = min(start + p.chunk, p.pixels);
  let base = image * p.pixels;
  let C = p.numClasses;
  // private counts first: an atomic per pixel is what makes this slow on CPU adapters (lavapipe).
  // Row t of the private matrix is a vec4 indexed only by the uniform loop counter, so SIMD lanes never
  // scatter into private memory: row[t] += onehot(pred) where truth == t.
  var rows: array<vec4<u32>, 4>;
  var bad = 0u;
  for (var i = start + lid.x; i < end; i += 256u) {
    let t = truth[base + i];
    let q = pred[base + i];
    let onehot = select(vec4<u32>(0u), vec4<u32>(1u), vec4<u32>(q) == vec4<u32>(0u, 1u, 2u, 3u));
    for (var k = 0u; k < 4u; k++) { rows[k] += select(vec4<u32>(0u), onehot, t == k); }
    bad += select(0u, 1u, t >= C || q >= C);
  }
  for (var t = 0u; t < C; t++) {
    for (var q = 0u; q < C; q++) {
      let v = rows[t][q];
      if (v > 0u) { atomicAdd(&cells[t * C + q], v); }
    }
  }
  if (bad > 0u) { atomicAdd(&invalid, bad); }
  workgroupBarrier();
  let cellsUsed = C * C;
  let out = image * p.stride;
  if (lid.x < cellsUsed) {
    let v = atomicLoad(&cells[lid.x]);
    if (v > 0u) { atomicAdd(&counts[out + lid.x], v); }
  }
  if (lid.x == 0u) {
    let v = atomicLoad(&invalid);
    if (v > 0u) { atomicAdd(&counts[out + cellsUsed], v); }
  }
}

// out[c, r] = x[r, c] for a row-major [rows, cols] matrix (batched over the z dimension), through a
// 16x16 workgroup-memory tile so both the reads and the writes are contiguous.
struct Params { rows: u32, cols: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

var<workgroup> tile: array<array<f32, 17>, 16>;

@compute @workgroup_size(16, 16)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let base = wid.z * p.rows * p.cols;
  let r = wid.y * 16u + lid.y;
  let c = wid.x * 16u + lid.x;
  if (r < p.rows && c < p.cols) { tile[lid.y][lid.x] = x[base + r * p.cols + c]; }
  workgroupBarrier();
  let orow = wid.x * 16u + lid.y;
  let ocol = wid.y * 16u + lid.x;
  if (orow < p.cols && ocol < p.rows) { out[base + orow * p.rows + ocol] = tile[lid.x][lid.y]; }
}

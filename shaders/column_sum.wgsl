// Column sums of a row-major [rows, cols] matrix, in parallel over columns and row chunks:
// out[chunk, c] = sum over rows in chunk of x[r, c]. Adjacent threads read adjacent columns, which is
// the channel axis of an NHWC tensor, so this is also the bias gradient of a conv.
struct Params { rows: u32, cols: u32, rowsPerChunk: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let c = gid.x;
  if (c >= p.cols) { return; }
  let chunk = wid.y;
  let r0 = chunk * p.rowsPerChunk;
  let r1 = min(r0 + p.rowsPerChunk, p.rows);
  var s = 0.0;
  for (var r = r0; r < r1; r++) { s += x[r * p.cols + c]; }
  out[chunk * p.cols + c] = s;
}

// One pass of a parallel sum: each workgroup of 256 threads reduces a contiguous chunk of `chunk`
// elements (strided loads, then a tree in workgroup memory) to one partial sum. The host repeats
// passes until one value is left.
struct Params { n: u32, chunk: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> partial: array<f32>;

var<workgroup> acc: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let group = wid.x + wid.y * nwg.x;
  let start = group * p.chunk;
  let end = min(start + p.chunk, p.n);
  var s = 0.0;
  for (var i = start + lid.x; i < end; i += 256u) { s += x[i]; }
  acc[lid.x] = s;
  workgroupBarrier();
  for (var stride = 128u; stride > 0u; stride >>= 1u) {
    if (lid.x < stride) { acc[lid.x] += acc[lid.x + stride]; }
    workgroupBarrier();
  }
  if (lid.x == 0u && start < p.n) { partial[group] = acc[0]; }
}

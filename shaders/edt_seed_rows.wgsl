// First pass of the exact EDT: squared distance (mm^2) along each row (the W axis) to the nearest seed
// (non-zero voxel) of the same row, by one forward and one backward sweep; BIG where the row has none.
// One thread per row. Later axes use the lower-envelope pass (edt_envelope.wgsl).
// BIG = 1e30 stands for "no seed" (infinity): WGSL does not promise IEEE infinities, so a finite
// sentinel is used and the host turns values >= BIG / 2 into Infinity on readback.
const BIG: f32 = 1e30;

struct Params { lines: u32, n: u32, spacing2: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> seeds: array<u32>;
@group(0) @binding(2) var<storage, read_write> fOut: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let line = gid.x + gid.y * nwg.x * 64u;
  if (line >= p.lines) { return; }
  let base = line * p.n;
  var last = -1;
  for (var q = 0; q < i32(p.n); q++) {
    if (seeds[base + u32(q)] != 0u) { last = q; }
    var f = BIG;
    if (last >= 0) { let d = f32(q - last); f = d * d * p.spacing2; }
    fOut[base + u32(q)] = f;
  }
  // backward sweep: a seed is exactly where the forward sweep wrote 0
  var next = -1;
  for (var q = i32(p.n) - 1; q >= 0; q--) {
    let i = base + u32(q);
    let f = fOut[i];
    if (f == 0.0) { next = q; }
    if (next >= 0) { let d = f32(next - q); fOut[i] = min(f, d * d * p.spacing2); }
  }
}

// Per-channel reductions of batch normalisation over the N*H*W rows of an NHWC tensor viewed as
// [rows, C]. A workgroup owns a block of `cw` = min(C, 256) channels and a chunk of rows (workgroup_id.y);
// its 256 threads are laid out as `lanes` = floor(256 / cw) row lanes x cw channels, so adjacent threads
// read adjacent channels (coalesced) and narrow layers (C = 16) still use most threads. Each workgroup
// writes one partial per channel and quantity; column_sum adds the chunks in a second pass.
//   moments:  sum(x - k) and sum((x - k)^2), k = x[row 0, c]. Shifting by a sample of the channel keeps
//             E[x^2] - E[x]^2 from cancelling catastrophically in f32 when |mean| >> std.
//   gradSums: sum(g) and sum(g * xhat), xhat = (x - mean) * invstd (the backward's two reductions).
// Partials layout: [chunk][2C], first the C sums of the first quantity, then the C of the second.
struct Params { rows: u32, c: u32, rowsPerChunk: u32, cw: u32, lanes: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read> stats: array<f32>;
@group(0) @binding(4) var<storage, read_write> partial: array<f32>;

var<workgroup> acc1: array<f32, 256>;
var<workgroup> acc2: array<f32, 256>;

// adds the lanes of each channel and writes this chunk's partials
fn finish(l: u32, c: u32, chunk: u32, inRange: bool, s1: f32, s2: f32) {
  acc1[l] = s1;
  acc2[l] = s2;
  workgroupBarrier();
  if (l < p.cw && inRange) {
    var t1 = 0.0;
    var t2 = 0.0;
    for (var lane = 0u; lane < p.lanes; lane++) {
      t1 += acc1[lane * p.cw + l];
      t2 += acc2[lane * p.cw + l];
    }
    partial[chunk * 2u * p.c + c] = t1;
    partial[chunk * 2u * p.c + p.c + c] = t2;
  }
}

@compute @workgroup_size(256)
fn moments(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let l = lid.x;
  let lane = l / p.cw;
  let c = wid.x * p.cw + l % p.cw;
  let inRange = lane < p.lanes && c < p.c;
  let r0 = wid.y * p.rowsPerChunk;
  let r1 = min(r0 + p.rowsPerChunk, p.rows);
  var s1 = 0.0;
  var s2 = 0.0;
  if (inRange) {
    let k = x[c];
    for (var r = r0 + lane; r < r1; r += p.lanes) {
      let d = x[r * p.c + c] - k;
      s1 += d;
      s2 += d * d;
    }
  }
  finish(l, c, wid.y, inRange, s1, s2);
}

@compute @workgroup_size(256)
fn gradSums(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let l = lid.x;
  let lane = l / p.cw;
  let c = wid.x * p.cw + l % p.cw;
  let inRange = lane < p.lanes && c < p.c;
  let r0 = wid.y * p.rowsPerChunk;
  let r1 = min(r0 + p.rowsPerChunk, p.rows);
  var s1 = 0.0;
  var s2 = 0.0;
  if (inRange) {
    let mean = stats[c];
    let invstd = stats[p.c + c];
    for (var r = r0 + lane; r < r1; r += p.lanes) {
      let gi = g[r * p.c + c];
      s1 += gi;
      s2 += gi * (x[r * p.c + c] - mean) * invstd;
    }
  }
  finish(l, c, wid.y, inRange, s1, s2);
}

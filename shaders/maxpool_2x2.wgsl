// 2x2 max pooling, stride 2, NHWC (Keras MaxPooling2D pool 2, 'valid'): output [N, floor(H/2), floor(W/2), C];
// an odd last row/column is dropped, as 'valid' padding does.
// forward:  one thread per output element; also stores which of the 4 window cells won (0..3, row-major
//           dy*2+dx) so backward needs no comparison. Ties go to the first cell in that order (strict >).
// backward: one thread per OUTPUT element writes its whole 2x2 window (g at the winner, 0 elsewhere).
//           Windows are disjoint, so every input element is written exactly once without atomics or a
//           zero-fill pass; threads of the last window row/column also zero the dropped odd row/column.
struct Params { n: u32, h: u32, w: u32, c: u32, oh: u32, ow: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read_write> argmax: array<u32>;
@group(0) @binding(4) var<storage, read> g: array<f32>;
@group(0) @binding(5) var<storage, read> winner: array<u32>;
@group(0) @binding(6) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(256)
fn forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  let total = p.n * p.oh * p.ow * p.c;
  if (i >= total) { return; }
  let ch = i % p.c;
  let ox = (i / p.c) % p.ow;
  let oy = (i / (p.c * p.ow)) % p.oh;
  let b = i / (p.c * p.ow * p.oh);
  let base = ((b * p.h + oy * 2u) * p.w + ox * 2u) * p.c + ch;
  let rowStride = p.w * p.c;
  var best = x[base];
  var which = 0u;
  let v1 = x[base + p.c];
  if (v1 > best) { best = v1; which = 1u; }
  let v2 = x[base + rowStride];
  if (v2 > best) { best = v2; which = 2u; }
  let v3 = x[base + rowStride + p.c];
  if (v3 > best) { best = v3; which = 3u; }
  out[i] = best;
  argmax[i] = which;
}

@compute @workgroup_size(256)
fn backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  let total = p.n * p.oh * p.ow * p.c;
  if (i >= total) { return; }
  let ch = i % p.c;
  let ox = (i / p.c) % p.ow;
  let oy = (i / (p.c * p.ow)) % p.oh;
  let b = i / (p.c * p.ow * p.oh);
  let base = ((b * p.h + oy * 2u) * p.w + ox * 2u) * p.c + ch;
  let rowStride = p.w * p.c;
  let gi = g[i];
  let which = winner[i];
  dx[base] = select(0.0, gi, which == 0u);
  dx[base + p.c] = select(0.0, gi, which == 1u);
  dx[base + rowStride] = select(0.0, gi, which == 2u);
  dx[base + rowStride + p.c] = select(0.0, gi, which == 3u);
  // odd W: the dropped last column of these two rows; odd H: the dropped last row under this window
  let lastCol = ox + 1u == p.ow && p.w > 2u * p.ow;
  let lastRow = oy + 1u == p.oh && p.h > 2u * p.oh;
  if (lastCol) {
    dx[base + 2u * p.c] = 0.0;
    dx[base + rowStride + 2u * p.c] = 0.0;
  }
  if (lastRow) {
    dx[base + 2u * rowStride] = 0.0;
    dx[base + 2u * rowStride + p.c] = 0.0;
    if (lastCol) { dx[base + 2u * rowStride + 2u * p.c] = 0.0; }
  }
}

// One axis of the exact separable EDT (Felzenszwalb & Huttenlocher 2012): for each line along `axis`
// (1 = H, 0 = D) of images [M, D, H, W], d[q] = min_p f[p] + s^2 (q - p)^2 through the lower envelope of
// the parabolas rooted at the finite f[p]. Exact, O(n) per line; NOT an approximation like jump flooding.
// One thread per line; the envelope (parabola roots v, their values f, boundaries z) lives in storage-buffer scratch
// because a 640-long line needs ~5 KiB, too much for many threads in workgroup memory.
// Each image m only works inside its box boxes[boxBase + m / boxDiv] (lo d,h,w; hi d,h,w, inclusive):
// when every seed and every query point lies in the box, the EDT restricted to it is still exact, and
// lines outside it cost nothing. `finish` = 1 writes sqrt(d) (mm) for the last pass.
const BIG: f32 = 1e30;
const HALF_BIG: f32 = 5e29;

// mBase: first image of this dispatch (batches over 65535 images take several dispatches)
struct Params { M: u32, D: u32, H: u32, W: u32, axis: u32, spacing2: f32, boxBase: u32, boxDiv: u32, finish: u32, mBase: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> fIn: array<f32>;
@group(0) @binding(2) var<storage, read_write> fOut: array<f32>;
@group(0) @binding(3) var<storage, read_write> envV: array<i32>;
@group(0) @binding(4) var<storage, read_write> envF: array<f32>;
@group(0) @binding(5) var<storage, read_write> envZ: array<f32>;
@group(0) @binding(6) var<storage, read> boxes: array<i32>;

// Dispatch [ceil(W / 64), A, M] with A = D (axis H) or H (axis D): the line's coordinates come straight
// from the grid, no per-thread integer division (scalarised and slow on CPU adapters).
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let w = gid.x;
  let a = gid.y;   // perpendicular coordinate: d when axis = H, h when axis = D
  let m = p.mBase + gid.z;
  if (w >= p.W) { return; }
  var n: u32;
  var qStride: u32;
  var A: u32;
  if (p.axis == 1u) { n = p.H; qStride = p.W; A = p.D; } else { n = p.D; qStride = p.H * p.W; A = p.H; }
  let line = (m * A + a) * p.W + w;
  let box = (p.boxBase + m / p.boxDiv) * 6u;
  // perpendicular box tests: w always, and d (axis H) or h (axis D)
  let aAxis = select(1u, 0u, p.axis == 1u);
  if (i32(w) < boxes[box + 2u] || i32(w) > boxes[box + 5u]) { return; }
  if (i32(a) < boxes[box + aAxis] || i32(a) > boxes[box + 3u + aAxis]) { return; }
  let lo = boxes[box + p.axis];
  let hi = boxes[box + 3u + p.axis];
  if (lo > hi) { return; }
  var base: u32;
  if (p.axis == 1u) { base = (m * p.D + a) * p.H * p.W + w; } else { base = m * p.D * p.H * p.W + a * p.W + w; }
  // scratch entry k of this line lives at k * lines + line: neighbouring threads touch neighbouring words
  let lines = p.M * A * p.W;
  let s2 = p.spacing2;
  // Envelope entries 0..k: the top one (rightmost parabola: root vTop, value fTop, left boundary zTop)
  // stays in registers and only entries below it live in scratch, so the common step (push) costs one
  // load and three stores; storage accesses, not arithmetic, are what costs on CPU adapters.
  var k = -1;
  var vTop = 0;
  var fTop = 0.0;
  var zTop = -BIG;
  for (var q = lo; q <= hi; q++) {
    let fq = fIn[base + u32(q) * qStride];
    if (fq >= HALF_BIG) { continue; }
    if (k < 0) {
      k = 0;
      vTop = q;
      fTop = fq;
      zTop = -BIG;
      continue;
    }
    // intersection with the top parabola, in index units (q^2 - v^2 = (q - v)(q + v) exactly)
    var s = ((fq - fTop) / (s2 * f32(q - vTop)) + f32(q + vTop)) * 0.5;
    // entry 0 has z = -BIG, so this stops before k goes negative
    while (s <= zTop) {
      k--;
      let at = u32(k) * lines + line;
      vTop = envV[at];
      fTop = envF[at];
      zTop = envZ[at];
      s = ((fq - fTop) / (s2 * f32(q - vTop)) + f32(q + vTop)) * 0.5;
    }
    let at = u32(k) * lines + line;
    envV[at] = vTop;
    envF[at] = fTop;
    envZ[at] = zTop;
    k++;
    vTop = q;
    fTop = fq;
    zTop = s;
  }
  if (k < 0) {
    for (var q = lo; q <= hi; q++) { fOut[base + u32(q) * qStride] = BIG; }
    return;
  }
  let top = u32(k) * lines + line;
  envV[top] = vTop;
  envF[top] = fTop;
  envZ[top] = zTop;
  // sweep: entry j covers q in [z[j], z[j+1]); the boundary after the top entry is +infinity
  var j = 0;
  var vj = envV[line];
  var fj = envF[line];
  var zNext = BIG;
  if (k > 0) { zNext = envZ[lines + line]; }
  for (var q = lo; q <= hi; q++) {
    while (zNext < f32(q)) {
      j++;
      let at = u32(j) * lines + line;
      vj = envV[at];
      fj = envF[at];
      zNext = BIG;
      if (j < k) { zNext = envZ[at + lines]; }
    }
    let dq = f32(q - vj);
    var d = s2 * dq * dq + fj;
    if (p.finish == 1u) { d = sqrt(d); }
    fOut[base + u32(q) * qStride] = d;
  }
}

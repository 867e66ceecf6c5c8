// One axis of the exact separable EDT (Felzenszwalb & Huttenlocher 2012): for each line along `axis`
// (1 = H, 0 = D) of images [M, D, H, W], d[q] = min_p f[p] + s^2 (q - p)^2 through the lower envelope of
// the parabolas rooted at the finite f[p]. Exact, O(n) per line; NOT an approximation like jump flooding.
// One thread per line; the envelope (parabola roots v, boundaries z) lives in storage-buffer scratch
// because a 640-long line needs ~5 KiB, too much for many threads in workgroup memory.
// Each image m only works inside its box boxes[boxBase + m / boxDiv] (lo d,h,w; hi d,h,w, inclusive):
// when every seed and every query point lies in the box, the EDT restricted to it is still exact, and
// lines outside it cost nothing. `finish` = 1 writes sqrt(d) (mm) for the last pass.
const BIG: f32 = 1e30;
const HALF_BIG: f32 = 5e29;

struct Params { M: u32, D: u32, H: u32, W: u32, axis: u32, spacing2: f32, boxBase: u32, boxDiv: u32, finish: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> fIn: array<f32>;
@group(0) @binding(2) var<storage, read_write> fOut: array<f32>;
@group(0) @binding(3) var<storage, read_write> envV: array<i32>;
@group(0) @binding(4) var<storage, read_write> envZ: array<f32>;
@group(0) @binding(5) var<storage, read> boxes: array<i32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let line = gid.x + gid.y * nwg.x * 64u;
  var n: u32;
  var m: u32;
  var a: u32;   // first perpendicular coordinate (d when axis = H, h when axis = D)
  var w: u32;
  var qStride: u32;
  if (p.axis == 1u) {
    n = p.H;
    if (line >= p.M * p.D * p.W) { return; }
    w = line % p.W;
    let r = line / p.W;
    a = r % p.D;
    m = r / p.D;
    qStride = p.W;
  } else {
    n = p.D;
    if (line >= p.M * p.H * p.W) { return; }
    w = line % p.W;
    let r = line / p.W;
    a = r % p.H;
    m = r / p.H;
    qStride = p.H * p.W;
  }
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
  // scratch element k of this line lives at k * lines + line: neighbouring threads touch neighbouring words
  let lines = select(p.M * p.H * p.W, p.M * p.D * p.W, p.axis == 1u);
  let vBase = line;
  let zBase = line;
  let s2 = p.spacing2;
  var k = -1;
  for (var q = lo; q <= hi; q++) {
    let fq = fIn[base + u32(q) * qStride];
    if (fq >= HALF_BIG) { continue; }
    if (k < 0) {
      k = 0;
      envV[vBase] = q;
      envZ[zBase] = -BIG;
      envZ[zBase + lines] = BIG;
      continue;
    }
    // intersection with the rightmost envelope parabola, in index units (q^2 - v^2 = (q - v)(q + v) exactly)
    var vk = envV[vBase + u32(k) * lines];
    var s = ((fq - fIn[base + u32(vk) * qStride]) / (s2 * f32(q - vk)) + f32(q + vk)) * 0.5;
    // z[0] = -BIG stops this before k goes negative
    while (s <= envZ[zBase + u32(k) * lines]) {
      k--;
      vk = envV[vBase + u32(k) * lines];
      s = ((fq - fIn[base + u32(vk) * qStride]) / (s2 * f32(q - vk)) + f32(q + vk)) * 0.5;
    }
    k++;
    envV[vBase + u32(k) * lines] = q;
    envZ[zBase + u32(k) * lines] = s;
    envZ[zBase + (u32(k) + 1u) * lines] = BIG;
  }
  if (k < 0) {
    for (var q = lo; q <= hi; q++) { fOut[base + u32(q) * qStride] = BIG; }
    return;
  }
  var j = 0u;
  for (var q = lo; q <= hi; q++) {
    while (envZ[zBase + (j + 1u) * lines] < f32(q)) { j++; }
    let vj = envV[vBase + j * lines];
    let dq = f32(q - vj);
    var d = s2 * dq * dq + fIn[base + u32(vj) * qStride];
    if (p.finish == 1u) { d = sqrt(d); }
    fOut[base + u32(q) * qStride] = d;
  }
}

// Filter gradient with workgroup-memory tiles (the GPU variant). Same contract as
// shaders/conv2d_filter_register.wgsl:
//   part[s, kh*KW + kw, c, o] = sum over grid pixels m in chunk s of
//       src[n, a*sstride + kh - ph, b*sstride + kw - pw, c] * g[m, o]
// A 16x16 workgroup computes a 64 (taps x channels) x 64 (output channels) tile of one chunk's partial
// sum, stepping the pixels by 16 through shared tiles of the gathered src and of g.
override V: u32 = 4u;   // unused here; kept so both variants take the same constants
override VO: u32 = 4u;

struct Params {
  N: u32, Hs: u32, Ws: u32, C: u32,
  Hg: u32, Wg: u32, O: u32, KW: u32,
  T: u32, sstride: u32, ph: i32, pw: i32,
  chunk: u32, kBlocks: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(3) var<storage, read> g: array<f32>;
@group(0) @binding(5) var<storage, read_write> part: array<f32>;

var<workgroup> As: array<array<f32, 64>, 16>; // [pixel][k]
var<workgroup> Bs: array<array<f32, 64>, 16>; // [pixel][output channel]

@compute @workgroup_size(16, 16)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let t = lid.y * 16u + lid.x;
  let k0 = (wid.x % p.kBlocks) * 64u;
  let o0 = (wid.x / p.kBlocks) * 64u;
  let K = p.T * p.C;
  let M = p.N * p.Hg * p.Wg;
  let mStart = wid.z * p.chunk;
  let mEnd = min(mStart + p.chunk, M);
  // the dW row this thread gathers is the same for every pixel (256 % 64 == 0)
  let kLoad = k0 + t % 64u;
  let tap = min(kLoad, K - 1u) / p.C;
  let cLoad = kLoad % p.C;
  let kh = i32(tap / p.KW);
  let kw = i32(tap % p.KW);
  let Hs = i32(p.Hs);
  let Ws = i32(p.Ws);
  let oLoad = o0 + t % 64u;
  var acc: array<array<f32, 4>, 4>;
  for (var mt = mStart; mt < mEnd; mt += 16u) {
    for (var j = 0u; j < 4u; j++) {
      let mm = t / 64u + 4u * j;
      let m = mt + mm;
      let live = m < mEnd;
      let b = i32(m % p.Wg);
      let a = i32((m / p.Wg) % p.Hg);
      let n = i32(m / (p.Wg * p.Hg));
      let sh = a * i32(p.sstride) + kh - p.ph;
      let sw = b * i32(p.sstride) + kw - p.pw;
      let ok = live && kLoad < K && sh >= 0 && sh < Hs && sw >= 0 && sw < Ws;
      As[mm][t % 64u] = select(0.0, src[select(0u, u32((n * Hs + sh) * Ws + sw) * p.C + cLoad, ok)], ok);
      let okG = live && oLoad < p.O;
      Bs[mm][t % 64u] = select(0.0, g[select(0u, m * p.O + oLoad, okG)], okG);
    }
    workgroupBarrier();
    for (var mm = 0u; mm < 16u; mm++) {
      var a: array<f32, 4>;
      var b: array<f32, 4>;
      for (var i = 0u; i < 4u; i++) {
        a[i] = As[mm][lid.y * 4u + i];
        b[i] = Bs[mm][lid.x * 4u + i];
      }
      for (var i = 0u; i < 4u; i++) {
        for (var j = 0u; j < 4u; j++) { acc[i][j] = fma(a[i], b[j], acc[i][j]); }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let k = k0 + lid.y * 4u + i;
    if (k >= K) { continue; }
    for (var j = 0u; j < 4u; j++) {
      let o = o0 + lid.x * 4u + j;
      if (o >= p.O) { continue; }
      part[(wid.z * K + k) * p.O + o] = acc[i][j];
    }
  }
}

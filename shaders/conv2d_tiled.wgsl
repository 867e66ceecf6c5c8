// Implicit-GEMM convolution with workgroup-memory tiles (the GPU variant). Same contract as
// shaders/conv2d_register.wgsl (read its header):
//   dst[n, a*ostride + oy, b*ostride + ox, o] = bias[o] + sum over taps (ty, tx) and channels c of
//       src[n, a*sstride + dh0 + ty*dhStep, b*sstride + dw0 + tx*dwStep, c] * wt[kh*KW + kw, c, o]
// A 16x16 workgroup computes 64 grid pixels x 64 output channels, 4x4 per thread, stepping the
// flattened K = (tap, channel) by 16 through shared tiles: the im2col gather happens once per tile
// element and every value is reused 64 times from fast memory, the usual trade on a real GPU.
override V: u32 = 4u;   // unused here; kept so both variants take the same constants
override VO: u32 = 4u;

struct Params {
  N: u32, Hs: u32, Ws: u32, C: u32,
  Hg: u32, Wg: u32, O: u32, KW: u32,
  Hd: u32, Wd: u32, sstride: u32, ostride: u32,
  oy: u32, ox: u32, th: u32, tw: u32,
  kh0: i32, khStep: i32, dh0: i32, dhStep: i32,
  kw0: i32, kwStep: i32, dw0: i32, dwStep: i32,
  hasBias: u32, blocksX: u32,
  epi: u32, alpha: f32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(3) var<storage, read> wt: array<f32>;
@group(0) @binding(5) var<storage, read> bias: array<f32>;
@group(0) @binding(6) var<storage, read_write> dst: array<f32>;
@group(0) @binding(7) var<storage, read> affine: array<f32>; // fused epilogue's [scale(O), shift(O)]

// #include epilogue

var<workgroup> As: array<array<f32, 64>, 16>; // [k][pixel]
var<workgroup> Bs: array<array<f32, 64>, 16>; // [k][output channel]

@compute @workgroup_size(16, 16)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let t = lid.y * 16u + lid.x;
  let m0 = (wid.x + wid.y * p.blocksX) * 64u;
  let o0 = wid.z * 64u;
  let M = p.N * p.Hg * p.Wg;
  let K = p.th * p.tw * p.C;
  // the pixel this thread gathers for the A tile is the same for every k (256 % 64 == 0)
  let mLoad = m0 + t % 64u;
  let mmL = min(mLoad, M - 1u);
  let lb = i32(mmL % p.Wg);
  let la = i32((mmL / p.Wg) % p.Hg);
  let ln = i32(mmL / (p.Wg * p.Hg));
  let Hs = i32(p.Hs);
  let Ws = i32(p.Ws);
  var acc: array<array<f32, 4>, 4>;
  for (var k0 = 0u; k0 < K; k0 += 16u) {
    for (var j = 0u; j < 4u; j++) {
      let kk = t / 64u + 4u * j;
      let k = k0 + kk;
      let tap = k / p.C;
      let c = k % p.C;
      let ty = i32(tap / p.tw);
      let tx = i32(tap % p.tw);
      let sh = la * i32(p.sstride) + p.dh0 + ty * p.dhStep;
      let sw = lb * i32(p.sstride) + p.dw0 + tx * p.dwStep;
      let ok = k < K && mLoad < M && sh >= 0 && sh < Hs && sw >= 0 && sw < Ws;
      As[kk][t % 64u] = select(0.0, src[select(0u, u32((ln * Hs + sh) * Ws + sw) * p.C + c, ok)], ok);
      let kh = p.kh0 + ty * p.khStep;
      let kw = p.kw0 + tx * p.kwStep;
      let o = o0 + t % 64u;
      let okW = k < K && o < p.O;
      Bs[kk][t % 64u] = select(0.0, wt[select(0u, (u32(kh * i32(p.KW) + kw) * p.C + c) * p.O + o, okW)], okW);
    }
    workgroupBarrier();
    for (var kk = 0u; kk < 16u; kk++) {
      var a: array<f32, 4>;
      var b: array<f32, 4>;
      for (var i = 0u; i < 4u; i++) {
        a[i] = As[kk][lid.y * 4u + i];
        b[i] = Bs[kk][lid.x * 4u + i];
      }
      for (var i = 0u; i < 4u; i++) {
        for (var j = 0u; j < 4u; j++) { acc[i][j] = fma(a[i], b[j], acc[i][j]); }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let m = m0 + lid.y * 4u + i;
    if (m >= M) { continue; }
    let b = i32(m % p.Wg);
    let a = i32((m / p.Wg) % p.Hg);
    let n = i32(m / (p.Wg * p.Hg));
    let row = u32((n * i32(p.Hd) + a * i32(p.ostride) + i32(p.oy)) * i32(p.Wd) + b * i32(p.ostride) + i32(p.ox));
    for (var j = 0u; j < 4u; j++) {
      let o = o0 + lid.x * 4u + j;
      if (o >= p.O) { continue; }
      var v = acc[i][j];
      if (p.hasBias == 1u) { v += bias[o]; }
      dst[row * p.O + o] = epilogue1(v, o, p.O);
    }
  }
}

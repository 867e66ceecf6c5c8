// Implicit-GEMM convolution, barrier-free register tiles, threads along OUTPUT CHANNELS: the twin of
// shaders/conv2d_register.wgsl (same contract, read its header) for layers with many output channels
// and few pixels (the U-Net's bottom: 8x10 pixels, 256..512 channels), where one thread per pixel
// leaves most SIMD lanes idle. Here a workgroup owns 8 grid pixels (uniform: every thread reads the
// same activations, one broadcast load on lavapipe) and WGX*4 output channels; each thread 4
// consecutive output channels (one vec4 weight load per k, contiguous across threads) x 8 pixels.
// Needs C % 4 == 0 and O % 4 == 0.
//
// wtT = 1 reads the weight tensor transposed per tap, wt[tap, o, c] ([taps, O, C]) instead of
// wt[tap, c, o]: the conv input gradient (the forward kernel [taps, C, O] with the GEMM's C and O
// swapped) and the Keras-layout Conv2DTranspose kernel [taps, O, C] then need no transpose pass.
// A thread loads the same 16 weights per 4 channels either way (four vec4 rows along c instead of
// along o), and the 4x4 swizzle back costs nothing in registers.
override WGX: u32 = 64u;

struct Params {
  N: u32, Hs: u32, Ws: u32, C: u32,
  Hg: u32, Wg: u32, O: u32, KW: u32,
  Hd: u32, Wd: u32, sstride: u32, ostride: u32,
  oy: u32, ox: u32, th: u32, tw: u32,
  kh0: i32, khStep: i32, dh0: i32, dhStep: i32,
  kw0: i32, kwStep: i32, dw0: i32, dwStep: i32,
  hasBias: u32, blocksX: u32, wtT: u32,
  epi: u32, alpha: f32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(2) var<storage, read> src4: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> wt4: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> bias: array<f32>;
@group(0) @binding(6) var<storage, read_write> dst: array<vec4<f32>>; // O % 4 == 0: one vec4 store per pixel
@group(0) @binding(7) var<storage, read> affine: array<f32>; // fused epilogue's [scale(O), shift(O)]

// #include epilogue

const P: u32 = 8u; // pixels per workgroup

@compute @workgroup_size(WGX)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let o = (wid.z * WGX + lid.x) * 4u;
  if (o >= p.O) { return; }
  let m0 = (wid.x + wid.y * p.blocksX) * P;
  let M = p.N * p.Hg * p.Wg;
  var pn: array<i32, P>;
  var pa: array<i32, P>;
  var pb: array<i32, P>;
  for (var i = 0u; i < P; i++) {
    let mm = min(m0 + i, M - 1u);
    pb[i] = i32(mm % p.Wg);
    pa[i] = i32((mm / p.Wg) % p.Hg);
    pn[i] = i32(mm / (p.Wg * p.Hg));
  }
  var acc: array<vec4<f32>, P>;
  let Hs = i32(p.Hs);
  let Ws = i32(p.Ws);
  let ss = i32(p.sstride);
  let O4 = p.O >> 2u;
  let tr = p.wtT == 1u;
  for (var ty = 0u; ty < p.th; ty++) {
    let kh = p.kh0 + i32(ty) * p.khStep;
    let dh = p.dh0 + i32(ty) * p.dhStep;
    for (var tx = 0u; tx < p.tw; tx++) {
      let kw = p.kw0 + i32(tx) * p.kwStep;
      let dw = p.dw0 + i32(tx) * p.dwStep;
      let tap = u32(kh * i32(p.KW) + kw);
      // [tap, c, o]: vec4 rows along o, O/4 apart per c; [tap, o, c] (wtT): vec4 rows along c, C/4 apart per o
      let wbase = select((tap * p.C * p.O + o) >> 2u, ((tap * p.O + o) * p.C) >> 2u, tr);
      let C4 = p.C >> 2u;
      var base: array<u32, P>;
      var ok: array<bool, P>;
      for (var i = 0u; i < P; i++) {
        let sh = pa[i] * ss + dh;
        let sw = pb[i] * ss + dw;
        ok[i] = sh >= 0 && sh < Hs && sw >= 0 && sw < Ws;
        base[i] = select(0u, u32((pn[i] * Hs + sh) * Ws + sw) * p.C, ok[i]) >> 2u;
      }
      for (var c = 0u; c < p.C; c += 4u) {
        let c4 = c >> 2u;
        // four vec4 rows per 4 input channels, one load for both layouts (lavapipe compiles each load of an address
        // that differs between lanes into a branch per lane): [tap, c, o]: row k is input channel c+k's 4 outputs,
        // O/4 apart; [tap, o, c] (wtT): row k is output o+k's input channels c .. c+3, C/4 apart, swizzled back
        let wi = select(wbase + c * O4, wbase + c4, tr);
        let step = select(O4, C4, tr);
        let r0 = wt4[wi];
        let r1 = wt4[wi + step];
        let r2 = wt4[wi + 2u * step];
        let r3 = wt4[wi + 3u * step];
        let w0 = select(r0, vec4<f32>(r0.x, r1.x, r2.x, r3.x), tr);
        let w1 = select(r1, vec4<f32>(r0.y, r1.y, r2.y, r3.y), tr);
        let w2 = select(r2, vec4<f32>(r0.z, r1.z, r2.z, r3.z), tr);
        let w3 = select(r3, vec4<f32>(r0.w, r1.w, r2.w, r3.w), tr);
        for (var i = 0u; i < P; i++) {
          let x = select(vec4<f32>(0.0), src4[base[i] + c4], ok[i]);
          acc[i] = fma(vec4<f32>(x.x), w0, fma(vec4<f32>(x.y), w1, fma(vec4<f32>(x.z), w2, fma(vec4<f32>(x.w), w3, acc[i]))));
        }
      }
    }
  }
  var bv = vec4<f32>(0.0);
  if (p.hasBias == 1u) { bv = vec4<f32>(bias[o], bias[o + 1u], bias[o + 2u], bias[o + 3u]); }
  let epi = epilogueFor(o, p.O);
  for (var i = 0u; i < P; i++) {
    if (m0 + i >= M) { break; }
    let row = u32((pn[i] * i32(p.Hd) + pa[i] * i32(p.ostride) + i32(p.oy)) * i32(p.Wd) + pb[i] * i32(p.ostride) + i32(p.ox));
    let v = applyEpilogue4(epi, acc[i] + bv);
    dst[(row * p.O + o) >> 2u] = v;
  }
}

// Implicit-GEMM convolution, threads along OUTPUT CHANNELS, pixels shared by subgroup broadcasts: the twin of
// shaders/conv2d_register_oc.wgsl (same contract and parameters, same sums in the same order; read its header) for CPU
// adapters. A workgroup owns 16 grid pixels and WGX*4 output channels; each thread 4 consecutive output channels x 16
// pixels. Every thread needs the same activations; lavapipe emits every storage load inside a loop as a loop over the
// 8 lanes of its SIMD row (shaders/winograd_gemm_sg.wgsl says more), so lane j of each 8-lane group loads pixels j
// and 8 + j alone and subgroupBroadcast hands them to all. Needs subgroups of at least 8 invocations
// (src/kernels/winograd.ts subgroupGemm), C % 4 == 0 and O % 4 == 0. Threads past O run the loops on clamped weight
// loads, so that all take part in the broadcasts; they store nothing.
enable subgroups;

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

const P: u32 = 16u; // pixels per workgroup

// pixel m of the grid: [n, a (row), b (column)], clamped into the grid
fn gridPixel(m: u32, M: u32) -> vec3<i32> {
  let mm = min(m, M - 1u);
  return vec3<i32>(i32(mm / (p.Wg * p.Hg)), i32((mm / p.Wg) % p.Hg), i32(mm % p.Wg));
}

/** acc + x.x w0 + x.y w1 + x.z w2 + x.w w3, innermost first: the order of shaders/conv2d_register_oc.wgsl */
fn madd(x: vec4<f32>, w0: vec4<f32>, w1: vec4<f32>, w2: vec4<f32>, w3: vec4<f32>, acc: vec4<f32>) -> vec4<f32> {
  return fma(vec4<f32>(x.x), w0, fma(vec4<f32>(x.y), w1, fma(vec4<f32>(x.z), w2, fma(vec4<f32>(x.w), w3, acc))));
}

@compute @workgroup_size(WGX)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(subgroup_invocation_id) sid: u32) {
  let o = (wid.z * WGX + lid.x) * 4u;
  let ol = min(o, p.O - 4u);
  let m0 = (wid.x + wid.y * p.blocksX) * P;
  let M = p.N * p.Hg * p.Wg;
  let lane = sid % 8u;
  // this lane's two pixels, m0 + lane and m0 + 8 + lane
  let q0 = gridPixel(m0 + lane, M);
  let q1 = gridPixel(m0 + 8u + lane, M);
  var c0 = vec4<f32>(0.0); var c1 = vec4<f32>(0.0); var c2 = vec4<f32>(0.0); var c3 = vec4<f32>(0.0);
  var c4 = vec4<f32>(0.0); var c5 = vec4<f32>(0.0); var c6 = vec4<f32>(0.0); var c7 = vec4<f32>(0.0);
  var c8 = vec4<f32>(0.0); var c9 = vec4<f32>(0.0); var c10 = vec4<f32>(0.0); var c11 = vec4<f32>(0.0);
  var c12 = vec4<f32>(0.0); var c13 = vec4<f32>(0.0); var c14 = vec4<f32>(0.0); var c15 = vec4<f32>(0.0);
  let Hs = i32(p.Hs);
  let Ws = i32(p.Ws);
  let ss = i32(p.sstride);
  let O4 = p.O >> 2u;
  let C4 = p.C >> 2u;
  let tr = p.wtT == 1u;
  for (var ty = 0u; ty < p.th; ty++) {
    let kh = p.kh0 + i32(ty) * p.khStep;
    let dh = p.dh0 + i32(ty) * p.dhStep;
    for (var tx = 0u; tx < p.tw; tx++) {
      let kw = p.kw0 + i32(tx) * p.kwStep;
      let dw = p.dw0 + i32(tx) * p.dwStep;
      let tap = u32(kh * i32(p.KW) + kw);
      // [tap, c, o]: vec4 rows along o, O/4 apart per c; [tap, o, c] (wtT): vec4 rows along c, C/4 apart per o
      let wbase = select((tap * p.C * p.O + ol) >> 2u, ((tap * p.O + ol) * p.C) >> 2u, tr);
      let sh0 = q0.y * ss + dh;
      let sw0 = q0.z * ss + dw;
      let ok0 = sh0 >= 0 && sh0 < Hs && sw0 >= 0 && sw0 < Ws;
      let base0 = select(0u, u32((q0.x * Hs + sh0) * Ws + sw0) * p.C, ok0) >> 2u;
      let sh1 = q1.y * ss + dh;
      let sw1 = q1.z * ss + dw;
      let ok1 = sh1 >= 0 && sh1 < Hs && sw1 >= 0 && sw1 < Ws;
      let base1 = select(0u, u32((q1.x * Hs + sh1) * Ws + sw1) * p.C, ok1) >> 2u;
      for (var c = 0u; c < p.C; c += 4u) {
        let cq = c >> 2u;
        let wi = select(wbase + c * O4, wbase + cq, tr);
        let step = select(O4, C4, tr);
        let r0 = wt4[wi];
        let r1 = wt4[wi + step];
        let r2 = wt4[wi + 2u * step];
        let r3 = wt4[wi + 3u * step];
        let w0 = select(r0, vec4<f32>(r0.x, r1.x, r2.x, r3.x), tr);
        let w1 = select(r1, vec4<f32>(r0.y, r1.y, r2.y, r3.y), tr);
        let w2 = select(r2, vec4<f32>(r0.z, r1.z, r2.z, r3.z), tr);
        let w3 = select(r3, vec4<f32>(r0.w, r1.w, r2.w, r3.w), tr);
        let x0 = select(vec4<f32>(0.0), src4[base0 + cq], ok0);
        let x1 = select(vec4<f32>(0.0), src4[base1 + cq], ok1);
        c0 = madd(subgroupBroadcast(x0, 0u), w0, w1, w2, w3, c0);
        c1 = madd(subgroupBroadcast(x0, 1u), w0, w1, w2, w3, c1);
        c2 = madd(subgroupBroadcast(x0, 2u), w0, w1, w2, w3, c2);
        c3 = madd(subgroupBroadcast(x0, 3u), w0, w1, w2, w3, c3);
        c4 = madd(subgroupBroadcast(x0, 4u), w0, w1, w2, w3, c4);
        c5 = madd(subgroupBroadcast(x0, 5u), w0, w1, w2, w3, c5);
        c6 = madd(subgroupBroadcast(x0, 6u), w0, w1, w2, w3, c6);
        c7 = madd(subgroupBroadcast(x0, 7u), w0, w1, w2, w3, c7);
        c8 = madd(subgroupBroadcast(x1, 0u), w0, w1, w2, w3, c8);
        c9 = madd(subgroupBroadcast(x1, 1u), w0, w1, w2, w3, c9);
        c10 = madd(subgroupBroadcast(x1, 2u), w0, w1, w2, w3, c10);
        c11 = madd(subgroupBroadcast(x1, 3u), w0, w1, w2, w3, c11);
        c12 = madd(subgroupBroadcast(x1, 4u), w0, w1, w2, w3, c12);
        c13 = madd(subgroupBroadcast(x1, 5u), w0, w1, w2, w3, c13);
        c14 = madd(subgroupBroadcast(x1, 6u), w0, w1, w2, w3, c14);
        c15 = madd(subgroupBroadcast(x1, 7u), w0, w1, w2, w3, c15);
      }
    }
  }
  if (o >= p.O) { return; }
  var bv = vec4<f32>(0.0);
  if (p.hasBias == 1u) { bv = vec4<f32>(bias[o], bias[o + 1u], bias[o + 2u], bias[o + 3u]); }
  let epi = epilogueFor(o, p.O);
  let acc = array<vec4<f32>, P>(c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, c15);
  for (var i = 0u; i < P; i++) {
    if (m0 + i >= M) { break; }
    let q = gridPixel(m0 + i, M);
    let row = u32((q.x * i32(p.Hd) + q.y * i32(p.ostride) + i32(p.oy)) * i32(p.Wd) + q.z * i32(p.ostride) + i32(p.ox));
    let v = applyEpilogue4(epi, acc[i] + bv);
    dst[(row * p.O + o) >> 2u] = v;
  }
}

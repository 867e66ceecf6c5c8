// Winograd F(2x2, 3x3) transform of the output gradient for the filter gradient (src/kernels/winograd.ts):
//
//   dst[e, t, o] = (A dY A^T)[e]   for the 2x2 block dY of tile t = (n, ty, tx), channel o,
//   dY[i][j] = g[n, 2*ty + i, 2*tx + j, o] (zero past the edge of odd sizes), A = [[1,0],[1,1],[1,-1],[0,-1]].
//
// With V = B^T d B of the same tile (shaders/winograd_input.wgsl), dW = G^T (sum over tiles of V x dst) G:
// the gradient of y = A^T ((G w G^T) . V) A with respect to w. dst is [16, T, O].
override V: u32 = 4u;
override CH: u32 = 4u; // channels per thread: 4, or 1 (scalar loads and stores; src/kernels/winograd.ts transformChannels)

struct Params { N: u32, H: u32, W: u32, C: u32, tilesH: u32, tilesW: u32, T: u32, blocksX: u32, t0: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read> src4: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;

// #include winograd_patch
// #include winograd_tile


@compute @workgroup_size(64)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let th = tileThread((wid.x + wid.y * p.blocksX) * 64u + lid.x, p.C, CH);
  if (!th.live) { return; }
  let tl = th.tl;
  let c = th.c;
  let n = th.n;
  let ty = th.ty;
  let tx = th.tx;
  let y00 = loadPatch(n, i32(2u * ty), i32(2u * tx), c);
  let y01 = loadPatch(n, i32(2u * ty), i32(2u * tx + 1u), c);
  let y10 = loadPatch(n, i32(2u * ty + 1u), i32(2u * tx), c);
  let y11 = loadPatch(n, i32(2u * ty + 1u), i32(2u * tx + 1u), c);
  // A dY: 4 rows of 2
  let r = array<array<vec4<f32>, 2>, 4>(
    array<vec4<f32>, 2>(y00, y01),
    array<vec4<f32>, 2>(y00 + y10, y01 + y11),
    array<vec4<f32>, 2>(y00 - y10, y01 - y11),
    array<vec4<f32>, 2>(-y10, -y11),
  );
  let plane = p.T * p.C;
  let base = tl * p.C + c;
  for (var i = 0u; i < 4u; i++) {
    let v = array<vec4<f32>, 4>(r[i][0], r[i][0] + r[i][1], r[i][0] - r[i][1], -r[i][1]);
    for (var j = 0u; j < 4u; j++) {
      let at = (4u * i + j) * plane + base;
      for (var k = 0u; k < CH; k++) {
        if (c + k < p.C) { dst[at + k] = v[j][k]; }
      }
    }
  }
}

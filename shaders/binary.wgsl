// Elementwise binary op with trailing-dimension broadcast of b: out[i] = a[i] (op) b[i % nb].
// OP: 0 add, 1 sub, 2 mul, 3 relu backward (a = upstream gradient, b = ReLU input), 4 broadcast b (a gives the shape).
override OP: u32 = 0u;

struct Params { n: u32, nb: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= p.n) { return; }
  let x = a[i];
  let y = b[i % p.nb];
  var r: f32;
  switch OP {
    case 0u: { r = x + y; }
    case 1u: { r = x - y; }
    case 2u: { r = x * y; }
    case 3u: { r = select(0.0, x, y > 0.0); }
    default: { r = y; }
  }
  out[i] = r;
}

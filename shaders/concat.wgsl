// Concatenation along the channel (last, fastest) axis of NHWC tensors: [.., Ca] ++ [.., Cb] -> [.., Ca+Cb],
// the U-Net's skip connections. forward: one thread per output element picks its source; split
// (backward): one thread per gradient element writes it to the matching input gradient.
struct Params { rows: u32, ca: u32, cb: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<storage, read> g: array<f32>;
@group(0) @binding(5) var<storage, read_write> ga: array<f32>;
@group(0) @binding(6) var<storage, read_write> gb: array<f32>;

@compute @workgroup_size(256)
fn forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  let c = p.ca + p.cb;
  if (i >= p.rows * c) { return; }
  let r = i / c;
  let k = i % c;
  if (k < p.ca) { out[i] = a[r * p.ca + k]; } else { out[i] = b[r * p.cb + (k - p.ca)]; }
}

@compute @workgroup_size(256)
fn split(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  let c = p.ca + p.cb;
  if (i >= p.rows * c) { return; }
  let r = i / c;
  let k = i % c;
  if (k < p.ca) { ga[r * p.ca + k] = g[i]; } else { gb[r * p.cb + (k - p.ca)] = g[i]; }
}

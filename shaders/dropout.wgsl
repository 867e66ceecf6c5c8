// Inverted dropout: out = in * keep(seed, i) / (1 - rate), where keep is drawn from a counter-based hash
// of (seed, element index). Nothing is stored: backward recomputes the same mask from the same seed, so
// the same kernel serves both directions (forward on x, backward on the upstream gradient).
// Hash: two rounds of the PCG output permutation (Jarzynski & Olano, "Hash Functions for GPU
// Rendering", 2020): h = pcg(pcg(seed) ^ i), then pcg(h + seed) to decorrelate neighbouring seeds.
// The top 24 bits give u in [0, 1); the element is kept when u >= rate. src/reference/nn.ts mirrors it.
struct Params { n: u32, seed: u32, rate: f32, scale: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

fn pcg(v: u32) -> u32 {
  let state = v * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= p.n) { return; }
  let h = pcg(pcg(pcg(p.seed) ^ i) + p.seed);
  let u = f32(h >> 8u) * (1.0 / 16777216.0);
  out[i] = select(0.0, x[i] * p.scale, u >= p.rate);
}

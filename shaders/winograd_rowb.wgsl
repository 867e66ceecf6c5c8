// Snippet of the Winograd GEMMs (shaders/winograd_gemm.wgsl, winograd_gemm_at.wgsl): B[idx .. idx+3], the
// columns col .. col+3 of one row of B (zero past N; one vec4 load when VN == 4 and the four are in range).
// The including shader declares `p` (N), `B`, `B4` and the override VN.
fn rowB(idx: u32, col: u32) -> vec4<f32> {
  if (VN == 4u && col + 4u <= p.N) { return B4[idx >> 2u]; }
  var r = vec4<f32>(0.0);
  for (var j = 0u; j < 4u; j++) {
    if (col + j < p.N) { r[j] = B[idx + j]; }
  }
  return r;
}

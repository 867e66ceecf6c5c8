// shaders/include/winograd_rowb.wgsl, a snippet pulled in by `// #include winograd_rowb` (src/runtime/shaders.ts).
// The Winograd GEMMs' load of B[idx .. idx+3], the columns col .. col+3 of one row of B (zero past N; one
// vec4 load when VN == 4 and the four are in range).
// Included by: winograd_gemm, winograd_gemm_at
// Defines: rowB
// The includer must define: p.N: u32, B: array<f32>, B4: array<vec4<f32>>, VN: u32
fn rowB(idx: u32, col: u32) -> vec4<f32> {
  if (VN == 4u && col + 4u <= p.N) { return B4[idx >> 2u]; }
  var r = vec4<f32>(0.0);
  for (var j = 0u; j < 4u; j++) {
    if (col + j < p.N) { r[j] = B[idx + j]; }
  }
  return r;
}

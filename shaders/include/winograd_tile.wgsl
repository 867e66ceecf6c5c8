// shaders/include/winograd_tile.wgsl, a snippet pulled in by `// #include winograd_tile` (src/runtime/shaders.ts).
// For Winograd transforms that run one thread per (tile, ch channels) of a band of tiles (ch = 4, or 1 on CPU
// adapters: the includer's CH): thread q -> its tile within the band (tl, which indexes the band's
// [E, T, channels] tensor), that tile's place in the whole tensor (n, ty, tx; tile t = p.t0 + tl) and its first
// channel c.
// Included by: winograd_input, winograd4_input, winograd_grad, winograd4_grad, winograd_output, winograd4_output
// Defines: struct TileThread, tileThread
// The includer must define: p.T: u32, p.t0: u32, p.tilesH: u32, p.tilesW: u32
struct TileThread { live: bool, tl: u32, n: u32, ty: u32, tx: u32, c: u32 }

fn tileThread(q: u32, channels: u32, ch: u32) -> TileThread {
  let groups = (channels + ch - 1u) / ch;
  let tl = q / groups;
  let t = p.t0 + tl;
  return TileThread(q < p.T * groups, tl, t / (p.tilesW * p.tilesH), (t / p.tilesW) % p.tilesH, t % p.tilesW, (q % groups) * ch);
}

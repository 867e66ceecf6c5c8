// Snippet of the Winograd transforms that run one thread per (tile, 4 channels) of a band of tiles
// (shaders/winograd_input.wgsl, winograd4_input.wgsl, winograd_grad.wgsl, winograd_output.wgsl,
// winograd4_output.wgsl): thread q -> its tile within the band (tl, which indexes the band's [E, T, channels]
// tensor), that tile's place in the whole tensor (n, ty, tx; tile t = p.t0 + tl) and its first channel c.
// The including shader declares `p` with T, t0, tilesH and tilesW.
struct TileThread { live: bool, tl: u32, n: u32, ty: u32, tx: u32, c: u32 }

fn tileThread(q: u32, channels: u32) -> TileThread {
  let groups = (channels + 3u) / 4u;
  let tl = q / groups;
  let t = p.t0 + tl;
  return TileThread(q < p.T * groups, tl, t / (p.tilesW * p.tilesH), (t / p.tilesW) % p.tilesH, t % p.tilesW, (q % groups) * 4u);
}

// Level labelling: the 3-class map (0 background, 1 vertebra, 2 canal, 3 disc) to SPIDER's level codes (L5 = 1,
// L4 = 2, ..., partly visible 101-125, canal 100, L5/S1 = 201, L4/L5 = 202, ...), in 3-D on a sagittal stack and
// in 2-D on one slice. Pure (no Node): `spineseg predict --levels` and the page share it. docs/MEASUREMENTS.md
// describes the rules; in short:
// - disc components are ordered along the spine by their position on a reference curve (the smoothed centre of the
//   spinal column, canal included, row by row: it bends with lordosis), and pieces that lie side by side along the
//   curve (a disc split in two) are one disc;
// - each vertebra voxel belongs to the gap between the two disc planes around it (a plane per disc: its centroid and
//   its own normal), so a vertebra component that touches its neighbour is cut at the disc, and a component split
//   in two is one vertebra; voxels below the caudal-most disc are the sacrum region (unlabelled, as in SPIDER);
// - numbering starts at the caudal end: the caudal-most disc is L5/S1 (201), the vertebra above it L5 (1), and a
//   disc takes the number of the vertebra above it;
// - small stray components (under 10 % of the largest of their class) are dropped and counted.
// The grid is [slices, rows, columns] with rows running cranial -> caudal (the sagittal stack of
// src/app/volume-slices.ts, and SPIDER's PNG export), spacing [slice, row, column] in mm or 1 for pixels.
import { connectedComponents } from '../pipeline/postprocess.ts';
import { CANAL_CODE, MAX_LEVEL, levelName, levelShortName } from '../pipeline/level-codes.ts';
import type { Volume } from '../pipeline/volume.ts';

export interface LabelGrid {
  /** classes 0-3, [slices, rows, columns] row-major */
  labels: Uint8Array;
  dims: readonly [number, number, number];
  /** size of a voxel along [slice, row, column], in `unit` */
  spacing: readonly [number, number, number];
  /** 'mm' when the spacing is known (volumes), 'px' for PNG slices */
  unit: 'mm' | 'px';
}

export type LevelFlagKind = 'empty' | 'no-discs' | 'unusual-count' | 'missing-disc' | 'missing-vertebra' | 'fov-cut' | 'strays' | 'too-many-levels';

export interface LevelFlag {
  kind: LevelFlagKind;
  message: string;
}

export interface LevelInfo {
  code: number;
  name: string;
  shortName: string;
  kind: 'vertebra' | 'disc' | 'canal';
  voxels: number;
  /** centroid as a continuous grid index [slice, row, column] */
  centroidIndex: [number, number, number];
  /** false when the structure touches the field of view's cranial, caudal, anterior or posterior edge */
  complete: boolean;
}

export interface LevelLabelling {
  /** SPIDER level code per voxel (same grid as the input) */
  codes: Uint8Array;
  /** levels from the caudal end up (vertebrae and discs interleaved), then the canal */
  levels: LevelInfo[];
  flags: LevelFlag[];
  /** stray components dropped, and their voxels */
  dropped: { components: number; voxels: number };
  /** complete vertebrae above the sacrum */
  vertebraCount: number;
  /** disc planes from the caudal end up: centroid (mm, [slice, row, column]) and cranial unit normal (in-plane) */
  discPlanes: { code: number; centre: [number, number, number]; normal: [number, number] }[];
}

/** The grid of a sagittal stack (src/app/volume-slices.ts: axis 0 columns, 1 rows, 2 slices) holding 3-class labels. */
export function sagittalLabelGrid(labels: Uint8Array, sagittal: Pick<Volume, 'size' | 'spacing'>): LabelGrid {
  const [w, h, n] = sagittal.size;
  return { labels, dims: [n, h, w], spacing: [sagittal.spacing[2], sagittal.spacing[1], sagittal.spacing[0]], unit: 'mm' };
}

/** Fraction of the largest component of a class under which a component is a stray. */
export const STRAY_FRACTION = 0.1;
/** An interval between two discs taller than this many times the median one holds two vertebrae (a disc missing). */
const MISSING_DISC_RATIO = 1.6;

/** Checks the grid and names the first value that is not a class 0-3. */
export function checkLabelGrid(grid: LabelGrid): void {
  const [D, H, W] = grid.dims;
  if (grid.labels.length !== D * H * W) throw new Error(`label map: ${grid.labels.length} values for a grid of ${D}x${H}x${W}`);
  if (grid.spacing.some((s) => !(s > 0) || !Number.isFinite(s))) throw new Error(`label map: spacing ${grid.spacing.join(' x ')} must be positive`);
  for (let i = 0; i < grid.labels.length; i++) {
    const v = grid.labels[i]!;
    if (v > 3) {
      const z = Math.floor(i / (H * W));
      const y = Math.floor((i % (H * W)) / W);
      throw new Error(`label map: value ${v} at slice ${z}, row ${y}, column ${i % W} is not a class 0-3 (background, vertebra, canal, disc); pass a 3-class map, not SPIDER codes`);
    }
  }
}

interface Stats {
  n: number;
  sz: number;
  sy: number;
  sx: number;
  syy: number;
  sxx: number;
  sxy: number;
  border: boolean;
}

function newStats(): Stats {
  return { n: 0, sz: 0, sy: 0, sx: 0, syy: 0, sxx: 0, sxy: 0, border: false };
}

/** Per-component sums in mm ([slice, row, column] -> z, y, x) and whether it touches a row or column edge. */
function componentStats(ids: Int32Array, count: number, grid: LabelGrid): Stats[] {
  const [D, H, W] = grid.dims;
  const [dz, dy, dx] = grid.spacing;
  const stats = Array.from({ length: count }, newStats);
  for (let z = 0, i = 0; z < D; z++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++, i++) {
        const id = ids[i]!;
        if (!id) continue;
        const s = stats[id]!;
        const Y = y * dy;
        const X = x * dx;
        s.n++;
        s.sz += z * dz;
        s.sy += Y;
        s.sx += X;
        s.syy += Y * Y;
        s.sxx += X * X;
        s.sxy += X * Y;
        if (y === 0 || y === H - 1 || x === 0 || x === W - 1) s.border = true;
      }
  return stats;
}

/** In-plane principal axes of summed stats: the unit normal (least spread, pointing cranially: -row) as [row, col]. */
export function minorAxis(s: Pick<Stats, 'n' | 'sy' | 'sx' | 'syy' | 'sxx' | 'sxy'>): [number, number] {
  const my = s.sy / s.n;
  const mx = s.sx / s.n;
  const cyy = s.syy / s.n - my * my;
  const cxx = s.sxx / s.n - mx * mx;
  const cxy = s.sxy / s.n - mx * my;
  // smallest eigenvalue of [[cyy, cxy], [cxy, cxx]] and its eigenvector
  const tr = cyy + cxx;
  const det = cyy * cxx - cxy * cxy;
  const lmin = tr / 2 - Math.sqrt(Math.max(0, (tr * tr) / 4 - det));
  let v: [number, number] = Math.abs(cxy) > 1e-12 ? [cxy, lmin - cyy] : cyy <= cxx ? [1, 0] : [0, 1];
  const norm = Math.hypot(v[0], v[1]);
  v = [v[0] / norm, v[1] / norm];
  return v[0] > 0 ? [-v[0], -v[1]] : v;
}

/**
 * The reference curve: per row, the centroid (mm) of every vertebra, canal and disc voxel, smoothed over +-15 mm
 * of rows. Positions along it (`along`) order components along a curved spine.
 */
function referenceCurve(grid: LabelGrid): { y: number; x: number; z: number; s: number }[] {
  const [D, H, W] = grid.dims;
  const [dz, dy, dx] = grid.spacing;
  const n = new Float64Array(H);
  const sx = new Float64Array(H);
  const sz = new Float64Array(H);
  for (let z = 0, i = 0; z < D; z++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++, i++)
        if (grid.labels[i]) {
          n[y]++;
          sx[y] += x * dx;
          sz[y] += z * dz;
        }
  const half = Math.max(1, Math.round(15 / dy));
  const pts: { y: number; x: number; z: number; s: number }[] = [];
  for (let y = 0; y < H; y++) {
    if (!n[y]) continue;
    let m = 0;
    let ax = 0;
    let az = 0;
    for (let k = Math.max(0, y - half); k <= Math.min(H - 1, y + half); k++) {
      m += n[k]!;
      ax += sx[k]!;
      az += sz[k]!;
    }
    pts.push({ y: y * dy, x: ax / m, z: az / m, s: 0 });
  }
  for (let k = 1; k < pts.length; k++) pts[k]!.s = pts[k - 1]!.s + Math.hypot(pts[k]!.y - pts[k - 1]!.y, pts[k]!.x - pts[k - 1]!.x, pts[k]!.z - pts[k - 1]!.z);
  return pts;
}

/** Arc-length position (mm, increasing caudally) of the curve point nearest to p = [z, y, x] mm, and the curve's tangent there. */
function along(curve: { y: number; x: number; z: number; s: number }[], p: readonly [number, number, number]): { s: number; tangent: [number, number, number] } {
  if (curve.length === 1) return { s: 0, tangent: [0, 1, 0] };
  let best = Infinity;
  let bs = 0;
  let bt: [number, number, number] = [0, 1, 0];
  for (let k = 0; k + 1 < curve.length; k++) {
    const a = curve[k]!;
    const b = curve[k + 1]!;
    const t: [number, number, number] = [b.z - a.z, b.y - a.y, b.x - a.x];
    const len2 = t[0] * t[0] + t[1] * t[1] + t[2] * t[2];
    const f = Math.max(0, Math.min(1, ((p[0] - a.z) * t[0] + (p[1] - a.y) * t[1] + (p[2] - a.x) * t[2]) / len2));
    const d = Math.hypot(p[0] - a.z - f * t[0], p[1] - a.y - f * t[1], p[2] - a.x - f * t[2]);
    if (d < best) {
      best = d;
      bs = a.s + f * (b.s - a.s);
      const l = Math.sqrt(len2);
      bt = [t[0] / l, t[1] / l, t[2] / l];
    }
  }
  return { s: bs, tangent: bt };
}

interface DiscGroup {
  ids: number[];
  stats: Stats;
  centre: [number, number, number];
  normal: [number, number];
  s: number;
}

function addStats(into: Stats, s: Stats): void {
  into.n += s.n;
  into.sz += s.sz;
  into.sy += s.sy;
  into.sx += s.sx;
  into.syy += s.syy;
  into.sxx += s.sxx;
  into.sxy += s.sxy;
  into.border ||= s.border;
}

/** Labels the levels of a 3-class map (3-D when it has several slices, 2-D on one). */
export function labelLevels(grid: LabelGrid): LevelLabelling {
  checkLabelGrid(grid);
  const [D, H, W] = grid.dims;
  const [dz, dy, dx] = grid.spacing;
  const volumetric = D > 1;
  const L = grid.labels;
  const codes = new Uint8Array(L.length);
  const flags: LevelFlag[] = [];
  const dropped = { components: 0, voxels: 0 };
  const classMask = (c: number) => {
    const m = new Uint8Array(L.length);
    for (let i = 0; i < L.length; i++) m[i] = L[i] === c ? 1 : 0;
    return m;
  };
  let canalVoxels = 0;
  for (let i = 0; i < L.length; i++) if (L[i] === 2) {
    codes[i] = CANAL_CODE;
    canalVoxels++;
  }
  const empty: LevelLabelling = { codes, levels: [], flags, dropped, vertebraCount: 0, discPlanes: [] };
  const foreground = L.some((v) => v !== 0);
  if (!foreground) {
    flags.push({ kind: 'empty', message: 'the label map is empty: no vertebra, canal or disc' });
    return empty;
  }

  const discCC = connectedComponents(classMask(3), grid.dims, volumetric);
  const vertCC = connectedComponents(classMask(1), grid.dims, volumetric);
  const discStats = componentStats(discCC.ids, discCC.sizes.length, grid);
  const curve = referenceCurve(grid);
  const centreOf = (s: Stats): [number, number, number] => [s.sz / s.n, s.sy / s.n, s.sx / s.n];

  // discs: drop strays, then merge pieces that lie side by side (a disc split in two): the centre of one lies within
  // two standard deviations of the other's thickness, across the larger piece's own plane
  const maxDisc = Math.max(0, ...discCC.sizes.slice(1));
  const pieces: { id: number; s: number }[] = [];
  const strayDisc = new Set<number>();
  for (let id = 1; id < discCC.sizes.length; id++) {
    if (discCC.sizes[id]! < STRAY_FRACTION * maxDisc) strayDisc.add(id);
    else pieces.push({ id, s: along(curve, centreOf(discStats[id]!)).s });
  }
  pieces.sort((a, b) => a.s - b.s);
  const groups: DiscGroup[] = [];
  for (const p of pieces) {
    const g = groups[groups.length - 1];
    const ps = discStats[p.id]!;
    if (g) {
      const big = g.stats.n >= ps.n ? g.stats : ps;
      const n = minorAxis(big);
      const c = centreOf(big);
      const thickness = Math.sqrt(Math.max(0, n[0] ** 2 * (big.syy / big.n - c[1] ** 2) + n[1] ** 2 * (big.sxx / big.n - c[2] ** 2) + 2 * n[0] * n[1] * (big.sxy / big.n - c[1] * c[2])));
      const a = centreOf(g.stats);
      const b = centreOf(ps);
      if (Math.abs((b[1] - a[1]) * n[0] + (b[2] - a[2]) * n[1]) < 2 * thickness + Math.max(dy, dx)) {
        g.ids.push(p.id);
        addStats(g.stats, ps);
        continue;
      }
    }
    const stats = newStats();
    addStats(stats, ps);
    groups.push({ ids: [p.id], stats, centre: [0, 0, 0], normal: [-1, 0], s: p.s });
  }
  const finish = (g: DiscGroup) => {
    g.stats = newStats();
    for (const id of g.ids) addStats(g.stats, discStats[id]!);
    g.centre = centreOf(g.stats);
    g.normal = minorAxis(g.stats);
    g.s = along(curve, g.centre).s;
  };
  groups.forEach(finish);
  // a small fragment near a disc (under a third of the median disc, closer to a neighbour's plane than half the
  // median distance between neighbouring discs) is a piece of that disc, not a level of its own
  const planeGap = (from: DiscGroup, to: DiscGroup) => Math.abs((to.centre[1] - from.centre[1]) * from.normal[0] + (to.centre[2] - from.centre[2]) * from.normal[1]);
  for (;;) {
    if (groups.length < 3) break;
    const sizes = groups.map((g) => g.stats.n).sort((a, b) => a - b);
    const medianSize = sizes[Math.floor(sizes.length / 2)]!;
    const spacings = groups.slice(1).map((g, k) => planeGap(groups[k]!, g)).sort((a, b) => a - b);
    const medianSpacing = spacings[Math.floor(spacings.length / 2)]!;
    const gapTo = (k: number, j: number) => (j >= 0 && j < groups.length ? planeGap(groups[j]!, groups[k]!) : Infinity);
    const k = groups.findIndex((g, k) => g.stats.n < medianSize / 3 && Math.min(gapTo(k, k - 1), gapTo(k, k + 1)) < 0.5 * medianSpacing);
    if (k < 0) break;
    const g = groups[k]!;
    const j = gapTo(k, k - 1) < gapTo(k, k + 1) ? k - 1 : k + 1;
    groups[j]!.ids.push(...g.ids);
    finish(groups[j]!);
    groups.splice(k, 1);
  }
  // caudal-most first
  groups.sort((a, b) => b.s - a.s);
  if (groups.length > MAX_LEVEL) {
    flags.push({ kind: 'too-many-levels', message: `${groups.length} discs: only the caudal-most ${MAX_LEVEL} fit SPIDER's codes` });
    groups.length = MAX_LEVEL;
  }
  const discGroupOf = new Int32Array(discCC.sizes.length).fill(-1);
  groups.forEach((g, k) => g.ids.forEach((id) => (discGroupOf[id] = k)));

  // vertebra voxels: the gap between disc planes they lie in (0 = below the caudal-most disc: the sacrum region)
  const m = groups.length;
  const gapOf = (y: number, x: number): number => {
    let above = 0;
    for (const g of groups) if ((y * dy - g.centre[1]) * g.normal[0] + (x * dx - g.centre[2]) * g.normal[1] > 0) above++;
    return above;
  };
  const pieceVoxels = new Map<number, number>(); // key id * 64 + gap
  const gapAt = new Int8Array(L.length).fill(-1);
  for (let z = 0, i = 0; z < D; z++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++, i++) {
        const id = vertCC.ids[i]!;
        if (!id) continue;
        const gap = m ? gapOf(y, x) : 0;
        gapAt[i] = gap;
        const key = id * 64 + gap;
        pieceVoxels.set(key, (pieceVoxels.get(key) ?? 0) + 1);
      }
  const maxPiece = Math.max(0, ...pieceVoxels.values());
  const largestGapOfComponent = new Map<number, { gap: number; n: number }>();
  for (const [key, n] of pieceVoxels) {
    const id = Math.floor(key / 64);
    const cur = largestGapOfComponent.get(id);
    if (!cur || n > cur.n) largestGapOfComponent.set(id, { gap: key % 64, n });
  }
  // a small piece joins its component's largest piece; a small component on its own is a stray
  const pieceGap = new Map<number, number>();
  const strayVert = new Set<number>();
  for (const [key, n] of pieceVoxels) {
    const id = Math.floor(key / 64);
    const main = largestGapOfComponent.get(id)!;
    if (n >= STRAY_FRACTION * maxPiece) pieceGap.set(key, key % 64);
    else if (main.n >= STRAY_FRACTION * maxPiece) pieceGap.set(key, main.gap);
    else strayVert.add(id);
  }
  for (const id of strayDisc) {
    dropped.components++;
    dropped.voxels += discCC.sizes[id]!;
  }
  for (const id of strayVert) {
    dropped.components++;
    dropped.voxels += vertCC.sizes[id]!;
  }
  if (dropped.components > 0) flags.push({ kind: 'strays', message: `${dropped.components} small stray component(s) off the chain dropped (${dropped.voxels} voxels)` });

  if (m === 0) {
    flags.push({ kind: 'no-discs', message: 'no intervertebral disc found: the levels cannot be numbered (the canal alone is labelled 100)' });
    const levels: LevelInfo[] = [];
    if (canalVoxels) levels.push(canalLevel(grid, codes, canalVoxels));
    return { ...empty, levels };
  }

  // gap k (1..m) holds vertebra k (the one above disc k); discs take their group's code
  const gapStats = Array.from({ length: m + 1 }, newStats);
  const assigned = new Int8Array(L.length);
  for (let z = 0, i = 0; z < D; z++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++, i++) {
        if (L[i] === 3) {
          const k = discCC.ids[i]! ? discGroupOf[discCC.ids[i]!]! : -1;
          if (k >= 0) codes[i] = 201 + k;
          continue;
        }
        const id = vertCC.ids[i]!;
        if (!id || strayVert.has(id)) continue;
        const gap = pieceGap.get(id * 64 + gapAt[i]!) ?? 0;
        if (gap === 0) continue;
        assigned[i] = gap;
        const s = gapStats[gap]!;
        s.n++;
        s.sz += z * dz;
        s.sy += y * dy;
        s.sx += x * dx;
        if (y === 0 || y === H - 1 || x === 0 || x === W - 1) s.border = true;
      }
  for (let i = 0; i < L.length; i++) {
    const g = assigned[i]!;
    if (g) codes[i] = gapStats[g]!.border ? 100 + g : g;
  }

  // the height of each gap's vertebra along the mean normal of its discs: a gap much taller than the others has lost a disc
  const heights: number[] = [];
  for (let k = 1; k <= m; k++) {
    if (!gapStats[k]!.n) continue;
    const lower = groups[k - 1]!;
    const upper = groups[k];
    const nrm = upper ? norm2([lower.normal[0] + upper.normal[0], lower.normal[1] + upper.normal[1]]) : lower.normal;
    let lo = Infinity;
    let hi = -Infinity;
    for (let z = 0, i = 0; z < D; z++)
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++, i++) {
          if (assigned[i] !== k) continue;
          const t = y * dy * nrm[0] + x * dx * nrm[1];
          if (t < lo) lo = t;
          if (t > hi) hi = t;
        }
    heights[k] = hi - lo;
  }
  const inner = heights.filter((h, k) => h !== undefined && k < m);
  const median = inner.length ? inner.slice().sort((a, b) => a - b)[Math.floor(inner.length / 2)]! : NaN;

  const levels: LevelInfo[] = [];
  const info = (code: number, st: Stats, kind: 'vertebra' | 'disc'): LevelInfo => ({
    code,
    name: levelName(code),
    shortName: levelShortName(code),
    kind,
    voxels: st.n,
    centroidIndex: [st.sz / st.n / dz, st.sy / st.n / dy, st.sx / st.n / dx],
    complete: !st.border,
  });
  let vertebraCount = 0;
  for (let k = 1; k <= m; k++) {
    levels.push(info(200 + k, groups[k - 1]!.stats, 'disc'));
    const gs = gapStats[k]!;
    if (gs.n) {
      const code = gs.border ? 100 + k : k;
      levels.push(info(code, gs, 'vertebra'));
      if (gs.border) flags.push({ kind: 'fov-cut', message: `${levelShortName(k)} is cut by the field of view: coded ${code} (partly visible)` });
      else vertebraCount++;
      if (inner.length >= 2 && heights[k]! > MISSING_DISC_RATIO * median)
        flags.push({ kind: 'missing-disc', message: `between ${levelShortName(200 + k)} and ${k < m ? levelShortName(201 + k) : 'the top'} the vertebra is ${(heights[k]! / median).toFixed(1)} times the median height: a disc between two vertebrae is probably missing, so the levels above it are numbered one too low` });
    } else if (k < m) {
      flags.push({ kind: 'missing-vertebra', message: `no vertebra between ${levelShortName(200 + k)} and ${levelShortName(201 + k)}: its number (${levelShortName(k)}) is kept free` });
    }
  }
  if (vertebraCount < 5 || vertebraCount > 6)
    flags.push({ kind: 'unusual-count', message: `${vertebraCount} complete vertebra(e) above the sacrum (5 or 6 expected): transitional anatomy, four or six lumbar vertebrae, or a short field of view; numbered from L5/S1 up` });
  if (canalVoxels) levels.push(canalLevel(grid, codes, canalVoxels));
  const discPlanes = groups.map((g, k) => ({ code: 201 + k, centre: g.centre, normal: g.normal }));
  return { codes, levels, flags, dropped, vertebraCount, discPlanes };
}

function norm2(v: [number, number]): [number, number] {
  const n = Math.hypot(v[0], v[1]) || 1;
  return [v[0] / n, v[1] / n];
}

function canalLevel(grid: LabelGrid, codes: Uint8Array, voxels: number): LevelInfo {
  const [D, H, W] = grid.dims;
  const st = newStats();
  for (let z = 0, i = 0; z < D; z++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++, i++)
        if (codes[i] === CANAL_CODE) {
          st.n++;
          st.sz += z;
          st.sy += y;
          st.sx += x;
          if (y === 0 || y === H - 1 || x === 0 || x === W - 1) st.border = true;
        }
  return { code: CANAL_CODE, name: levelName(CANAL_CODE), shortName: levelShortName(CANAL_CODE), kind: 'canal', voxels, centroidIndex: [st.sz / voxels, st.sy / voxels, st.sx / voxels], complete: !st.border };
}

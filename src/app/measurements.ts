// Per-level measurements on a labelled spine (src/app/levels.ts): disc heights (anterior, middle, posterior),
// depth, mid-sagittal area and volume; vertebral body heights; the spinal canal's front-to-back diameter and its
// width across its own centre line at every disc and vertebral mid-height, and (volumes) its left-right width.
// Every line is drawn in the structure's own frame, not along image rows: docs/MEASUREMENTS.md defines each one.
// Lengths are in mm when the grid's spacing is known and in pixels otherwise (PNG exports carry no spacing).
// Pure (no Node): the CLI and the page share it.
import { connectedComponents } from '../pipeline/postprocess.ts';
import { CANAL_CODE } from '../pipeline/level-codes.ts';
import { minorAxis, type LabelGrid, type LevelLabelling } from './levels.ts';

/** Where along a structure's depth (0 = posterior end, 1 = anterior end) its three heights are measured. */
export const HEIGHT_POSITIONS = { anterior: 0.85, middle: 0.5, posterior: 0.15 } as const;
/** The canal's local direction comes from the canal within this many of its diameters of the measured point. */
const CANAL_NEIGHBOURHOOD = 2;

export interface Heights {
  anterior: number;
  middle: number;
  posterior: number;
}

/** A measurement line on a slice, in continuous grid indices (row, column), for drawing. */
export interface MeasurementLine {
  slice: number;
  what: string;
  from: [number, number];
  to: [number, number];
  length: number;
}

export interface LevelMeasurement {
  code: number;
  shortName: string;
  kind: 'vertebra' | 'disc';
  complete: boolean;
  /** the structure's mid-sagittal slice (slice through its centroid) */
  slice: number;
  /** disc or vertebral body: heights along its own axis; null when cut by the field of view */
  heights: Heights | null;
  /** front-to-back extent through the centroid along the structure's own axis */
  depth: number | null;
  /** area of the structure on its mid-sagittal slice (unit²) */
  midSagittalArea: number;
  /** unit³ over the volume; null for a single slice */
  volume: number | null;
  /** canal on its mid-sagittal slice along this level's front-to-back line; null where no canal crosses it */
  canalDiameter: number | null;
  /** canal width across the canal's own centre line at the same point */
  canalWidth: number | null;
  /** canal's left-right width across sagittal slices at that point (volumes only) */
  canalLateralWidth: number | null;
  lines: MeasurementLine[];
}

export interface LevelMeasurements {
  unit: 'mm' | 'px';
  /** which image side is anterior, from where the canal lies; 'assumed-left' when no canal was found */
  anterior: 'left' | 'right' | 'assumed-left';
  /** the canal's mid-sagittal slice (where canal lines are drawn), or null */
  canalSlice: number | null;
  levels: LevelMeasurement[];
}

type Vec2 = [number, number]; // [row, column] in mm

interface SliceMask {
  mask: Uint8Array;
  H: number;
  W: number;
  dy: number;
  dx: number;
}

/** Bilinear value of a 0/1 mask at (y, x) mm; a point counts as inside at 0.5 and above. */
function insideAt(m: SliceMask, y: number, x: number): boolean {
  const fy = y / m.dy;
  const fx = x / m.dx;
  const y0 = Math.floor(fy);
  const x0 = Math.floor(fx);
  const wy = fy - y0;
  const wx = fx - x0;
  const at = (yy: number, xx: number) => (yy >= 0 && yy < m.H && xx >= 0 && xx < m.W ? m.mask[yy * m.W + xx]! : 0);
  const v = (1 - wy) * ((1 - wx) * at(y0, x0) + wx * at(y0, x0 + 1)) + wy * ((1 - wx) * at(y0 + 1, x0) + wx * at(y0 + 1, x0 + 1));
  return v >= 0.5;
}

interface Run {
  from: number;
  to: number;
  length: number;
}

/**
 * Runs of inside samples along p + t d (t in [-reach, reach]), stepping a quarter of the smaller pixel side; each end
 * is refined by bisection to where the bilinear mask crosses 0.5, so a band of k pixels measures k pixels.
 */
function runsAlong(m: SliceMask, p: Vec2, d: Vec2, reach: number): Run[] {
  const step = Math.min(m.dy, m.dx) / 4;
  const n = Math.ceil(reach / step);
  const inside = (t: number) => insideAt(m, p[0] + t * d[0], p[1] + t * d[1]);
  const edge = (tIn: number, tOut: number) => {
    for (let k = 0; k < 10; k++) {
      const mid = (tIn + tOut) / 2;
      if (inside(mid)) tIn = mid;
      else tOut = mid;
    }
    return (tIn + tOut) / 2;
  };
  const runs: Run[] = [];
  let start: number | null = null;
  for (let k = -n; k <= n + 1; k++) {
    const t = k * step;
    const isIn = k <= n && inside(t);
    if (isIn && start === null) start = k === -n ? t : edge(t, t - step);
    if (!isIn && start !== null) {
      const to = edge(t - step, t);
      runs.push({ from: start, to, length: to - start });
      start = null;
    }
  }
  return runs;
}

/** The longest run along the line (a height line of a curved disc may miss its centroid's run). */
function longestRun(m: SliceMask, p: Vec2, d: Vec2, reach: number): Run | null {
  return runsAlong(m, p, d, reach).reduce<Run | null>((a, b) => (!a || b.length > a.length ? b : a), null);
}

/**
 * The structure's extent along d through p: its pixels projected on d, plus half a pixel's footprint at each end
 * (a crescent-shaped disc has its centroid outside itself, so a run through the centroid would miss it).
 */
function extentAlong(m: SliceMask, p: Vec2, d: Vec2): Run | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (let y = 0; y < m.H; y++)
    for (let x = 0; x < m.W; x++) {
      if (!m.mask[y * m.W + x]) continue;
      const t = (y * m.dy - p[0]) * d[0] + (x * m.dx - p[1]) * d[1];
      if (t < lo) lo = t;
      if (t > hi) hi = t;
    }
  if (lo > hi) return null;
  const half = (Math.abs(d[0]) * m.dy + Math.abs(d[1]) * m.dx) / 2;
  return { from: lo - half, to: hi + half, length: hi - lo + 2 * half };
}

/** The run containing t = 0, else the nearest one. */
function runThrough(m: SliceMask, p: Vec2, d: Vec2, reach: number): Run | null {
  const runs = runsAlong(m, p, d, reach);
  let best: Run | null = null;
  let bestDist = Infinity;
  for (const r of runs) {
    const dist = r.from <= 0 && r.to >= 0 ? 0 : Math.min(Math.abs(r.from), Math.abs(r.to));
    if (dist < bestDist) {
      best = r;
      bestDist = dist;
    }
  }
  return best;
}

function sliceMask(grid: LabelGrid, codes: Uint8Array, z: number, test: (code: number) => boolean): SliceMask {
  const [, H, W] = grid.dims;
  const mask = new Uint8Array(H * W);
  const off = z * H * W;
  for (let i = 0; i < H * W; i++) mask[i] = test(codes[off + i]!) ? 1 : 0;
  return { mask, H, W, dy: grid.spacing[1], dx: grid.spacing[2] };
}

/**
 * The vertebral body on a slice: of the 4-connected pieces at least 30 % the size of the largest, the one nearest to
 * `near` (the mean centre of the discs around it), so separate posterior elements are left out.
 */
function bodyPiece(m: SliceMask, near: Vec2 | null): SliceMask {
  const cc = connectedComponents(m.mask, [1, m.H, m.W], false);
  const sy = new Float64Array(cc.sizes.length);
  const sx = new Float64Array(cc.sizes.length);
  for (let i = 0; i < cc.ids.length; i++) {
    sy[cc.ids[i]!] += Math.floor(i / m.W) * m.dy;
    sx[cc.ids[i]!] += (i % m.W) * m.dx;
  }
  const largest = Math.max(0, ...cc.sizes.slice(1));
  let best = 0;
  let bestDist = Infinity;
  for (let k = 1; k < cc.sizes.length; k++) {
    if (cc.sizes[k]! < 0.3 * largest) continue;
    const d = near ? Math.hypot(sy[k]! / cc.sizes[k]! - near[0], sx[k]! / cc.sizes[k]! - near[1]) : -cc.sizes[k]!;
    if (d < bestDist) {
      best = k;
      bestDist = d;
    }
  }
  const mask = new Uint8Array(m.mask.length);
  for (let i = 0; i < mask.length; i++) mask[i] = cc.ids[i] === best && best ? 1 : 0;
  return { ...m, mask };
}

function moments(m: SliceMask, within?: { centre: Vec2; radius: number }) {
  const s = { n: 0, sy: 0, sx: 0, syy: 0, sxx: 0, sxy: 0 };
  for (let y = 0; y < m.H; y++)
    for (let x = 0; x < m.W; x++) {
      if (!m.mask[y * m.W + x]) continue;
      const Y = y * m.dy;
      const X = x * m.dx;
      if (within && Math.hypot(Y - within.centre[0], X - within.centre[1]) > within.radius) continue;
      s.n++;
      s.sy += Y;
      s.sx += X;
      s.syy += Y * Y;
      s.sxx += X * X;
      s.sxy += X * Y;
    }
  return s;
}

const toIndex = (m: SliceMask, p: Vec2): [number, number] => [p[0] / m.dy, p[1] / m.dx];
const at = (p: Vec2, d: Vec2, t: number): Vec2 => [p[0] + t * d[0], p[1] + t * d[1]];

/** Measures every disc and vertebra of a labelling (see docs/MEASUREMENTS.md for where each line is drawn). */
export function measureLevels(grid: LabelGrid, lab: LevelLabelling): LevelMeasurements {
  const [D, H, W] = grid.dims;
  const [dz, dy, dx] = grid.spacing;
  const reach = Math.hypot(H * dy, W * dx);
  const canal = lab.levels.find((l) => l.kind === 'canal');
  const canalSlice = canal ? Math.round(canal.centroidIndex[0]) : null;
  const canalMask = canalSlice === null ? null : sliceMask(grid, lab.codes, canalSlice, (c) => c === CANAL_CODE);
  // anterior: away from the canal; without a canal, the sagittal stack's convention (columns run anterior -> posterior)
  const structures = lab.levels.filter((l) => l.kind !== 'canal');
  let anteriorSign = -1;
  let anterior: LevelMeasurements['anterior'] = 'assumed-left';
  if (canal && structures.length) {
    const meanCol = structures.reduce((a, l) => a + l.centroidIndex[2] * l.voxels, 0) / structures.reduce((a, l) => a + l.voxels, 0);
    anteriorSign = canal.centroidIndex[2] > meanCol ? -1 : 1;
    anterior = anteriorSign < 0 ? 'left' : 'right';
  }
  const planeOf = new Map(lab.discPlanes.map((p) => [p.code, p]));
  const levels: LevelMeasurement[] = [];
  for (const l of structures) {
    const z = Math.min(D - 1, Math.max(0, Math.round(l.centroidIndex[0])));
    const all = sliceMask(grid, lab.codes, z, (c) => c === l.code);
    const k = l.code > 100 ? l.code - 100 : l.code;
    const adjacent = l.kind === 'vertebra' ? [planeOf.get(200 + k), planeOf.get(201 + k)].filter((p) => p !== undefined) : [];
    const near: Vec2 | null = adjacent.length ? [adjacent.reduce((a, p) => a + p!.centre[1], 0) / adjacent.length, adjacent.reduce((a, p) => a + p!.centre[2], 0) / adjacent.length] : null;
    const body = l.kind === 'vertebra' ? bodyPiece(all, near) : all;
    const mo = moments(body);
    const lines: MeasurementLine[] = [];
    const areaPx = moments(all).n;
    const out: LevelMeasurement = {
      code: l.code,
      shortName: l.shortName,
      kind: l.kind as 'vertebra' | 'disc',
      complete: l.complete,
      slice: z,
      heights: null,
      depth: null,
      midSagittalArea: areaPx * dy * dx,
      volume: D > 1 ? l.voxels * dz * dy * dx : null,
      canalDiameter: null,
      canalWidth: null,
      canalLateralWidth: null,
      lines,
    };
    levels.push(out);
    if (mo.n === 0) continue;
    const c: Vec2 = [mo.sy / mo.n, mo.sx / mo.n];
    // the structure's own axis: a disc's least spread; a vertebra's from the discs below and above it
    let n: Vec2 = minorAxis(mo);
    if (adjacent.length) {
      {
        const sum = adjacent.reduce<Vec2>((a, p) => [a[0] + p!.normal[0], a[1] + p!.normal[1]], [0, 0]);
        const len = Math.hypot(sum[0], sum[1]);
        n = [sum[0] / len, sum[1] / len];
      }
    }
    // u: front-to-back, pointing anteriorly
    let u: Vec2 = [n[1], -n[0]];
    if (u[1] * anteriorSign < 0) u = [-u[0], -u[1]];
    const line = (what: string, p: Vec2, d: Vec2, r: Run, m: SliceMask, slice: number) =>
      lines.push({ slice, what, from: toIndex(m, at(p, d, r.from)), to: toIndex(m, at(p, d, r.to)), length: r.length });
    // through the centroid when it lies inside the structure, else (a crescent) the structure's whole extent
    const through = runThrough(body, c, u, reach);
    const depthRun = through && through.from <= 0 && through.to >= 0 ? through : extentAlong(body, c, u);
    if (depthRun && l.complete) {
      out.depth = depthRun.length;
      line('depth', c, u, depthRun, body, z);
      const heights: Partial<Heights> = {};
      for (const [name, f] of Object.entries(HEIGHT_POSITIONS) as [keyof Heights, number][]) {
        const p = at(c, u, depthRun.from + f * (depthRun.to - depthRun.from));
        const r = longestRun(body, p, n, reach);
        if (!r) continue;
        heights[name] = r.length;
        line(`${name} height`, p, n, r, body, z);
      }
      if (heights.anterior !== undefined && heights.middle !== undefined && heights.posterior !== undefined) out.heights = heights as Heights;
    }
    // the canal along the level's front-to-back line, behind the structure
    if (canalMask && canalSlice !== null) {
      const runs = runsAlong(canalMask, c, u, reach).filter((r) => r.from < 0);
      const r = runs.length ? runs.reduce((a, b) => (b.to > a.to ? b : a)) : null;
      if (r) {
        out.canalDiameter = r.length;
        line('canal diameter', c, u, r, canalMask, canalSlice);
        const q = at(c, u, (r.from + r.to) / 2);
        const local = moments(canalMask, { centre: q, radius: CANAL_NEIGHBOURHOOD * r.length });
        if (local.n >= 3) {
          const across = minorAxis(local);
          const w = runThrough(canalMask, q, across, reach);
          if (w) {
            out.canalWidth = w.length;
            line('canal width', q, across, w, canalMask, canalSlice);
          }
        }
        if (D > 1) {
          const y = Math.round(q[0] / dy);
          const x = Math.round(q[1] / dx);
          if (y >= 0 && y < H && x >= 0 && x < W && lab.codes[(canalSlice * H + y) * W + x] === CANAL_CODE) {
            let lo = canalSlice;
            let hi = canalSlice;
            while (lo > 0 && lab.codes[((lo - 1) * H + y) * W + x] === CANAL_CODE) lo--;
            while (hi < D - 1 && lab.codes[((hi + 1) * H + y) * W + x] === CANAL_CODE) hi++;
            out.canalLateralWidth = (hi - lo + 1) * dz;
          }
        }
      }
    }
  }
  return { unit: grid.unit, anterior, canalSlice, levels };
}

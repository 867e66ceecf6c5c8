// Spine levels in the page: the same labelling, measurements and table rows as `spineseg predict --levels`
// (src/app/levels.ts, measurements.ts, levels-table.ts), for the segmentation on screen. A volume is labelled once in
// 3-D (lengths in mm); PNG slices one by one in 2-D, in pixels (they carry no spacing, as on the command line).
import { labelLevels, type LabelGrid, type LevelLabelling } from '../../src/app/levels.ts';
import { measureLevels, type LevelMeasurements } from '../../src/app/measurements.ts';
import { levelsReport, type LevelsReport } from '../../src/app/levels-table.ts';
import { labelPlacements, lineColour } from '../../src/app/levels-overlay.ts';
import { joinedLabels, joinedDisagreement, type Segmentation } from '../../src/app/segment.ts';

export interface PageLevels {
  grid: LabelGrid;
  labelling: LevelLabelling;
  measurements: LevelMeasurements;
  report: LevelsReport;
  /** the grid slice that slice `k` of the viewer is (volumes: k; PNG slices: 0 of their own grid) */
  gridSlice: (k: number) => number;
}

const cache = new WeakMap<Segmentation, Map<number, PageLevels>>();

/** The levels of the volume, or of PNG slice `sliceIndex`, computed once per segmentation. */
export function levelsFor(seg: Segmentation, sliceIndex: number): PageLevels {
  let bySlice = cache.get(seg);
  if (!bySlice) cache.set(seg, (bySlice = new Map()));
  const key = seg.input.kind === 'volume' ? -1 : sliceIndex;
  const hit = bySlice.get(key);
  if (hit) return hit;
  let grid: LabelGrid;
  // the members' disagreement, as the CLI's levels files get it: each level's agreement
  let contested: Uint8Array | null;
  if (seg.input.kind === 'volume') {
    const { width: w, height: h } = seg.input.slices[0]!;
    const { col, row, thickness } = seg.input.spacing!;
    grid = { labels: joinedLabels(seg), dims: [seg.labels.length, h, w], spacing: [thickness, row, col], unit: 'mm' };
    contested = joinedDisagreement(seg);
  } else {
    const s = seg.input.slices[sliceIndex]!;
    grid = { labels: seg.labels[sliceIndex]!, dims: [1, s.height, s.width], spacing: [1, 1, 1], unit: 'px' };
    contested = seg.contested?.[sliceIndex] ?? null;
  }
  const labelling = labelLevels(grid);
  const measurements = measureLevels(grid, labelling);
  const name = seg.input.kind === 'volume' ? seg.input.name : seg.input.slices[sliceIndex]!.name;
  const levels: PageLevels = { grid, labelling, measurements, report: levelsReport(name, labelling, measurements, undefined, contested), gridSlice: (k) => (seg.input.kind === 'volume' ? k : 0) };
  bySlice.set(key, levels);
  return levels;
}

const fmt = (v: number | null) => (v === null ? '–' : v.toFixed(1));

/** The levels table's body rows: level, code, complete, heights A/M/P, depth, canal diameter and width, area or volume, agreement. */
export function levelsTableRows(r: LevelsReport): string[][] {
  return r.levels
    .filter((l) => l.kind !== 'canal')
    .map((l) => [
      l.shortName,
      String(l.code),
      l.complete ? 'yes' : 'cut',
      l.anteriorHeight === null ? '–' : `${fmt(l.anteriorHeight)} / ${fmt(l.middleHeight)} / ${fmt(l.posteriorHeight)}`,
      fmt(l.depth),
      fmt(l.canalDiameter),
      fmt(l.canalWidth),
      r.unit === 'mm' ? fmt(l.volume) : fmt(l.midSagittalArea),
      l.agreement === null ? '–' : l.agreement.toFixed(3),
    ]);
}

/**
 * Draws the level names and measurement lines of grid slice `slice` on a transparent canvas laid over the overlay
 * (the overlay's own pixels stay the class colours), `scale` canvas pixels per image pixel along [row, column].
 */
export function drawLevels(canvas: HTMLCanvasElement, levels: PageLevels, slice: number, scale: [number, number]): void {
  const ctx = canvas.getContext('2d')!;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const [, H, W] = levels.grid.dims;
  const codes = levels.labelling.codes.subarray(slice * H * W, (slice + 1) * H * W);
  const present = new Set(codes);
  const X = (col: number) => (col + 0.5) * scale[1];
  const Y = (row: number) => (row + 0.5) * scale[0];
  ctx.lineWidth = 1.5;
  for (const m of levels.measurements.levels)
    for (const l of m.lines) {
      if (l.slice !== slice) continue;
      ctx.strokeStyle = lineColour(l.what);
      ctx.beginPath();
      ctx.moveTo(X(l.from[1]), Y(l.from[0]));
      ctx.lineTo(X(l.to[1]), Y(l.to[0]));
      ctx.stroke();
    }
  ctx.font = 'bold 13px sans-serif';
  ctx.textBaseline = 'middle';
  ctx.lineWidth = 3;
  for (const p of labelPlacements(levels.labelling, levels.measurements)) {
    const code = levels.labelling.levels.find((l) => l.shortName === p.text)?.code;
    if (code === undefined || !present.has(code)) continue;
    ctx.textAlign = p.align === 'middle' ? 'center' : p.align === 'end' ? 'right' : 'left';
    const wide = ctx.measureText(p.text).width;
    // a name in front of a disc stays inside the canvas
    const x = p.align === 'end' ? Math.max(wide + 2, X(p.at[1]) - 5) : p.align === 'start' ? Math.min(canvas.width - wide - 2, X(p.at[1]) + 5) : X(p.at[1]);
    ctx.strokeStyle = '#000';
    ctx.strokeText(p.text, x, Y(p.at[0]));
    ctx.fillStyle = '#fff';
    ctx.fillText(p.text, x, Y(p.at[0]));
  }
}

// The levels overlay: one slice with every level in its own colour, its name beside it and the measurement lines
// (docs/MEASUREMENTS.md), as RGB pixels (the page draws names and lines on a canvas) and as an SVG whose text and
// lines resvg rasterises (src/app/levels-files.ts). Pure (no Node).
import { parseLevelCode } from '../pipeline/level-codes.ts';
import { encodeRgbPng } from './overlay.ts';
import type { LevelLabelling } from './levels.ts';
import type { LevelMeasurements } from './measurements.ts';

/** Colour of a level code: vertebrae alternate two reds, discs two blues, partly visible vertebrae orange, canal green. */
export function levelColour(code: number): [number, number, number] {
  const p = parseLevelCode(code);
  if (!p) return [0, 0, 0];
  if (p.kind === 'canal') return [40, 210, 60];
  if (p.kind === 'disc') return p.number % 2 ? [50, 90, 255] : [60, 200, 255];
  if (p.partial) return [255, 150, 30];
  return p.number % 2 ? [230, 40, 40] : [200, 40, 160];
}

/** RGB [h*w*3] of a grey slice in [0,1] with level codes blended on top. */
export function levelsOverlayRgb(image: ArrayLike<number>, codes: ArrayLike<number>, width: number, height: number, alpha = 0.45): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  const cache = new Map<number, [number, number, number]>();
  for (let i = 0; i < width * height; i++) {
    const g = Math.max(0, Math.min(255, Math.round(image[i]! * 255)));
    const c = codes[i]!;
    if (!c) {
      out[3 * i] = out[3 * i + 1] = out[3 * i + 2] = g;
      continue;
    }
    let col = cache.get(c);
    if (!col) cache.set(c, (col = levelColour(c)));
    for (let k = 0; k < 3; k++) out[3 * i + k] = Math.round((1 - alpha) * g + alpha * col[k]!);
  }
  return out;
}

/** Colour of a measurement line by what it measures. */
export function lineColour(what: string): string {
  if (what.startsWith('canal')) return '#ffffff';
  if (what === 'depth') return '#00e5ff';
  return '#ffe000';
}

export interface LabelPlacement {
  text: string;
  /** continuous grid index (row, column) of the text's anchor on the slice */
  at: [number, number];
  /** which way the text runs from its anchor */
  align: 'start' | 'middle' | 'end';
}

/** Where each level's short name goes: inside a vertebral body, in front of a disc (discs are too thin to hold it). */
export function labelPlacements(lab: LevelLabelling, meas: LevelMeasurements): LabelPlacement[] {
  const anteriorLeft = meas.anterior !== 'right';
  const byCode = new Map(meas.levels.map((m) => [m.code, m]));
  const out: LabelPlacement[] = [];
  for (const l of lab.levels) {
    if (l.kind === 'canal') continue;
    const depth = byCode.get(l.code)?.lines.find((x) => x.what === 'depth');
    if (l.kind === 'vertebra' || !depth) out.push({ text: l.shortName, at: [l.centroidIndex[1], l.centroidIndex[2]], align: 'middle' });
    else {
      // the depth line's anterior end is the one further towards the anterior side
      const front = (depth.from[1] < depth.to[1]) === anteriorLeft ? depth.from : depth.to;
      out.push({ text: l.shortName, at: front, align: anteriorLeft ? 'end' : 'start' });
    }
  }
  return out;
}

/**
 * The overlay of one slice as SVG: the coloured slice (aspect kept from the pixel spacing [row, column]), the level
 * names and the measurement lines drawn on it (lines of `slice` only, or all when slice is null).
 */
export function levelsOverlaySvg(
  image: ArrayLike<number>,
  codes: ArrayLike<number>,
  width: number,
  height: number,
  spacing: [number, number],
  lab: LevelLabelling,
  meas: LevelMeasurements,
  slice: number | null,
  base64: (bytes: Uint8Array) => string,
  /** show only rows r0..r1 and columns c0..c1 (a close-up), enlarged to about 640 pixels */
  crop?: { rows: [number, number]; cols: [number, number] },
): string {
  const unit = Math.min(spacing[0], spacing[1]);
  const sy0 = spacing[0] / unit;
  const sx0 = spacing[1] / unit;
  const shownW = crop ? crop.cols[1] - crop.cols[0] : width;
  const shownH = crop ? crop.rows[1] - crop.rows[0] : height;
  const f = Math.max(1, 640 / Math.max(shownW * sx0, shownH * sy0));
  const sy = sy0 * f;
  const sx = sx0 * f;
  const W = Math.round(width * sx);
  const H = Math.round(height * sy);
  const X = (col: number) => ((col + 0.5) * sx).toFixed(1);
  const Y = (row: number) => ((row + 0.5) * sy).toFixed(1);
  const png = encodeRgbPng(levelsOverlayRgb(image, codes, width, height), width, height);
  const view = crop ? [crop.cols[0] * sx, crop.rows[0] * sy, shownW * sx, shownH * sy].map((v) => Math.round(v)) : [0, 0, W, H];
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${view[2]}" height="${view[3]}" viewBox="${view.join(' ')}">`,
    `<image x="0" y="0" width="${W}" height="${H}" preserveAspectRatio="none" image-rendering="optimizeSpeed" xlink:href="data:image/png;base64,${base64(png)}"/>`,
  ];
  for (const m of meas.levels)
    for (const l of m.lines) {
      if (slice !== null && l.slice !== slice && !(l.what.startsWith('canal') && l.slice === meas.canalSlice)) continue;
      parts.push(`<line x1="${X(l.from[1])}" y1="${Y(l.from[0])}" x2="${X(l.to[1])}" y2="${Y(l.to[0])}" stroke="${lineColour(l.what)}" stroke-width="1.5"/>`);
    }
  for (const p of labelPlacements(lab, meas)) {
    // keep a name in front of a disc inside the picture (about 9.5 pixels per bold character at 15 px)
    const wide = 9.5 * p.text.length;
    const at = Number(X(p.at[1]));
    const xAt = p.align === 'end' ? Math.max(view[0] + wide + 2, at - 6) : p.align === 'start' ? Math.min(view[0] + view[2] - wide - 2, at + 6) : at;
    parts.push(
      `<text x="${xAt.toFixed(1)}" y="${Y(p.at[0])}" dy="0.35em" text-anchor="${p.align}" font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif" font-size="15" font-weight="bold" fill="#ffffff" stroke="#000000" stroke-width="3" paint-order="stroke">${p.text}</text>`,
    );
  }
  // legend: what each line colour measures
  const legend = [['#ffe000', 'heights'], ['#00e5ff', 'depth'], ['#ffffff', 'canal']] as const;
  legend.forEach(([colour, text], k) => {
    const x = view[0] + 8;
    const y = view[1] + 14 + 16 * k;
    parts.push(`<line x1="${x}" y1="${y}" x2="${x + 18}" y2="${y}" stroke="${colour}" stroke-width="2"/>`);
    parts.push(`<text x="${x + 24}" y="${y}" dy="0.35em" font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif" font-size="12" fill="#ffffff" stroke="#000000" stroke-width="2" paint-order="stroke">${text}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

// `spineseg predict --levels` on files (Node): for one input, the level label map (SPIDER codes, the input's format
// and geometry) in <output>/levels/ under the input's own file name (so it compares with a folder of SPIDER masks
// by name, and `evaluate --pred <output>` still sees only 3-class maps), <stem>.levels.json and <stem>.levels.csv
// beside the 3-class map, and <output>/overlays/<stem>_levels.png (level names and measurement lines, by resvg).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../model/checkpoint.ts';
import { labelLevels, type LabelGrid, type LevelLabelling } from './levels.ts';
import { measureLevels, type LevelMeasurements } from './measurements.ts';
import { levelsCsv, levelsReport, type LevelsReport } from './levels-table.ts';
import { levelsOverlaySvg } from './levels-overlay.ts';

export const LEVELS_DIR = 'levels';

export interface LevelsForInput {
  output: string;
  /** the input's file name (the level map gets the same name) and its name without extension */
  file: string;
  stem: string;
  grid: LabelGrid;
  /** grey image in [0,1] of each slice of the grid, for the overlay */
  images: ArrayLike<number>[];
  /** writes the code map (the grid's layout) to `path` in the input's format and geometry */
  writeCodes: (codes: Uint8Array, path: string) => Promise<void>;
  /** continuous grid index [slice, row, column] -> the centroid the files give (physical mm for volumes) */
  centroidOf?: (index: [number, number, number]) => number[];
  /** the members' disagreement in the grid's layout (src/app/segment.ts joinedDisagreement): each level's agreement */
  contested?: Uint8Array | null;
}

export interface LevelsWritten {
  report: LevelsReport;
  labelling: LevelLabelling;
  measurements: LevelMeasurements;
  files: string[];
}

/** Renders an SVG to PNG bytes with resvg (system fonts for the level names). */
export async function svgToPng(svg: string): Promise<Uint8Array> {
  const { Resvg } = await import('@resvg/resvg-js');
  return new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng();
}

/** Labels, measures and writes the levels of one input. */
export async function writeLevels(o: LevelsForInput): Promise<LevelsWritten> {
  const labelling = labelLevels(o.grid);
  const measurements = measureLevels(o.grid, labelling);
  const report = levelsReport(o.file, labelling, measurements, o.centroidOf, o.contested);
  const dir = join(o.output, LEVELS_DIR);
  const map = join(dir, o.file);
  const json = join(o.output, `${o.stem}.levels.json`);
  const csv = join(o.output, `${o.stem}.levels.csv`);
  const overlay = join(o.output, 'overlays', `${o.stem}_levels.png`);
  mkdirSync(dir, { recursive: true });
  await o.writeCodes(labelling.codes, map);
  writeFileAtomic(json, JSON.stringify(report, null, 1) + '\n');
  writeFileAtomic(csv, levelsCsv(report));
  const [D, H, W] = o.grid.dims;
  const slice = measurements.canalSlice ?? Math.floor(D / 2);
  const svg = levelsOverlaySvg(o.images[slice]!, labelling.codes.subarray(slice * H * W, (slice + 1) * H * W), W, H, [o.grid.spacing[1], o.grid.spacing[2]], labelling, measurements, D > 1 ? slice : null, (b) => Buffer.from(b).toString('base64'));
  writeFileAtomic(overlay, await svgToPng(svg));
  return { report, labelling, measurements, files: [map, json, csv, overlay] };
}

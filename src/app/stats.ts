// Per-input, per-class statistics of a label map (predict --stats, the page's statistics CSV): voxel count, the
// volume in mm³ (area in mm² for a 2-D input with a known spacing), the slices where the class is present (indices
// along the input's own array axis 2, 0-based, as ranges), and the model and post-processing that made it.
import { formatCsv } from '../pipeline/csv.ts';
import type { SliceConfidence } from '../model/predict.ts';

export interface ClassStats {
  class: number;
  name: string;
  voxels: number;
  /** mm³ for volumes, mm² for 2-D inputs with a spacing; null without a spacing (PNG slices) */
  measure: number | null;
  unit: 'mm3' | 'mm2' | null;
  /** e.g. "0-4 7 9-12"; '' when absent */
  slices: string;
}

export interface InputStats {
  input: string;
  output: string;
  classes: ClassStats[];
  /** per segmented slice (sagittal slices of a volume, in the model's order): the members' agreement (src/app/confidence.ts) */
  confidence?: readonly SliceConfidence[];
}

export const STATS_CLASS_NAMES = ['background', 'vertebrae', 'spinal canal', 'intervertebral discs'];

function ranges(indices: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < indices.length; ) {
    let j = i;
    while (j + 1 < indices.length && indices[j + 1] === indices[j]! + 1) j++;
    parts.push(i === j ? `${indices[i]}` : `${indices[i]}-${indices[j]}`);
    i = j + 1;
  }
  return parts.join(' ');
}

/**
 * Statistics of a label map of `size` (x fastest); `spacing` null when the input has none. A 2-D input (size[2] = 1)
 * reports an area, a volume input a volume.
 */
export function labelStats(labels: ArrayLike<number>, size: readonly number[], spacing: readonly number[] | null, classes = STATS_CLASS_NAMES.length): ClassStats[] {
  const plane = size[0]! * size[1]!;
  const n = size[2] ?? 1;
  const counts = new Array<number>(classes).fill(0);
  const present = Array.from({ length: classes }, () => new Uint8Array(n));
  for (let k = 0; k < n; k++) {
    const base = k * plane;
    for (let i = 0; i < plane; i++) {
      const c = labels[base + i]!;
      counts[c]!++;
      present[c]![k] = 1;
    }
  }
  const twoD = n === 1;
  const unitSize = spacing === null ? null : twoD ? spacing[0]! * spacing[1]! : spacing[0]! * spacing[1]! * spacing[2]!;
  return counts.map((voxels, c) => ({
    class: c,
    name: STATS_CLASS_NAMES[c] ?? `class ${c}`,
    voxels,
    measure: unitSize === null ? null : voxels * unitSize,
    unit: unitSize === null ? null : twoD ? 'mm2' : 'mm3',
    slices: ranges([...present[c]!].flatMap((p, k) => (p ? [k] : []))),
  }));
}

export const STATS_COLUMNS = ['input', 'output', 'class', 'name', 'voxels', 'volume_mm3', 'area_mm2', 'slices', 'agreement', 'low_confidence_slices', 'model', 'postprocess', 'tta'] as const;

export interface StatsContext {
  model: string;
  postprocess: string;
  /** the test-time augmentation used ('none' when absent) */
  tta?: string;
  /** the checkpoint's confidence threshold (null: it records none, so nothing is flagged) */
  threshold?: number | null;
}

/**
 * Confidence columns of one class: the mean agreement over the slices where any member labels it ('' when none
 * does), and the 0-based segmented slices whose agreement for the class is below the threshold.
 */
function confidenceOf(conf: readonly SliceConfidence[] | undefined, c: number, threshold: number | null | undefined): { agreement: number | ''; low: string } {
  if (!conf || conf.length === 0) return { agreement: '', low: '' };
  const present = conf.map((s, k) => [s, k] as const).filter(([s]) => s.pixels[c]! > 0 || s.agreement[c]! < 1);
  const agreement = present.length ? +(present.reduce((a, [s]) => a + s.agreement[c]!, 0) / present.length).toFixed(4) : '';
  const low = threshold === null || threshold === undefined ? '' : ranges(conf.flatMap((s, k) => (s.agreement[c]! < threshold ? [k] : [])));
  return { agreement, low };
}

function statsRows(all: readonly InputStats[], ctx: StatsContext): Array<Record<(typeof STATS_COLUMNS)[number], string | number>> {
  return all.flatMap((s) =>
    s.classes.map((c) => {
      const k = confidenceOf(s.confidence, c.class, ctx.threshold);
      return {
        input: s.input,
        output: s.output,
        class: c.class,
        name: c.name,
        voxels: c.voxels,
        volume_mm3: c.unit === 'mm3' ? +c.measure!.toFixed(3) : '',
        area_mm2: c.unit === 'mm2' ? +c.measure!.toFixed(3) : '',
        slices: c.slices,
        agreement: k.agreement,
        low_confidence_slices: k.low,
        model: ctx.model,
        postprocess: ctx.postprocess,
        tta: ctx.tta ?? 'none',
      };
    }),
  );
}

/** The statistics as CSV (one row per input and class) or JSON (the same rows), chosen by the file's extension. */
export function formatStats(file: string, all: readonly InputStats[], ctx: StatsContext): string {
  const rows = statsRows(all, ctx);
  if (/\.json$/i.test(file)) return JSON.stringify(rows, null, 1) + '\n';
  if (/\.csv$/i.test(file)) return formatCsv(STATS_COLUMNS, rows);
  throw new Error(`--stats ${file}: the extension must be .json or .csv`);
}

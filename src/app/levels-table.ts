// One row per level (name, code, centroid, volume, completeness and the measurements), as the levels files, the
// summary `spineseg predict --levels` prints and the page's table all show it. Pure (no Node).
import type { LevelLabelling } from './levels.ts';
import type { LevelMeasurements } from './measurements.ts';

export interface LevelRow {
  name: string;
  shortName: string;
  code: number;
  kind: 'vertebra' | 'disc' | 'canal';
  complete: boolean;
  /** physical (LPS, mm) for volumes; [column, row] pixels for a slice */
  centroid: number[];
  voxels: number;
  /** mm³ over the volume; null for a single slice */
  volume: number | null;
  midSagittalArea: number | null;
  anteriorHeight: number | null;
  middleHeight: number | null;
  posteriorHeight: number | null;
  depth: number | null;
  canalDiameter: number | null;
  canalWidth: number | null;
  canalLateralWidth: number | null;
  /**
   * the confidence signal per level: the fraction of the level's voxels on which every member of the prediction
   * (ensemble networks x test-time views) voted the same class; 1 for a single network without TTA, null when the
   * prediction recorded no votes
   */
  agreement: number | null;
}

export interface LevelsReport {
  input: string;
  /** unit of every length ('mm' or 'px'); areas are unit², volumes mm³ */
  unit: 'mm' | 'px';
  /** which image side is anterior: 'left' or 'right' from the canal, 'assumed-left' when there is no canal */
  anterior: LevelMeasurements['anterior'];
  vertebraCount: number;
  flags: LevelLabelling['flags'];
  dropped: LevelLabelling['dropped'];
  levels: LevelRow[];
}

/**
 * The report of one input. `centroidOf` maps a continuous grid index [slice, row, column] to the centroid the files
 * give (physical mm for volumes); without it, [column, row] pixels.
 */
/**
 * Per level code: the fraction of its voxels on which the members of the prediction agreed (`contested` 0), laid out
 * like the labelling's codes.
 */
export function levelAgreement(lab: LevelLabelling, contested: Uint8Array): Map<number, number> {
  if (contested.length !== lab.codes.length) throw new Error(`levelAgreement: ${contested.length} agreement values for ${lab.codes.length} voxels`);
  const total = new Float64Array(256);
  const disputed = new Float64Array(256);
  for (let i = 0; i < lab.codes.length; i++) {
    const code = lab.codes[i]!;
    if (code === 0) continue;
    total[code]++;
    if (contested[i]) disputed[code]++;
  }
  return new Map(lab.levels.map((l) => [l.code, total[l.code] ? 1 - disputed[l.code]! / total[l.code]! : 1]));
}

export function levelsReport(input: string, lab: LevelLabelling, meas: LevelMeasurements, centroidOf?: (index: [number, number, number]) => number[], contested?: Uint8Array | null): LevelsReport {
  const byCode = new Map(meas.levels.map((m) => [m.code, m]));
  const agreement = contested ? levelAgreement(lab, contested) : null;
  const levels = lab.levels.map((l): LevelRow => {
    const m = byCode.get(l.code);
    return {
      name: l.name,
      shortName: l.shortName,
      code: l.code,
      kind: l.kind,
      complete: l.complete,
      centroid: centroidOf ? centroidOf(l.centroidIndex) : [l.centroidIndex[2], l.centroidIndex[1]],
      voxels: l.voxels,
      volume: l.kind === 'canal' ? null : (m?.volume ?? null),
      midSagittalArea: m?.midSagittalArea ?? null,
      anteriorHeight: m?.heights?.anterior ?? null,
      middleHeight: m?.heights?.middle ?? null,
      posteriorHeight: m?.heights?.posterior ?? null,
      depth: m?.depth ?? null,
      canalDiameter: m?.canalDiameter ?? null,
      canalWidth: m?.canalWidth ?? null,
      canalLateralWidth: m?.canalLateralWidth ?? null,
      agreement: agreement?.get(l.code) ?? null,
    };
  });
  return { input, unit: meas.unit, anterior: meas.anterior, vertebraCount: lab.vertebraCount, flags: lab.flags, dropped: lab.dropped, levels };
}

const num = (v: number | null, digits = 2) => (v === null ? '' : Number(v.toFixed(digits)).toString());

/** CSV of a report: one line per level, the unit in each header that has one. */
export function levelsCsv(r: LevelsReport): string {
  const u = r.unit;
  const centroid = u === 'mm' ? ['centroid_x_mm', 'centroid_y_mm', 'centroid_z_mm'] : ['centroid_column_px', 'centroid_row_px'];
  const header = ['name', 'code', 'kind', 'complete', ...centroid, 'voxels', 'volume_mm3', `mid_sagittal_area_${u}2`, `anterior_height_${u}`, `middle_height_${u}`, `posterior_height_${u}`, `depth_${u}`, `canal_diameter_${u}`, `canal_width_${u}`, `canal_lateral_width_${u}`, 'agreement'];
  const lines = r.levels.map((l) =>
    [l.name, l.code, l.kind, l.complete, ...l.centroid.map((c) => num(c)), l.voxels, num(l.volume, 1), num(l.midSagittalArea, 1), num(l.anteriorHeight), num(l.middleHeight), num(l.posteriorHeight), num(l.depth), num(l.canalDiameter), num(l.canalWidth), num(l.canalLateralWidth), num(l.agreement, 4)].join(','),
  );
  return [header.join(','), ...lines].join('\n') + '\n';
}

/** A short fixed-width table of a report (the summary `spineseg predict --levels` prints), flags last. */
export function levelsSummary(r: LevelsReport): string {
  const u = r.unit;
  const rows = r.levels.filter((l) => l.kind !== 'canal');
  const head = ['level', 'code', 'height A/M/P', 'depth', 'canal AP', 'canal width', 'agreement'];
  const body = rows.map((l) => [
    l.shortName + (l.complete ? '' : ' (cut)'),
    String(l.code),
    l.anteriorHeight === null ? '-' : `${num(l.anteriorHeight, 1)}/${num(l.middleHeight, 1)}/${num(l.posteriorHeight, 1)}`,
    num(l.depth, 1) || '-',
    num(l.canalDiameter, 1) || '-',
    num(l.canalWidth, 1) || '-',
    l.agreement === null ? '-' : l.agreement.toFixed(3),
  ]);
  const widths = head.map((h, k) => Math.max(h.length, ...body.map((b) => b[k]!.length)));
  const fmt = (cells: string[]) => cells.map((c, k) => c.padEnd(widths[k]!)).join('  ').trimEnd();
  const lines = [`${r.input}: ${rows.length ? `${r.vertebraCount} complete vertebrae, lengths in ${u}` : 'no levels'}`, ...(rows.length ? [fmt(head), ...body.map(fmt)] : [])];
  for (const f of r.flags) lines.push(`  flag ${f.kind}: ${f.message}`);
  return lines.join('\n');
}

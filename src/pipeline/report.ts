/** report.json + report.md for `spineseg prepare`: what went in, what came out, what was changed and dropped. */
import { CLASS_NAMES } from './labels.ts';
import type { AptaAgreement } from './apta.ts';
import {
  foregroundFractionSpread,
  formatTable1,
  imbalanceUnit,
  minorityPercent,
  paperImbalanceRatio,
  type FilterTally,
  type ImbalanceRule,
  type Table1Row,
} from './filter.ts';

export interface ReorientedFile {
  file: string;
  acquisitionPlane: string;
  permutation: number[];
  flips: boolean[];
  description: string;
}

export interface DroppedSlice {
  file: string;
  sagittalIndex: number;
  step: 1 | 2;
  reason: string;
}

export interface SequenceSummary {
  sequence: string;
  slices: number;
  afterStep1: number;
  afterStep2: number;
  classCountsBefore: Record<string, number>;
  classCountsAfter: Record<string, number>;
  imbalanceBefore: { paperRatio: number; foregroundSpreadPercent: number; minorityPercent: number };
  imbalanceAfter: { paperRatio: number; foregroundSpreadPercent: number; minorityPercent: number };
}

export interface PrepareReport {
  input: string;
  out: string;
  mode: 'volumes' | 'png';
  size: { width: number; height: number };
  settings: { imbalanceRule: ImbalanceRule; imbalanceThreshold: number; apta: boolean; unknownLabels: string };
  inputPairs: number;
  slices: { total: number; kept: number; droppedStep1: number; droppedStep2: number };
  table1: Table1Row[];
  perSequence: SequenceSummary[];
  reoriented: ReorientedFile[];
  dropped: DroppedSlice[];
  apta: AptaAgreement | null;
  warnings: string[];
  seconds: number;
}

function named(counts: readonly number[]): Record<string, number> {
  return Object.fromEntries(counts.map((c, i) => [CLASS_NAMES[i] ?? `class${i}`, c]));
}

function measures(counts: readonly number[]) {
  return { paperRatio: paperImbalanceRatio(counts), foregroundSpreadPercent: foregroundFractionSpread(counts), minorityPercent: minorityPercent(counts) };
}

export function summariseSequences(tally: FilterTally): SequenceSummary[] {
  return tally.sequences().map((t) => ({
    sequence: t.sequence,
    slices: t.slices,
    afterStep1: t.afterStep1,
    afterStep2: t.afterStep2,
    classCountsBefore: named(t.countsBefore),
    classCountsAfter: named(t.countsAfter),
    imbalanceBefore: measures(t.countsBefore),
    imbalanceAfter: measures(t.countsAfter),
  }));
}

const f2 = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '-');

/** The human-readable report. */
export function formatPrepareReport(r: PrepareReport): string {
  const lines: string[] = [];
  lines.push('# spineseg prepare report', '');
  lines.push(`- input: \`${r.input}\` (${r.mode}, ${r.inputPairs} image/mask pairs)`);
  lines.push(`- output: \`${r.out}\`, slices ${r.size.width} wide x ${r.size.height} high`);
  lines.push(`- imbalance rule: ${r.settings.imbalanceRule}, threshold ${r.settings.imbalanceThreshold}${imbalanceUnit(r.settings.imbalanceRule)}; APTA: ${r.settings.apta ? 'on' : 'off'}; unknown labels: ${r.settings.unknownLabels}`);
  lines.push(`- slices: ${r.slices.total} extracted, ${r.slices.droppedStep1} dropped by step 1 (< 4 classes), ${r.slices.droppedStep2} by step 2 (imbalance), ${r.slices.kept} kept`);
  lines.push(`- time: ${r.seconds.toFixed(1)} s`, '');
  lines.push('## Table 1', '', formatTable1(r.table1, r.settings.imbalanceRule), '');
  lines.push('## Class pixels and imbalance per sequence', '');
  lines.push('| Sequence | Slices | After step 1 | After step 2 | background | vertebra | canal | disc | paper ratio before/after | fg spread % before/after | minority % before/after |');
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const s of r.perSequence) {
    const c = s.classCountsAfter;
    lines.push(
      `| ${s.sequence} | ${s.slices} | ${s.afterStep1} | ${s.afterStep2} | ${c.background} | ${c.vertebra} | ${c.canal} | ${c.disc} | ${f2(s.imbalanceBefore.paperRatio)} / ${f2(s.imbalanceAfter.paperRatio)} | ${f2(s.imbalanceBefore.foregroundSpreadPercent)} / ${f2(s.imbalanceAfter.foregroundSpreadPercent)} | ${f2(s.imbalanceBefore.minorityPercent)} / ${f2(s.imbalanceAfter.minorityPercent)} |`,
    );
  }
  lines.push('', 'Class pixel counts are those of the kept slices.', '');
  lines.push('## Reoriented files', '');
  if (r.reoriented.length === 0) lines.push('None: every volume was already in the sagittal layout (rows superior->inferior, columns anterior->posterior).');
  for (const f of r.reoriented) lines.push(`- \`${f.file}\`: ${f.description}`);
  lines.push('');
  if (r.apta) {
    lines.push('## APTA agreement with the exact label mapping', '');
    lines.push(`Overall pixel agreement: ${(100 * r.apta.overall).toFixed(2)}% of ${r.apta.pixels} pixels.`, '');
    lines.push('| Class | exact pixels | APTA pixels | both | recall | precision |', '|---|---|---|---|---|---|');
    for (const c of r.apta.perClass) {
      lines.push(`| ${CLASS_NAMES[c.class]} | ${c.exactPixels} | ${c.aptaPixels} | ${c.bothPixels} | ${f2(100 * c.recall)}% | ${f2(100 * c.precision)}% |`);
    }
    lines.push('');
  }
  lines.push('## Dropped slices', '');
  const byReason = new Map<string, number>();
  for (const d of r.dropped) {
    const key = `step ${d.step}: ${d.step === 1 ? d.reason : d.reason.replace(/ [\d.]+(x|%)? ([<>])/, ' $2')}`;
    byReason.set(key, (byReason.get(key) ?? 0) + 1);
  }
  for (const [reason, n] of byReason) lines.push(`- ${n} x ${reason}`);
  if (r.dropped.length > 0) lines.push('', `Every dropped slice, with its value, is listed in report.json.`);
  else lines.push('None.');
  if (r.warnings.length > 0) lines.push('', '## Warnings', '', ...r.warnings.map((w) => `- ${w}`));
  return lines.join('\n') + '\n';
}

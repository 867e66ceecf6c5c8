// `spineseg collect OUTDIR`: after (or while) the shards of a cohort run, one table of every study of
// cohort.json with its status (done, failed, incomplete, missing) and per-class totals, the merged per-study
// statistics and level tables, the failures of all shards, and a summary naming every study not done.
import fs from 'node:fs';
import path from 'node:path';
import { parseCsv, formatCsv, type CsvTable } from '../pipeline/csv.ts';
import { writeFileAtomic } from '../model/checkpoint.ts';
import { partialDir, readCohortList, readDone, studyDir } from './cohort.ts';

export type StudyStatus = 'done' | 'failed' | 'incomplete' | 'missing';

export interface CollectedStudy {
  id: string;
  input: string;
  output: string;
  status: StudyStatus;
  /** why it is not done */
  reason: string;
  /** the shard whose failures.csv lists it */
  shard: string;
  finished: string;
  files: number;
  /** per class name: pixel/voxel count and volume in mm³ (null where a file has no spacing) summed over the study's files */
  totals: Map<string, { count: number; mm3: number | null }>;
}

export interface CollectResult {
  studies: CollectedStudy[];
  counts: Record<StudyStatus, number>;
  /** files written */
  written: string[];
}

function readTable(file: string): CsvTable | null {
  return fs.existsSync(file) ? parseCsv(fs.readFileSync(file, 'utf8'), file) : null;
}

/** The newest reason each study failed for, over every shard's failures.csv (shard counts may have changed between runs). */
function shardFailures(out: string): Map<string, { reason: string; shard: string; time: number }> {
  const failures = new Map<string, { reason: string; shard: string; time: number }>();
  const root = path.join(out, 'shards');
  if (!fs.existsSync(root)) return failures;
  for (const shard of fs.readdirSync(root).sort()) {
    const file = path.join(root, shard, 'failures.csv');
    const table = readTable(file);
    if (!table) continue;
    const time = fs.statSync(file).mtimeMs;
    for (const row of table.rows) {
      const seen = failures.get(row.study!);
      if (!seen || seen.time < time) failures.set(row.study!, { reason: row.reason ?? '', shard, time });
    }
  }
  return failures;
}

/** Why a done study's folder does not hold what its done.json lists, or null. */
function damaged(dir: string, outputs: ReadonlyArray<{ file: string; bytes: number }>): string | null {
  for (const f of outputs) {
    const p = path.join(dir, f.file);
    if (!fs.existsSync(p)) return `${p}: listed in done.json but missing`;
    if (fs.statSync(p).size !== f.bytes) return `${p}: ${fs.statSync(p).size} bytes, done.json says ${f.bytes}`;
  }
  return null;
}

/** Level tables another step wrote beside the label maps (levels.csv, <name>.levels.csv, ...). */
function levelTables(dir: string): string[] {
  return fs.readdirSync(dir).filter((f) => /levels[^/]*\.csv$/i.test(f)).sort();
}

/** Rows of many tables as one: a `study` column first, then the union of their columns in first-seen order. */
function mergeTables(parts: Array<{ study: string; source: string; table: CsvTable }>, withSource: boolean): string {
  const header = ['study', ...(withSource ? ['source'] : [])];
  for (const p of parts) for (const h of p.table.header) if (!header.includes(h)) header.push(h);
  const rows = parts.flatMap((p) => p.table.rows.map((r) => ({ ...r, study: p.study, ...(withSource ? { source: p.source } : {}) })));
  return formatCsv(header, rows);
}

const num = (v: number | null) => (v === null ? '' : Number.isInteger(v) ? String(v) : v.toFixed(3));

export function collectCohort(out: string): CollectResult {
  const list = readCohortList(out);
  const failures = shardFailures(out);
  const stats: Array<{ study: string; source: string; table: CsvTable }> = [];
  const levels: Array<{ study: string; source: string; table: CsvTable }> = [];
  const classes: string[] = [];
  const studies = list.studies.map((s): CollectedStudy => {
    const dir = studyDir(out, s);
    const c: CollectedStudy = { id: s.id, input: s.input, output: s.output, status: 'missing', reason: '', shard: '', finished: '', files: 0, totals: new Map() };
    const done = readDone(dir);
    const broken = done && damaged(dir, done.outputs);
    if (done && !broken) {
      c.status = 'done';
      c.finished = done.finished;
      c.files = done.inputs.length;
      const table = readTable(path.join(dir, 'stats.csv'));
      if (table) {
        stats.push({ study: s.id, source: 'stats.csv', table });
        for (const r of table.rows) {
          const name = r.class!;
          if (!classes.includes(name)) classes.push(name);
          const t = c.totals.get(name) ?? { count: 0, mm3: 0 };
          t.count += Number(r.count);
          t.mm3 = t.mm3 === null || r.volume_mm3 === '' || r.volume_mm3 === undefined ? null : t.mm3 + Number(r.volume_mm3);
          c.totals.set(name, t);
        }
      }
      for (const f of levelTables(dir)) levels.push({ study: s.id, source: f, table: parseCsv(fs.readFileSync(path.join(dir, f), 'utf8'), path.join(dir, f)) });
      return c;
    }
    const failed = failures.get(s.id);
    const partial = fs.existsSync(partialDir(out, s)) && fs.readdirSync(partialDir(out, s)).length > 0;
    if (broken) Object.assign(c, { status: 'incomplete', reason: broken });
    else if (failed) Object.assign(c, { status: 'failed', reason: failed.reason, shard: failed.shard });
    else if (partial) Object.assign(c, { status: 'incomplete', reason: `started but not finished (${path.relative(out, partialDir(out, s))} holds a killed or running process's work)` });
    else c.reason = 'no shard has predicted it yet';
    return c;
  });

  const written: string[] = [];
  const write = (name: string, text: string) => {
    writeFileAtomic(path.join(out, name), text);
    written.push(path.join(out, name));
  };
  const header = ['study', 'status', 'output', 'files', ...classes.flatMap((k) => [`${k} count`, `${k} mm3`]), 'finished', 'reason'];
  write('cohort.csv', formatCsv(header, studies.map((c) => ({
    study: c.id, status: c.status, output: path.join('studies', c.output), files: c.status === 'done' ? c.files : '', finished: c.finished, reason: c.reason,
    ...Object.fromEntries(classes.flatMap((k) => [[`${k} count`, c.totals.has(k) ? c.totals.get(k)!.count : ''], [`${k} mm3`, c.totals.has(k) ? num(c.totals.get(k)!.mm3) : '']])),
  }))));
  write('stats.csv', mergeTables(stats, false));
  if (levels.length) write('levels.csv', mergeTables(levels, true));
  else fs.rmSync(path.join(out, 'levels.csv'), { force: true }); // none now: an older merge would mislead
  write('failures.csv', formatCsv(['study', 'input', 'reason', 'shard'], studies.filter((c) => c.status === 'failed').map((c) => ({ study: c.id, input: c.input, reason: c.reason, shard: c.shard }))));
  const counts: Record<StudyStatus, number> = { done: 0, failed: 0, incomplete: 0, missing: 0 };
  for (const c of studies) counts[c.status]++;
  write('summary.md', summaryMarkdown(out, studies, classes, counts, levels.length > 0));
  return { studies, counts, written };
}

function summaryMarkdown(out: string, studies: readonly CollectedStudy[], classes: readonly string[], counts: Record<StudyStatus, number>, hasLevels: boolean): string {
  const done = studies.filter((c) => c.status === 'done');
  const lines = [
    `# Cohort ${path.basename(path.resolve(out))}`,
    '',
    `${studies.length} studies: ${counts.done} done, ${counts.failed} failed, ${counts.incomplete} incomplete, ${counts.missing} missing.`,
    '',
    'Files: `cohort.csv` (one row per study: status, per-class totals), `stats.csv` (per study, file and class),',
    `\`failures.csv\`${hasLevels ? ', `levels.csv` (the studies\' level tables)' : ''}.`,
    '',
  ];
  if (done.length && classes.length) {
    lines.push(`## Per class over the ${done.length} done studies`, '', '| class | mean count | mean mm³ | studies with mm³ |', '|---|---|---|---|');
    for (const k of classes) {
      const perStudy = done.map((c) => c.totals.get(k)?.count ?? 0);
      const mm3 = done.map((c) => c.totals.get(k)?.mm3).filter((v): v is number => typeof v === 'number');
      const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
      lines.push(`| ${k} | ${mean(perStudy).toFixed(1)} | ${mm3.length ? mean(mm3).toFixed(1) : 'n/a'} | ${mm3.length} |`);
    }
    lines.push('');
  }
  for (const status of ['failed', 'incomplete', 'missing'] as const) {
    const these = studies.filter((c) => c.status === status);
    if (!these.length) continue;
    lines.push(`## ${status[0]!.toUpperCase()}${status.slice(1)} (${these.length})`, '');
    for (const c of these) lines.push(`- \`${c.id}\` (${c.input})${c.shard ? ` in shard ${c.shard}` : ''}: ${c.reason}`);
    lines.push('');
  }
  if (counts.done === studies.length) lines.push('Every study is done.', '');
  return lines.join('\n');
}

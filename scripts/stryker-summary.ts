// Per-file and per-folder mutation scores from Stryker reports (the incremental file or reports/mutation/*.json),
// as the tables of docs/MUTATION.md: lines, killed, timeout, survived, no coverage, compile errors, score
// = (killed + timeout) / (killed + timeout + survived + no coverage). `--survivors` lists every surviving and
// uncovered mutant with its line and replacement. Usage:
//   npx tsx scripts/stryker-summary.ts REPORT.json [...] [--survivors] [--range=FILE:FIRST-LAST ...]
// --range counts a file measured on a line range (as in the mutate list) by that range's lines.
import fs from 'node:fs';

interface Mutant {
  status: string;
  mutatorName: string;
  replacement?: string;
  location: { start: { line: number; column: number } };
}

const args = process.argv.slice(2);
const survivors = args.includes('--survivors');
const files = new Map<string, Mutant[]>();
for (const f of args.filter((a) => !a.startsWith('--'))) {
  const r = JSON.parse(fs.readFileSync(f, 'utf8')) as { files: Record<string, { mutants: Mutant[] }> };
  for (const [name, v] of Object.entries(r.files)) files.set(name, v.mutants);
}

const count = (ms: Mutant[], s: string) => ms.filter((m) => m.status === s).length;
const ranges = new Map(args.filter((a) => a.startsWith('--range=')).map((a) => {
  const [file, span] = a.slice('--range='.length).split(':') as [string, string];
  const [first, last] = span.split('-').map(Number) as [number, number];
  return [file, last - first + 1];
}));
const wholeLines = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').length - 1 : 0);
const lines = (file: string) => ranges.get(file) ?? wholeLines(file);
const row = (label: string, ms: Mutant[], n: number) => {
  const [k, t, s, nc, ce] = ['Killed', 'Timeout', 'Survived', 'NoCoverage', 'CompileError'].map((x) => count(ms, x));
  const score = (100 * (k! + t!)) / (k! + t! + s! + nc!);
  return `| ${label} | ${n} | ${k} | ${t} | ${s} | ${nc} | ${ce} | ${score.toFixed(1)} % |`;
};
console.log('| file | lines | killed | timeout | survived | no coverage | compile errors | score |\n|---|---|---|---|---|---|---|---|');
const folders = new Map<string, { ms: Mutant[]; n: number; names: string[] }>();
for (const [name, ms] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
  console.log(row(ranges.has(name) ? `${name} (lines measured: ${lines(name)})` : name, ms, lines(name)));
  const folder = name.slice(0, name.lastIndexOf('/'));
  const f = folders.get(folder) ?? { ms: [], n: 0, names: [] };
  f.ms.push(...ms);
  f.n += lines(name);
  f.names.push(name);
  folders.set(folder, f);
}
for (const [folder, f] of folders) {
  const all = fs.readdirSync(folder).filter((x) => x.endsWith('.ts'));
  const total = all.reduce((n, x) => n + wholeLines(`${folder}/${x}`), 0);
  console.log(row(`**${folder}** (${f.names.length} of ${all.length} files, ${f.n} of ${total} lines)`, f.ms, f.n));
}
if (survivors) {
  for (const [name, ms] of files) {
    for (const m of ms.filter((x) => x.status === 'Survived' || x.status === 'NoCoverage')) {
      console.log(`${name}:${m.location.start.line}:${m.location.start.column} ${m.status} ${m.mutatorName} ${JSON.stringify(m.replacement ?? '')}`);
    }
  }
}

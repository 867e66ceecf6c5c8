// Joins Stryker incremental files (mutation-testing-report JSON) into one, so that `npm run mutate` (whose
// incrementalFile is docs/mutation/stryker-incremental.json) reuses what the per-folder runs
// (stryker.pipeline.config.mjs, stryker.model.config.mjs) measured. Test ids are local to each report: the union
// renumbers tests by (test file, test name) and mutants in order, and rewrites killedBy/coveredBy to match.
// A later file wins for a source file or a test file present in several, except that two runs over line ranges of the
// same unchanged source (`--mutate src/x.ts:29-111`, then `:112-185`) join: their mutants are united, a later result
// winning for the same mutant (location, mutator, replacement). `IN.json=a.ts,b.ts` takes only those
// source files from IN.json (an incremental file also carries the earlier results of files its run did not mutate).
// Usage:
//   npx tsx scripts/stryker-merge-incremental.ts OUT.json IN1.json IN2.json=src/x.ts,src/y.ts ...
import fs from 'node:fs';
import path from 'node:path';

interface Test {
  id: string;
  name: string;
  [k: string]: unknown;
}
interface Mutant {
  id: string;
  killedBy?: string[];
  coveredBy?: string[];
  [k: string]: unknown;
}
interface Report {
  files: Record<string, { mutants: Mutant[]; [k: string]: unknown }>;
  testFiles?: Record<string, { tests: Test[]; source?: string; [k: string]: unknown }>;
  [k: string]: unknown;
}

const [out, ...inputs] = process.argv.slice(2);
if (!out || inputs.length === 0) {
  console.error('usage: npx tsx scripts/stryker-merge-incremental.ts OUT.json IN1.json [IN2.json ...]');
  process.exit(2);
}

const reports = inputs.map((arg) => {
  const [file, only] = arg.split('=') as [string, string | undefined];
  const r = JSON.parse(fs.readFileSync(file, 'utf8')) as Report;
  if (only) {
    const keep = new Set(only.split(','));
    r.files = Object.fromEntries(Object.entries(r.files).filter(([name]) => keep.has(name)));
  }
  return r;
});
// union of tests keyed by file and name; a later report's test file replaces an earlier one's source
const testKey = (file: string, name: string) => `${file}\u0000${name}`;
const testFiles: NonNullable<Report['testFiles']> = {};
const newId = new Map<string, string>();
for (const r of reports) {
  for (const [file, tf] of Object.entries(r.testFiles ?? {})) {
    const merged = (testFiles[file] ??= { ...tf, tests: [] });
    if (tf.source !== undefined) merged.source = tf.source;
    for (const t of tf.tests) {
      const key = testKey(file, t.name);
      if (!newId.has(key)) {
        newId.set(key, String(newId.size));
        merged.tests.push({ ...t, id: newId.get(key)! });
      }
    }
  }
}
let mutantId = 0;
const files: Report['files'] = {};
for (const r of reports) {
  const local = new Map<string, string>();
  for (const [file, tf] of Object.entries(r.testFiles ?? {})) for (const t of tf.tests) local.set(t.id, newId.get(testKey(file, t.name))!);
  const remap = (ids?: string[]) => ids?.map((id) => local.get(id)).filter((id): id is string => id !== undefined);
  for (const [file, f] of Object.entries(r.files)) {
    const mutants = f.mutants.map((m) => ({ ...m, id: String(mutantId++), ...(m.killedBy ? { killedBy: remap(m.killedBy) } : {}), ...(m.coveredBy ? { coveredBy: remap(m.coveredBy) } : {}) }));
    const earlier = files[file];
    if (earlier && earlier.source === f.source) {
      const key = (m: Mutant) => JSON.stringify([m.location, m.mutatorName, m.replacement]);
      const later = new Set(mutants.map(key));
      files[file] = { ...f, mutants: [...earlier.mutants.filter((m) => !later.has(key(m))), ...mutants] };
    } else files[file] = { ...f, mutants };
  }
}
// projectRoot is the folder the run happened in, a path of that machine: the tracked file carries none (Stryker's
// incremental diff reads only files and testFiles)
const { projectRoot: _root, ...last } = reports[reports.length - 1]!;
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, JSON.stringify({ ...last, files, testFiles }));
const count = Object.values(files).reduce((n, f) => n + f.mutants.length, 0);
console.log(`${out}: ${Object.keys(files).length} source files, ${count} mutants, ${newId.size} tests from ${inputs.length} report(s)`);

// scripts/stryker-merge-incremental.ts: joins Stryker incremental files. Test ids are renumbered by (file, name); a
// later report wins for a source file, except that runs over line ranges of the same unchanged source join their
// mutants (a later result winning for the same mutant).
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const mutant = (id: string, line: number, status: string, killedBy?: string[]) => ({
  id,
  mutatorName: 'EqualityOperator',
  replacement: 'a <= b',
  location: { start: { line, column: 3 }, end: { line, column: 9 } },
  status,
  ...(killedBy ? { killedBy, coveredBy: killedBy } : {}),
});
const report = (source: string, mutants: object[], tests: { id: string; name: string }[]) => ({
  schemaVersion: '2',
  files: { 'src/x.ts': { language: 'typescript', source, mutants } },
  testFiles: { 'test/x.test.ts': { source: 'test source', tests } },
  projectRoot: '/somewhere/on/a/machine',
});

function merge(...reports: object[]): { files: Record<string, { mutants: ReturnType<typeof mutant>[] }>; testFiles: Record<string, { tests: { id: string; name: string }[] }>; projectRoot?: string } {
  const dir = mkdtempSync(join(tmpdir(), 'spineseg-merge-'));
  const inputs = reports.map((r, i) => {
    const f = join(dir, `in${i}.json`);
    writeFileSync(f, JSON.stringify(r));
    return f;
  });
  const out = join(dir, 'out.json');
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/stryker-merge-incremental.ts', out, ...inputs], { stdio: 'pipe' });
  return JSON.parse(readFileSync(out, 'utf8'));
}

describe('scripts/stryker-merge-incremental.ts', () => {
  it('joins two line-range runs over the same source, the later result winning for the same mutant, with test ids remapped', () => {
    const a = report('same source', [mutant('0', 10, 'Killed', ['0']), mutant('1', 20, 'Survived')], [{ id: '0', name: 'first' }]);
    const b = report('same source', [mutant('0', 20, 'Killed', ['0']), mutant('1', 30, 'Survived')], [{ id: '0', name: 'second' }]);
    const r = merge(a, b);
    const got = r.files['src/x.ts']!.mutants.map((m) => [m.location.start.line, m.status, m.killedBy ?? null]);
    const second = r.testFiles['test/x.test.ts']!.tests.find((t) => t.name === 'second')!.id;
    const first = r.testFiles['test/x.test.ts']!.tests.find((t) => t.name === 'first')!.id;
    expect(got).toEqual([
      [10, 'Killed', [first]],
      [20, 'Killed', [second]],
      [30, 'Survived', null],
    ]);
    expect(new Set(r.files['src/x.ts']!.mutants.map((m) => m.id)).size, 'mutant ids stay unique').toBe(3);
    expect(r.projectRoot, 'no path of the machine the run was on').toBeUndefined();
  });

  it('replaces a source file whose code changed: the earlier results are of other code', () => {
    const a = report('old source', [mutant('0', 10, 'Killed', ['0'])], [{ id: '0', name: 'first' }]);
    const b = report('new source', [mutant('0', 30, 'Survived')], [{ id: '0', name: 'first' }]);
    expect(merge(a, b).files['src/x.ts']!.mutants.map((m) => m.location.start.line)).toEqual([30]);
  });
});

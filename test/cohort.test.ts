// Cohorts (issue #27) through the real CLI in child processes: three concurrent shards give byte for byte the
// single-process result, the broken study is listed in failures.csv, a shard killed with SIGKILL half-way
// finishes on rerun without redoing its finished studies, changed settings redo them, `collect` reports every
// study, and manifests (output names, per-study checkpoints, DICOM series, missing paths) and the scheduler's
// shard variables behave as docs/COHORTS.md says.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI, runCli, failureProblems, type CliResult } from './helpers/bad-input.ts';
import { writeFixtureCheckpoint } from './helpers/checkpoint-fixture.ts';
import { writeTestCohort } from './helpers/cohort-fixture.ts';
import { resolveShard, shardStudies, listCohortFolder, parseManifest } from '../src/app/cohort.ts';
import { parseCsv } from '../src/pipeline/csv.ts';

let work: string;
let cohort: string;
let checkpoint: string;
let ids: string[];
let single: CliResult;

const predict = (out: string, ...extra: string[]) => ['predict', '--cohort', '--input', cohort, '--output', out, '--checkpoint', checkpoint, ...extra];

/** Every file of the finished studies (relative path -> bytes); done.json without its `finished` time. */
function studyFiles(out: string, only?: readonly string[]): Map<string, string> {
  const files = new Map<string, string>();
  const root = path.join(out, 'studies');
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (r !== '.partial') walk(r);
        continue;
      }
      if (only && !only.includes(r.split('/')[0]!)) continue;
      const bytes = fs.readFileSync(path.join(root, r));
      files.set(r, e.name === 'done.json' ? JSON.stringify({ ...JSON.parse(bytes.toString()), finished: undefined }) : bytes.toString('base64'));
    }
  };
  walk('');
  return files;
}

function expectSameFiles(got: Map<string, string>, want: Map<string, string>): void {
  expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
  const differ = [...want.keys()].filter((k) => got.get(k) !== want.get(k));
  expect(differ, `files that differ from the single-process run: ${differ.join(', ')}`).toEqual([]);
}

const csv = (file: string) => parseCsv(fs.readFileSync(file, 'utf8'), file).rows;
const finished = (out: string, id: string) => (JSON.parse(fs.readFileSync(path.join(out, 'studies', id, 'done.json'), 'utf8')) as { finished: string }).finished;

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'spineseg-cohort-'));
  cohort = path.join(work, 'cohort');
  ids = await writeTestCohort(cohort);
  checkpoint = writeFixtureCheckpoint(path.join(work, 'ckpt'));
  single = await runCli(predict(path.join(work, 'single')));
}, 120_000);
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('cohort predict', () => {
  it('one process: every study but the broken one done, the broken one in failures.csv, exit code 2', () => {
    expect(ids).toHaveLength(12);
    expect(single.code, single.stderr).toBe(2);
    expect(single.stdout).toMatch(/cohort: 12 studies: 11 predicted, 0 already done, 1 failed/);
    const failures = csv(path.join(work, 'single', 'shards', '0-of-1', 'failures.csv'));
    expect(failures.map((f) => f.study)).toEqual(['broken']);
    expect(failures[0]!.reason).toMatch(/broken\/slice\.png: truncated or damaged PNG/);
    const done = fs.readdirSync(path.join(work, 'single', 'studies')).filter((d) => !d.startsWith('.')).sort();
    expect(done).toEqual(ids.filter((id) => id !== 'broken'));
    const stats = csv(path.join(work, 'single', 'studies', '1_t2', 'stats.csv'));
    expect(stats.map((r) => r.class)).toEqual(['background', 'vertebrae', 'spinal canal', 'intervertebral discs']);
    expect(stats.reduce((a, r) => a + Number(r.count), 0), 'the counts cover the 6x32x40 volume').toBe(6 * 32 * 40);
    const vertebrae = stats[1]!;
    const [sx, sy, sz] = vertebrae.spacing_mm!.split('x').map(Number);
    expect(Number(vertebrae.volume_mm3)).toBeCloseTo(Number(vertebrae.count) * sx! * sy! * sz!, 2);
    expect(csv(path.join(work, 'single', 'studies', 'p118', 'stats.csv'))[1]!.volume_mm3, 'PNG slices have no spacing').toBe('');
  });

  it('three concurrent shards (k/n, Slurm array, Kubernetes index) cover the cohort once, byte for byte as one process', async () => {
    const out = path.join(work, 'sharded');
    const runs = await Promise.all([
      runCli([...predict(out), '--shard', '0/3']),
      runCli([...predict(out), '--shard'], { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '3', SLURM_ARRAY_TASK_MIN: '0' }),
      runCli([...predict(out), '--shard', '--shard-count', '3'], { JOB_COMPLETION_INDEX: '2' }),
    ]);
    expect(runs[0]!.stderr).toMatch(/shard 0\/3 \(from --shard 0\/3\): 4 studies/);
    expect(runs[1]!.stderr).toMatch(/shard 1\/3 \(from SLURM_ARRAY_TASK_ID=1 of SLURM_ARRAY_TASK_COUNT=3\): 4 studies/);
    expect(runs[2]!.stderr).toMatch(/shard 2\/3 \(from JOB_COMPLETION_INDEX=2 of --shard-count 3\): 4 studies/);
    // the broken study (sorted position 6) is shard 0's: that shard exits 2, the others 0
    expect(runs.map((r) => r.code), runs.map((r) => r.stderr).join('\n')).toEqual([2, 0, 0]);
    expectSameFiles(studyFiles(out), studyFiles(path.join(work, 'single')));
    expect(csv(path.join(out, 'shards', '0-of-3', 'failures.csv')).map((f) => f.study)).toEqual(['broken']);
    expect(csv(path.join(out, 'shards', '1-of-3', 'failures.csv'))).toEqual([]);

    // collect: every study reported, the broken one as failed; stats merged
    const c = await runCli(['collect', out]);
    expect(c.code, c.stderr).toBe(2);
    expect(c.stdout).toMatch(/failed: broken: .*truncated or damaged PNG/);
    expect(c.stdout).toMatch(/12 studies: 11 done, 1 failed, 0 incomplete, 0 missing/);
    const table = csv(path.join(out, 'cohort.csv'));
    expect(table.map((r) => r.study)).toEqual(ids);
    expect(table.map((r) => r.status)).toEqual(ids.map((id) => (id === 'broken' ? 'failed' : 'done')));
    const p209 = table.find((r) => r.study === 'p209')!;
    const p209Stats = csv(path.join(out, 'studies', 'p209', 'stats.csv'));
    expect(Number(p209['vertebrae count'])).toBe(p209Stats.filter((r) => r.class === 'vertebrae').reduce((a, r) => a + Number(r.count), 0));
    expect(csv(path.join(out, 'failures.csv')).map((f) => [f.study, f.shard])).toEqual([['broken', '0-of-3']]);
    expect(csv(path.join(out, 'stats.csv'))).toHaveLength((6 + 5 * 2) * 4); // 6 volumes and 5 folders of 2 slices, 4 classes each
    expect(fs.existsSync(path.join(out, 'levels.csv')), 'no study has level tables').toBe(false);
    expect(fs.readFileSync(path.join(out, 'summary.md'), 'utf8')).toMatch(/12 studies: 11 done, 1 failed, 0 incomplete, 0 missing[\s\S]*## Failed \(1\)\n\n- `broken`/);
  }, 120_000);

  it('a shard killed with SIGKILL half-way finishes on rerun without redoing its finished studies; changed settings redo them', async () => {
    const out = path.join(work, 'killed');
    const shard0 = shardStudies(listCohortFolder(cohort).studies, { index: 0, count: 3, source: '' }).map((s) => s.id);
    expect(shard0).toEqual(['1_t1', '2_t1', 'broken', 'p161']);
    const killed = await new Promise<{ signal: NodeJS.Signals | null; doneAtKill: string[] }>((resolve) => {
      const child = spawn(process.execPath, [CLI, ...predict(out), '--shard', '0/3'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' } });
      let doneAtKill: string[] = [];
      let log = '';
      child.stderr.on('data', (d: Buffer) => {
        log += d.toString();
        if (/\] \S+: done,/.test(log) && child.exitCode === null && !child.killed) {
          child.kill('SIGKILL');
          doneAtKill = shard0.filter((id) => fs.existsSync(path.join(out, 'studies', id, 'done.json')));
        }
      });
      child.on('close', (_code, signal) => resolve({ signal, doneAtKill }));
    });
    expect(killed.signal).toBe('SIGKILL');
    expect(killed.doneAtKill.length, `done when killed: ${killed.doneAtKill.join(', ')}`).toBeGreaterThanOrEqual(1);
    expect(killed.doneAtKill, 'p161 (the last) must still be to do when the kill lands').not.toContain('p161');
    const before = new Map(killed.doneAtKill.map((id) => [id, finished(out, id)]));

    // collect before the rerun: the killed shard's unfinished studies and the other shards' are not done
    const early = await runCli(['collect', out]);
    expect(early.code).toBe(2);
    const status = new Map(csv(path.join(out, 'cohort.csv')).map((r) => [r.study!, r.status!]));
    for (const id of ids) expect(status.get(id), id).toEqual(killed.doneAtKill.includes(id) ? 'done' : shard0.includes(id) ? expect.stringMatching(/^(incomplete|missing)$/) : 'missing');

    const rerun = await runCli([...predict(out), '--shard', '0/3']);
    expect(rerun.code, rerun.stderr).toBe(2);
    for (const id of killed.doneAtKill) {
      expect(rerun.stderr).toMatch(new RegExp(`\\] ${id}: skipped, done with the same inputs, model and settings`));
      expect(finished(out, id), `${id} was redone`).toBe(before.get(id));
    }
    expect(rerun.stdout).toMatch(new RegExp(`shard 0/3: 4 studies: ${3 - killed.doneAtKill.length} predicted, ${killed.doneAtKill.length} already done, 1 failed`));
    expectSameFiles(studyFiles(out), studyFiles(path.join(work, 'single'), shard0));
    expect(fs.readdirSync(path.join(out, 'studies', '.partial')), 'nothing left half-written').toEqual([]);

    // other settings (overlays) redo every finished study; --overwrite redoes them with the same settings
    const overlay = await runCli([...predict(out), '--shard', '0/3', '--overlay']);
    expect(overlay.stderr.match(/: redoing, the settings changed/g), overlay.stderr).toHaveLength(3);
    expect(fs.existsSync(path.join(out, 'studies', 'p161', 'overlays', fs.readdirSync(path.join(cohort, 'p161'))[0]!))).toBe(true);
    const again = await runCli([...predict(out), '--shard', '0/3', '--overlay', '--overwrite']);
    expect(again.stderr.match(/: redoing, --overwrite/g), again.stderr).toHaveLength(3);
  }, 120_000);

  it('a manifest: output names, a per-study checkpoint, DICOM series and missing paths as failures; --levels tables merged by collect', async () => {
    const withPp = path.join(work, 'ckpt-pp');
    fs.cpSync(checkpoint, withPp, { recursive: true });
    const config = JSON.parse(fs.readFileSync(path.join(withPp, 'config.json'), 'utf8'));
    config.postprocess = { version: 1, unit: 'grid-px', classes: { 2: { keepLargest: true, minSize: 0, fillHoles: false } } };
    fs.writeFileSync(path.join(withPp, 'config.json'), JSON.stringify(config));
    const manifest = path.join(work, 'manifest.csv');
    fs.writeFileSync(manifest, [
      'id,input,output,series,checkpoint',
      'A-1,cohort/p118,patient-a,,',
      'B-2,cohort/1_t2.mha,,,ckpt-pp',
      'C-3,cohort/p136,,"1.2.840.113619.2.55.3",',
      'D-4,cohort/nowhere,,,',
    ].join('\n'));
    const out = path.join(work, 'manifest-out');
    const r = await runCli(['predict', '--manifest', manifest, '--output', out, '--checkpoint', checkpoint, '--levels']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/cohort: 4 studies from manifest /);
    const failures = csv(path.join(out, 'shards', '0-of-1', 'failures.csv'));
    expect(failures.map((f) => f.study)).toEqual(['C-3', 'D-4']);
    expect(failures[0]!.reason).toMatch(/^series = "1\.2\.840\.113619\.2\.55\.3": a DICOM series was asked for, but .*cohort\/p136 holds \.png\/\.mha\/\.nii\(\.gz\) images$/);
    expect(failures[1]!.reason).toMatch(/cohort\/nowhere: no such file or folder$/);
    // the same slices under another id and output name: the same label maps
    const labelMaps = (m: Map<string, string>) => new Map([...m].filter(([k]) => /^[^/]+\/[^/]+\.png$/.test(k)).map(([k, v]) => [k.replace(/^[^/]+\//, ''), v]));
    expectSameFiles(labelMaps(new Map([...studyFiles(out)].filter(([k]) => k.startsWith('patient-a/')))), labelMaps(studyFiles(path.join(work, 'single'), ['p118'])));
    const b = JSON.parse(fs.readFileSync(path.join(out, 'studies', 'B-2', 'done.json'), 'utf8'));
    expect(b.checkpoints).toEqual([withPp]);
    expect(b.settings.postprocess.classes['2'].keepLargest).toBe(true);
    expect(b.settings.levels).toBe(true);

    // collect merges every study's level tables (one per label map), each row under its study and source file
    const c = await runCli(['collect', out]);
    expect(c.code, c.stderr).toBe(2);
    const perFile = ['patient-a', 'B-2'].flatMap((dir) => fs.readdirSync(path.join(out, 'studies', dir)).filter((f) => f.endsWith('.levels.csv')).map((f) => ({ dir, f, rows: csv(path.join(out, 'studies', dir, f)).length })));
    expect(perFile.map((p) => p.f)).toEqual([...fs.readdirSync(path.join(cohort, 'p118')).map((f) => f.replace(/\.png$/, '.levels.csv')), '1_t2.levels.csv']);
    const merged = csv(path.join(out, 'levels.csv'));
    expect(merged.length).toBeGreaterThan(0);
    expect(merged.length).toBe(perFile.reduce((a, p) => a + p.rows, 0));
    expect([...new Set(merged.map((r) => `${r.study} ${r.source}`))]).toEqual(perFile.filter((p) => p.rows > 0).map((p) => `${p.dir === 'patient-a' ? 'A-1' : 'B-2'} ${p.f}`));

    const bad = path.join(work, 'bad-manifest.csv');
    fs.writeFileSync(bad, 'id,input,sequence\nA,cohort/p118,t2\n');
    const refused = await runCli(['predict', '--manifest', bad, '--output', path.join(work, 'bad-out'), '--checkpoint', checkpoint]);
    expect(failureProblems(refused, /header = "sequence": unknown column/, bad)).toEqual([]);
    expect(fs.existsSync(path.join(work, 'bad-out')), 'nothing written for a refused manifest').toBe(false);
  }, 120_000);
});

describe('shards from the scheduler', () => {
  const studies = Array.from({ length: 7 }, (_, i) => ({ id: `s${i}`, input: '', output: '', series: '', checkpoint: '' }));

  it('n shards cover every study exactly once', () => {
    for (const n of [1, 2, 3, 7, 9]) {
      const all = Array.from({ length: n }, (_, k) => shardStudies(studies, { index: k, count: n, source: '' }).map((s) => s.id)).flat();
      expect(all.sort()).toEqual(studies.map((s) => s.id).sort());
    }
  });

  it('reads k/n, Slurm array variables (offset by the array minimum) and the Indexed Job index, and refuses what does not fit', () => {
    expect(resolveShard('2/5', {})).toEqual({ index: 2, count: 5, source: '--shard 2/5' });
    expect(resolveShard(true, { SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_MIN: '3', SLURM_ARRAY_TASK_COUNT: '3' })).toMatchObject({ index: 1, count: 3 });
    expect(resolveShard(true, { JOB_COMPLETION_INDEX: '0' }, '4')).toMatchObject({ index: 0, count: 4 });
    expect(() => resolveShard('3/3', {})).toThrow(/shard index 3 is not below the shard count 3/);
    expect(() => resolveShard('1-3', {})).toThrow(/--shard = "1-3": expected k\/n/);
    expect(() => resolveShard(true, {})).toThrow(/neither SLURM_ARRAY_TASK_ID .* nor JOB_COMPLETION_INDEX/);
    expect(() => resolveShard(true, { JOB_COMPLETION_INDEX: '1' })).toThrow(/pass --shard-count N/);
    expect(() => resolveShard(true, { SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_COUNT: '2', SLURM_ARRAY_TASK_STEP: '2' })).toThrow(/SLURM_ARRAY_TASK_STEP = 2/);
  });
});

describe('study lists', () => {
  it('a manifest: quoted fields, paths relative to it; duplicate ids or outputs, bad names and ragged rows refused with the line', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spineseg-manifest-'));
    const write = (text: string) => {
      fs.writeFileSync(path.join(dir, 'm.csv'), text);
      return path.join(dir, 'm.csv');
    };
    try {
      const ok = parseManifest(write('id,input,output\r\n"b, 2",x/b.mha,\r\na,"y/a ""1""",out-a\r\n'));
      expect(ok.studies.map((st) => [st.id, st.input, st.output])).toEqual([['a', path.join(dir, 'y/a "1"'), 'out-a'], ['b, 2', path.join(dir, 'x/b.mha'), 'b, 2']]);
      expect(() => parseManifest(write('id,input\na,x\na,y\n'))).toThrow(/m\.csv: line 3: field id = "a" is also on line 2/);
      expect(() => parseManifest(write('id,input,output\na,x,o\nb,y,o\n'))).toThrow(/m\.csv: line 3: field output = "o" is also the output of line 2/);
      expect(() => parseManifest(write('id,input\na/b,x\n'))).toThrow(/m\.csv: line 2: field id = "a\/b" holds a slash/);
      expect(() => parseManifest(write('id,input\n.a,x\n'))).toThrow(/field id = "\.a" starts with "\."/);
      expect(() => parseManifest(write('id\na\n'))).toThrow(/m\.csv: header = "id": needs an "input" column/);
      expect(() => parseManifest(write('id,input\na,x,extra\n'))).toThrow(/m\.csv: line 2: 3 fields, the header has 2/);
      expect(() => parseManifest(write('id,input\na,"x\n'))).toThrow(/m\.csv: line 2: a quoted field is not closed/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a folder: sub-folders and image files are studies, other files are ignored, two entries with one id are refused', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spineseg-folder-'));
    try {
      for (const f of ['b.nii.gz', 'a.mha', 'notes.txt', '.hidden.mha']) fs.writeFileSync(path.join(dir, f), '');
      fs.mkdirSync(path.join(dir, 'c'));
      const listed = listCohortFolder(dir);
      expect(listed.studies.map((st) => [st.id, path.basename(st.input)])).toEqual([['a', 'a.mha'], ['b', 'b.nii.gz'], ['c', 'c']]);
      expect(listed.ignored).toEqual(['notes.txt']);
      fs.mkdirSync(path.join(dir, 'a'));
      expect(() => listCohortFolder(dir)).toThrow(/a and a\.mha are both study "a"; rename one/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('deploy files', () => {
  it('the Kubernetes Indexed Job runs one shard per completion index: completions = parallelism = --shard-count', () => {
    const yaml = fs.readFileSync('deploy/k8s/predict-indexed-job.yaml', 'utf8');
    const job = yaml.split(/^---$/m).find((d) => /name: spineseg-predict/.test(d))!;
    expect(job).toMatch(/^\s+completionMode: Indexed$/m);
    const completions = /^\s+completions: (\d+)$/m.exec(job)?.[1];
    expect(completions).toBeDefined();
    expect(/^\s+parallelism: (\d+)$/m.exec(job)?.[1]).toBe(completions);
    expect(/predict --cohort --input \/data\/cohort --output \/data\/out --shard --shard-count (\d+)/.exec(job)?.[1]).toBe(completions);
    const collect = yaml.split(/^---$/m).find((d) => /name: spineseg-collect/.test(d))!;
    expect(collect).toMatch(/args: \[collect, \/data\/out\]/);
    expect([...yaml.matchAll(/claimName: (\S+)/g)].map((m) => m[1])).toEqual(['spineseg-cohort', 'spineseg-cohort']);
  });

  it('the Slurm array task hands its arguments to predict --shard, which reads the array variables', () => {
    const sbatch = fs.readFileSync('deploy/slurm/predict-array.sbatch', 'utf8');
    expect(sbatch).toMatch(/^exec "\$\{spineseg\[@\]\}" predict --shard "\$@"$/m);
    const submit = fs.readFileSync('deploy/slurm/submit-cohort.sh', 'utf8');
    expect(submit).toMatch(/--array="0-\$\(\(n - 1\)\)" --output="\$out\/logs\/predict-%A_%a\.log"/);
    expect(submit).toMatch(/--dependency="afterany:\$array"/);
  });
});

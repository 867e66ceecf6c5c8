// Every `spineseg …` / `npm run …` command in the code blocks of README.md, docs/*.md and bench/RESULTS.md runs
// against repository data, and every option a command table row names is one its verb's --help lists. A
// documented command that no longer runs fails here.
//
// Substitutions (applied in this order, the only edits made to a documented command):
//   npx spineseg / $SPINESEG  -> node bin/spineseg.mjs
//   out, OUT, runs/…          -> folders under a temporary directory (one `out` shared in document order, so
//                                `collect out` reads what `predict --cohort … --output out` wrote)
//   some/slices               -> one sample slice (data/sample/images) in a temporary folder
//   STUDIES                   -> the test cohort (test/helpers/cohort-fixture.ts: phantom volumes, sample slices, a broken study)
//   STUDY_DIR, a.dcm b.dcm …  -> a DICOM series (series number 7) of four sample slices (test/helpers/dicom-series.ts)
//   runs/paper/checkpoint-best -> models/default (that checkpoint comes from the ../shared training run)
//   bench outputs (--png, --results-md) -> copies under the temporary directory (tracked files stay as they are)
//   demo                      -> --size 32x32 --epochs 1 --batch 2 --out <tmp>
//   npm run app:build         -> -- --outDir <tmp>;  npm run app: started, waits for its URL, stopped
// Not run, and listed as such in the test names (NOT_RUN below): commands that need ../shared (the full data
// export), `bench train --jaxjs` (over 9 minutes of jax-js pipeline compilation on lavapipe) and `bench predict
// --ort` (minutes of onnxruntime-web pipeline compilation on lavapipe). Exit codes documented as non-zero
// are expected (collect: 2 while any study of a sharded cohort is not done).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readImage } from '../src/pipeline/io.ts';
import type { Volume } from '../src/pipeline/volume.ts';
import { writeDicomSeries } from './helpers/dicom-series.ts';
import { writeTestCohort } from './helpers/cohort-fixture.ts';

const root = join(import.meta.dirname, '..');
const DOCS = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`), 'bench/RESULTS.md'];

interface Documented { file: string; line: number; command: string }

/** `spineseg …` and `npm run …` commands of the fenced code blocks, comments stripped, `a && b` split. */
export function codeBlockCommands(file: string, text: string): Documented[] {
  const out: Documented[] = [];
  let inBlock = false;
  text.split('\n').forEach((raw, i) => {
    if (/^\s*```/.test(raw)) { inBlock = !inBlock; return; }
    if (!inBlock) return;
    const line = raw.replace(/\s+#.*$/, '').trim();
    for (const part of line.split('&&').map((s) => s.trim())) {
      if (/^(npx spineseg|spineseg|\$SPINESEG|npm run) /.test(`${part} `)) out.push({ file, line: i + 1, command: part });
    }
  });
  return out;
}

/** Rows of a command table: `| \`spineseg verb … --option …\` | … |`. */
export function tableCommands(file: string, text: string): Documented[] {
  const out: Documented[] = [];
  text.split('\n').forEach((raw, i) => {
    const m = /^\|\s*`(spineseg [^`]+)`(?:,\s*`(spineseg [^`]+)`)?\s*\|/.exec(raw);
    if (m) for (const c of [m[1], m[2]]) if (c) out.push({ file, line: i + 1, command: c });
  });
  return out;
}

const docs = DOCS.map((f) => ({ file: f, text: readFileSync(join(root, f), 'utf8') }));
const blocks = docs.flatMap((d) => codeBlockCommands(d.file, d.text));
const tables = docs.flatMap((d) => tableCommands(d.file, d.text));

let work: string;
const subs: [RegExp, string | (() => string)][] = [];

function substitute(command: string): string {
  let c = command.replace(/^(npx spineseg|spineseg|\$SPINESEG)\b/, 'node bin/spineseg.mjs');
  for (const [re, to] of subs) c = c.replace(re, typeof to === 'string' ? to : to());
  return c;
}

/** Documented commands this test does not run, and why (each one is listed by name in the test output). */
const NOT_RUN: [RegExp, string][] = [
  [/\.\.\/shared/, 'needs ../shared, the full data export'],
  [/bench train --jaxjs/, "jax-js compiles its WebGPU pipelines for over 9 minutes on lavapipe even at 32x32, 1 step (test/bench-jaxjs.test.ts checks jax-js)"],
  [/bench predict --ort/, "onnxruntime-web's WebGPU provider compiles its pipelines for 1 to 3 minutes on lavapipe before the first slice; test/bench-ort.test.ts checks the exported model with its Wasm provider and test/browser-bench.test.ts runs both providers in the page"],
];

/** Exit codes other than 0 that the documentation states for a command. */
function documentedExit(command: string): number {
  return /\bcollect\b/.test(command) ? 2 : 0;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'spineseg-docs-'));
  const slices = join(work, 'slices');
  mkdirSync(slices);
  copyFileSync(join(root, 'data/sample/images/118_t2_SPACE_slice60.png'), join(slices, '118_t2_SPACE_slice60.png'));
  await writeTestCohort(join(work, 'studies'));
  const pngs = await Promise.all([56, 60, 64, 68].map((s) => readImage(join(root, 'data/sample/images', `118_t2_SPACE_slice${s}.png`))));
  const [w, h] = pngs[0]!.size;
  const data = new Int16Array(w * h * pngs.length);
  pngs.forEach((s, k) => data.set(s.data as ArrayLike<number>, k * w * h));
  const vol: Volume = { data, size: [w, h, pngs.length], spacing: [0.5, 0.5, 2.4], origin: [-4, -40, 60], direction: [0, 0, -1, 1, 0, 0, 0, -1, 0] };
  const series = writeDicomSeries(vol, join(work, 'study', 'T2_SAG'), { extension: '.dcm', seriesNumber: 7 });
  copyFileSync(join(root, 'bench/RESULTS.md'), join(work, 'RESULTS.md'));
  const out = join(work, 'out');
  subs.push(
    [/--input a\.dcm --input b\.dcm \.\.\./, series.files.map((f) => `--input ${f}`).join(' ')],
    [/\bSTUDY_DIR\b/g, join(work, 'study')],
    [/\bSTUDIES\b/g, join(work, 'studies')],
    [/\bsome\/slices\b/g, slices],
    [/runs\/paper\/checkpoint-best/g, 'models/default'],
    [/--png bench\/results\/compare\.png/, `--png ${join(work, 'compare.png')}`],
    [/--results-md bench\/RESULTS\.md/, `--results-md ${join(work, 'RESULTS.md')}`],
    [/(--output|--stats) out\b/g, `$1 ${out}`],
    [/ (collect) (out|OUT)$/, ` $1 ${out}`],
    [/ demo$/, ` demo --size 32x32 --epochs 1 --batch 2 --out ${join(work, 'demo')}`],
    [/^npm run app:build$/, `npm run app:build -- --outDir ${join(work, 'web')}`],
  );
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('documented commands', () => {
  it('finds the commands of the README, docs/ and bench/RESULTS.md (code blocks and command tables)', () => {
    expect(blocks.map((b) => b.command), 'README quick start').toContain('npx spineseg demo');
    expect(blocks.some((b) => b.command.startsWith('npx spineseg bench compare bench/results/*.json')), 'bench compare in bench/RESULTS.md').toBe(true);
    expect(tables.length, 'command table rows').toBeGreaterThan(10);
  });

  for (const d of blocks) {
    const where = `${d.file}:${d.line}`;
    const notRun = NOT_RUN.find(([re]) => re.test(d.command));
    if (notRun) {
      it.skip(`${where} \`${d.command}\` NOT RUN: ${notRun[1]}`, () => {});
      continue;
    }
    it(`${where} \`${d.command}\``, async () => {
      const cmd = substitute(d.command);
      if (cmd === 'npm run app') {
        // the dev server does not exit: it must come up and print its URL
        const p = spawn('npm', ['run', 'app', '--', '--port', '0', '--strictPort', 'false'], { cwd: root, detached: true });
        let text = '';
        const url = await new Promise<string | null>((resolve) => {
          const timer = setTimeout(() => resolve(null), 120_000);
          const on = (b: Buffer) => {
            text += String(b);
            const m = /Local:\s+(http\S+)/.exec(text.replace(/\x1b\[[0-9;]*m/g, ''));
            if (m) { clearTimeout(timer); resolve(m[1]!); }
          };
          p.stdout!.on('data', on);
          p.stderr!.on('data', on);
        });
        process.kill(-p.pid!, 'SIGTERM');
        expect(url, `${where}: \`npm run app\` printed no Local: URL within 2 minutes:\n${text.slice(-2000)}`).not.toBeNull();
        return;
      }
      const r = spawnSync('bash', ['-c', cmd], { cwd: root, encoding: 'utf8', timeout: 540_000, env: { ...process.env, SPINESEG_TUNE_DIR: 'off' } });
      const tail = `${r.stdout ?? ''}\n${r.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
      expect(r.status, `${where}: \`${d.command}\` ran as \`${cmd}\` and exited ${r.status ?? r.signal} (documented: ${documentedExit(d.command)}):\n${tail}`).toBe(documentedExit(d.command));
    }, 600_000);
  }

  for (const d of tables) {
    const where = `${d.file}:${d.line}`;
    it(`${where} table row \`${d.command}\`: the verb exists and --help lists every option it names`, () => {
      const words = d.command.split(/\s+/).slice(1);
      const verb: string[] = [];
      for (const w of words) {
        if (/^[a-z][a-z-]*$/.test(w)) verb.push(w);
        else break;
      }
      const r = spawnSync('node', ['bin/spineseg.mjs', ...verb, '--help'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
      expect(r.status, `${where}: \`spineseg ${verb.join(' ')} --help\` exited ${r.status}: ${r.stderr}`).toBe(0);
      const usage = new RegExp(`Usage: spineseg ${verb.join(' ')}\\b`);
      expect(r.stdout, `${where}: \`spineseg ${verb.join(' ')} --help\` is the help of that verb`).toMatch(usage);
      const options = [...new Set(d.command.match(/--[a-z][a-z0-9-]*/g) ?? [])];
      const missing = options.filter((o) => !new RegExp(`${o}\\b`).test(r.stdout));
      expect(missing, `${where}: options in the table that \`spineseg ${verb.join(' ')} --help\` does not list`).toEqual([]);
    });
  }
});

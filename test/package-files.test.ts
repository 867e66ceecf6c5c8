// What a user installs: `npm pack` publishes package.json's "files" (the CLI, its sources and shaders, the shipped
// model and the built-in sample; not the tests, the benchmarks, the docs or training logs), and the container image
// copies what the Dockerfile names. The packed package is unpacked into a temporary folder and run: a one-slice
// `predict` with the shipped model works from it, and `bench`, which is left out, says so in one line.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../src/pipeline/dataset.ts';

function npm(args: string[], cwd: string): string {
  const r = spawnSync('npm', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** Relative module specifiers and `new URL(..., import.meta.url)` targets of a source file. */
function relativeTargets(text: string): string[] {
  const out: string[] = [];
  for (const re of [/\bfrom\s+'(\.{1,2}\/[^']+)'/g, /\bimport\(\s*'(\.{1,2}\/[^']+)'\s*\)/g, /\bnew URL\(\s*'(\.{1,2}\/[^']+)',\s*import\.meta\.url\s*\)/g]) {
    for (const m of text.matchAll(re)) out.push(m[1]!);
  }
  return out;
}

let packed: string[] = [];
let unpacked = '';

beforeAll(() => {
  unpacked = fs.mkdtempSync(path.join(os.tmpdir(), 'spineseg-pack-'));
  // one pack: its JSON lists the published files, its tarball is what a user installs
  const report = (JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', unpacked], REPO_ROOT)) as { filename: string; files: { path: string }[] }[])[0]!;
  packed = report.files.map((f) => f.path);
  const tgz = report.filename;
  const r = spawnSync('tar', ['-xzf', path.join(unpacked, tgz), '-C', unpacked]);
  if (r.status !== 0) throw new Error(`tar: ${r.stderr}`);
  // the package's dependencies, as `npm install spineseg` would put them beside it
  fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(unpacked, 'package', 'node_modules'));
}, 120_000);

afterAll(() => {
  if (unpacked) fs.rmSync(unpacked, { recursive: true, force: true });
});

describe('the published package (package.json "files")', () => {
  it('holds the CLI, every source and shader, the shipped model and the built-in sample', () => {
    const has = (p: string) => packed.includes(p);
    for (const p of ['package.json', 'README.md', 'bin/spineseg.mjs', 'src/cli/main.ts', 'src/app/checkpoints.ts', 'models/default/MODEL.md', 'scripts/setup.sh']) expect(has(p), p).toBe(true);
    const inRepo = (dir: string, ext: string) => fs.readdirSync(path.join(REPO_ROOT, dir)).filter((f) => f.endsWith(ext)).map((f) => `${dir}/${f}`);
    for (const p of [...inRepo('shaders', '.wgsl'), ...inRepo('shaders/include', '.wgsl'), ...inRepo('src/kernels', '.ts')]) expect(has(p), p).toBe(true);
    // the shipped weights: one checkpoint, or every member of a folder of folds
    const model = path.join(REPO_ROOT, 'models/default');
    const members = fs.existsSync(path.join(model, 'ensemble.json')) ? (JSON.parse(fs.readFileSync(path.join(model, 'ensemble.json'), 'utf8')) as { members: string[] }).members.map((m) => `${m}/`) : [''];
    for (const m of members) for (const f of ['config.json', 'model.safetensors']) expect(has(`models/default/${m}${f}`), `models/default/${m}${f}`).toBe(true);
    expect(packed.filter((p) => p.startsWith('data/sample/images/')).length).toBeGreaterThan(0);
  });

  it('leaves out tests, benchmarks, docs, training logs, runs and tool configs', () => {
    const outside = packed.filter((p) => /^(test|bench|docs|web|runs|reports|deploy|\.ci|test-artifacts)\//.test(p) || /\.log$/.test(p) || /^(stryker|vitest|vite)\./.test(p) || p === 'Dockerfile');
    expect(outside).toEqual([]);
  });

  it('resolves every relative import of its sources inside itself (bench/ only behind the guard of `spineseg bench`)', () => {
    const missing: string[] = [];
    const set = new Set(packed);
    for (const file of packed.filter((p) => /\.(ts|mjs)$/.test(p))) {
      for (const spec of relativeTargets(fs.readFileSync(path.join(REPO_ROOT, file), 'utf8'))) {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
        const found = spec.endsWith('/') ? packed.some((p) => p.startsWith(target)) : set.has(target);
        if (!found && !(file === 'src/cli/bench.ts' && target.startsWith('bench/'))) missing.push(`${file} -> ${spec}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('predicts a slice with the shipped model from the unpacked package, and refuses `bench` in one line', () => {
    const pkg = path.join(unpacked, 'package');
    const slice = fs.readdirSync(path.join(pkg, 'models/default/test-subset/images')).sort()[0]!;
    const out = path.join(unpacked, 'out');
    const run = (args: string[]) => spawnSync(process.execPath, [path.join(pkg, 'bin/spineseg.mjs'), ...args], { cwd: unpacked, encoding: 'utf8' });
    const p = run(['predict', '--input', path.join(pkg, 'models/default/test-subset/images', slice), '--output', out]);
    expect(p.status, p.stderr).toBe(0);
    expect(fs.readdirSync(out).filter((f) => f.endsWith('.png')).length).toBeGreaterThan(0);
    const b = run(['bench', 'compare', 'x.json']);
    expect(b.status).not.toBe(0);
    const lines = b.stderr.trim().split('\n').filter((l) => !/^Warning:/.test(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/spineseg bench: .*bench\/? not found: the benchmarks are not part of the installed package; run them from a clone/);
  }, 180_000);
});

describe('the container image (Dockerfile)', () => {
  it('copies only paths that exist and that .dockerignore keeps, and the whole shipped model folder', () => {
    const docker = fs.readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
    const ignored = fs.readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    const sources = [...docker.matchAll(/^COPY\s+(?!--from)(.+)$/gm)].flatMap((m) => m[1]!.trim().split(/\s+/).slice(0, -1));
    expect(sources.length).toBeGreaterThan(0);
    for (const s of sources) {
      expect(fs.existsSync(path.join(REPO_ROOT, s)), `${s} exists`).toBe(true);
      expect(ignored.filter((i) => s === i || s.startsWith(`${i}/`)), `${s} is not in .dockerignore`).toEqual([]);
    }
    expect(sources).toContain('models/default');
  });
});

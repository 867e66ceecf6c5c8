// `spineseg evaluate` on mismatched or damaged label folders, in a child process: missing predictions, extra
// files, size mismatches, unknown grey levels and class codes, damaged PNGs; each ends with exit 1, one line
// naming the file, no stack trace and no --json written. --allow-missing scores what exists and lists the rest.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encode } from 'fast-png';
import { runCli, runAll, failureProblems } from './helpers/bad-input.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'spineseg-badeval-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const W = 24;
const H = 20;
/** A small mask in the PNG grey levels: a vertebra block, the canal, a disc. */
function mask(shift = 0, width = W, height = H): Uint8Array {
  const d = new Uint8Array(width * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const xs = x - shift;
      d[y * width + x] = xs >= 3 && xs < 10 && y >= 2 && y < 9 ? 76 : xs >= 14 && xs < 17 ? 150 : xs >= 3 && xs < 10 && y >= 11 && y < 13 ? 29 : 0;
    }
  return d;
}
const png = (data: Uint8Array, width = W, height = H) => encode({ width, height, data, channels: 1, depth: 8 });

/** truth/ and pred/ with slices a, b, c; `mutate` breaks pred/ (or truth/). */
function makePair(name: string, mutate: (pred: string, truth: string) => void): { pred: string; truth: string } {
  const dir = path.join(root, name);
  const pred = path.join(dir, 'pred');
  const truth = path.join(dir, 'truth');
  fs.mkdirSync(pred, { recursive: true });
  fs.mkdirSync(truth, { recursive: true });
  for (const s of ['1_t2_slice1.png', '1_t2_slice2.png', '1_t2_slice3.png']) {
    fs.writeFileSync(path.join(truth, s), png(mask()));
    fs.writeFileSync(path.join(pred, s), png(mask(1)));
  }
  mutate(pred, truth);
  return { pred, truth };
}

interface Case {
  name: string;
  build: () => { pred: string; truth: string };
  error: RegExp;
  names: (p: { pred: string; truth: string }) => string;
}

const cases: Case[] = [
  { name: 'missing prediction', build: () => makePair('missing', (p) => fs.rmSync(path.join(p, '1_t2_slice2.png'))), error: /no prediction for 1_t2_slice2\.png \(--allow-missing/, names: () => '1_t2_slice2.png' },
  { name: 'extra prediction', build: () => makePair('extra', (p) => fs.writeFileSync(path.join(p, '1_t2_slice9.png'), png(mask()))), error: /no truth for 1_t2_slice9\.png/, names: () => '1_t2_slice9.png' },
  { name: 'size mismatch', build: () => makePair('size', (p) => fs.writeFileSync(path.join(p, '1_t2_slice1.png'), png(mask(0, W, H + 2), W, H + 2))), error: /size 22x24 differs from the truth/, names: (p) => path.join(p.pred, '1_t2_slice1.png') },
  { name: 'unknown grey level', build: () => makePair('grey', (p) => fs.writeFileSync(path.join(p, '1_t2_slice3.png'), png(mask(1).map((v, i) => (i === 5 ? 200 : v))))), error: /grey level 200 is not a class/, names: (p) => path.join(p.pred, '1_t2_slice3.png') },
  { name: 'unknown class code', build: () => makePair('code', (p) => fs.writeFileSync(path.join(p, '1_t2_slice3.png'), png(new Uint8Array(W * H).map((_, i) => i % 7)))), error: /value [4-6] is neither a mask grey level .* nor a class index 0\.\.3/, names: (p) => path.join(p.pred, '1_t2_slice3.png') },
  { name: 'unknown grey level in the truth', build: () => makePair('truthgrey', (_, t) => fs.writeFileSync(path.join(t, '1_t2_slice1.png'), png(mask().map((v, i) => (i === 9 ? 77 : v))))), error: /grey level 77 is not a class/, names: (p) => path.join(p.truth, '1_t2_slice1.png') },
  { name: 'truncated prediction', build: () => makePair('trunc', (p) => fs.writeFileSync(path.join(p, '1_t2_slice2.png'), png(mask(1)).subarray(0, 50))), error: /not a readable PNG/, names: (p) => path.join(p.pred, '1_t2_slice2.png') },
  { name: 'empty prediction', build: () => makePair('empty', (p) => fs.writeFileSync(path.join(p, '1_t2_slice2.png'), '')), error: /file size = 0: empty file/, names: (p) => path.join(p.pred, '1_t2_slice2.png') },
  { name: 'text named .png', build: () => makePair('text', (p) => fs.writeFileSync(path.join(p, '1_t2_slice2.png'), 'a note, not a mask')), error: /not a PNG image/, names: (p) => path.join(p.pred, '1_t2_slice2.png') },
  { name: 'nothing in common, even with --allow-missing', build: () => makePair('disjoint', (p) => { for (const f of fs.readdirSync(p)) fs.renameSync(path.join(p, f), path.join(p, `x${f}`)); }), error: /have no file name in common: nothing to score/, names: (p) => p.pred },
];

describe('spineseg evaluate on mismatched and damaged label folders', () => {
  it(`refuses ${cases.length} cases: exit 1, one line naming the file, no --json`, async () => {
    const results = await runAll(cases, 2, async (c) => {
      const p = c.build();
      const json = path.join(path.dirname(p.pred), 'report.json');
      const args = ['evaluate', '--pred', p.pred, '--truth', p.truth, '--spacing', '1x1', '--json', json];
      if (c.name.includes('--allow-missing')) args.push('--allow-missing');
      const r = await runCli(args);
      return { c, p, r, jsonExists: fs.existsSync(json) };
    });
    const failures = results.flatMap(({ c, p, r, jsonExists }) => {
      const problems = failureProblems(r, c.error, c.names(p));
      if (jsonExists) problems.push('--json written');
      if (r.stdout.trim()) problems.push(`stdout: ${r.stdout.trim().split('\n')[0]}`);
      return problems.length ? [`${c.name}: ${problems.join('; ')}\n  stderr: ${r.stderr.trim()}`] : [];
    });
    expect(failures).toEqual([]);
  }, 600_000);

  it('--allow-missing scores the files present in both and lists the skipped ones', async () => {
    const p = makePair('allow', (pred) => {
      fs.rmSync(path.join(pred, '1_t2_slice2.png'));
      fs.writeFileSync(path.join(pred, '1_t2_slice7.png'), png(mask()));
    });
    const json = path.join(root, 'allow', 'report.json');
    const r = await runCli(['evaluate', '--pred', p.pred, '--truth', p.truth, '--spacing', '1x1', '--json', json, '--allow-missing']);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('spineseg:'))).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('2 slices');
    expect(r.stdout).toContain(`skipped 1 truth file(s) with no prediction in ${p.pred}: 1_t2_slice2.png`);
    expect(r.stdout).toContain(`skipped 1 prediction(s) with no truth in ${p.truth}: 1_t2_slice7.png`);
    const report = JSON.parse(fs.readFileSync(json, 'utf8')) as { cases: Array<{ name: string }>; skipped: { noPrediction: string[]; noTruth: string[] } };
    expect(report.cases.map((c) => c.name)).toEqual(['1_t2_slice1', '1_t2_slice3']);
    expect(report.skipped).toEqual({ noPrediction: ['1_t2_slice2.png'], noTruth: ['1_t2_slice7.png'] });
  }, 120_000);
});

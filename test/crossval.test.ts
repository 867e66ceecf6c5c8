// `spineseg train --folds N` (src/app/crossval.ts) on the repository's data/sample with a tiny model: every fold is
// a training run on the other folds' patients, the folds' validation patients partition the non-test patients and
// never include a test patient; a killed run resumes at the fold it reached; the out-of-fold decisions (TTA,
// post-processing, confidence threshold) land in every fold's checkpoint; ensemble.json makes the folder one model.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { runCrossval, type CrossvalOptions } from '../src/app/crossval.ts';
import { loadCheckpoint } from '../src/app/session.ts';
import { loadPredictor } from '../src/app/checkpoints.ts';
import { readConfidenceBlock } from '../src/app/confidence.ts';
import { parsePostprocessBlock } from '../src/pipeline/postprocess.ts';
import { sampleDataRoot, listSlicePairs, parseSliceName, REPO_ROOT } from '../src/pipeline/dataset.ts';

let work: string;
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'spineseg-cv-'));
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const options = (out: string, resume = false): CrossvalOptions => ({
  data: sampleDataRoot(),
  out,
  width: 64,
  height: 80,
  widthMult: 0.125,
  batchSize: 2,
  epochs: 1,
  stepsPerEpoch: 1,
  patience: 10,
  lr: 0.001,
  seed: 42,
  valFraction: 0.12,
  testFraction: 0.15,
  maxSlicesPerPatient: 1,
  folds: 2,
  resume,
  ttaModes: ['none', 'flip'],
  load: async (dir) => {
    const c = await loadCheckpoint(dir);
    return { net: c.model, config: c.config };
  },
});

const readJson = (...p: string[]) => JSON.parse(fs.readFileSync(path.join(...p), 'utf8'));

describe('cross-validation as one command', () => {
  it('trains every fold, partitions the non-test patients, decides out of fold, and writes the tables and ensemble.json', async () => {
    const out = path.join(work, 'cv');
    const lines: string[] = [];
    const r = await runCrossval(options(out), (l) => lines.push(l));
    const cfg = [1, 2].map((k) => readJson(out, `fold-${k}`, 'checkpoint-best', 'config.json'));
    const all = [...new Set(listSlicePairs(sampleDataRoot()).map((p) => parseSliceName(p.imageFile).patient))].sort();
    const test = cfg[0].split.test as string[];
    expect(test.length).toBe(Math.round(all.length * 0.15));
    expect(cfg[1].split.test, 'the same test patients in every fold').toEqual(test);
    const vals = cfg.flatMap((c) => c.split.val as string[]).sort();
    expect(vals, 'the folds\' validation patients partition the non-test patients').toEqual(all.filter((p) => !test.includes(p)).sort());
    for (const c of cfg) {
      for (const p of test) expect([...c.split.train, ...c.split.val]).not.toContain(p);
      expect(c.split.train.filter((p: string) => c.split.val.includes(p))).toEqual([]);
    }
    // the decisions, in every fold's checkpoint
    for (const [k, c] of cfg.entries()) {
      const file = `fold-${k + 1}/config.json`;
      expect(parsePostprocessBlock(c.postprocess, file, 4).decidedOn?.patients, 'post-processing decided on all out-of-fold patients').toEqual(vals);
      const conf = readConfidenceBlock(c, file)!;
      const valSlices = listSlicePairs(sampleDataRoot()).filter((p) => vals.includes(parseSliceName(p.imageFile).patient)).length;
      expect(conf.slices, 'every slice of every validation patient, at its original resolution').toBe(valSlices);
      expect(['none', 'flip']).toContain(c.inference.tta);
      expect(c.inference.tta).toBe(r.chosenTta);
    }
    expect(r.scores.length, 'two folds x two TTA modes').toBe(4);
    expect(readJson(out, 'ensemble.json').members).toEqual(['fold-1/checkpoint-best', 'fold-2/checkpoint-best']);
    const md = fs.readFileSync(path.join(out, 'crossval.md'), 'utf8');
    expect(md).toMatch(/\| mean ± sd \|/);
    expect(md).toMatch(/\| flip( \(chosen\))? \|/);
    expect(md).toMatch(/Spearman's rho/);
    expect(fs.existsSync(path.join(out, 'crossval.json'))).toBe(true);
    // the folder is one model for predict
    const predictor = await loadPredictor([out]);
    try {
      expect(predictor.nets.length).toBe(2);
      expect(predictor.tta).toBe(r.chosenTta);
      expect(predictor.postprocess).not.toBeNull();
    } finally {
      predictor.dispose();
    }
    // a second run without --resume is refused, naming the folder
    await expect(runCrossval(options(out), () => {})).rejects.toThrow(new RegExp(`${out.replace(/[/\\]/g, '.')} already holds a cross-validation; pass --resume`));

    // scripts/ship-ensemble.ts makes the folder a shipped model: the folds flattened, the decisions kept, the test
    // patients scored once, a test subset, MODEL.md, and no path of this machine in any text it writes
    const shipped = path.join(work, 'shipped');
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/ship-ensemble.ts', '--run', out, '--data', sampleDataRoot(), '--out', shipped, '--subset', '4'], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(run.status, run.stderr.slice(-2000)).toBe(0);
    expect(readJson(shipped, 'ensemble.json').members).toEqual(['fold-1', 'fold-2']);
    for (const k of [1, 2]) {
      const c = readJson(shipped, `fold-${k}`, 'config.json');
      expect(c.inference.tta).toBe(r.chosenTta);
      expect(c.postprocess).toEqual(cfg[k - 1].postprocess);
      expect(fs.readFileSync(path.join(shipped, `fold-${k}`, 'model.safetensors'))).toEqual(fs.readFileSync(path.join(out, `fold-${k}`, 'checkpoint-best', 'model.safetensors')));
    }
    const model = fs.readFileSync(path.join(shipped, 'MODEL.md'), 'utf8');
    expect(model).toMatch(/CC BY 4\.0/);
    expect(model).toMatch(new RegExp(`test \\(held out of every fold and every choice; only the tables under "Test patients"\\): ${test.join(', ')}`));
    expect(model).toMatch(/^Test-subset Dice \(mean of the per-class means of per-slice Dice[^)]*\): [0-9.]+$/m);
    expect(model).toMatch(/\| ensemble of 2, TTA \w+, post-processed \(shipped\) \|/);
    expect(listSlicePairs(path.join(shipped, 'test-subset')).every((p) => test.includes(parseSliceName(p.imageFile).patient)), 'the subset holds test patients only').toBe(true);
    // paths are relative to the repository (a folder outside it, like this test's, is reached with ../)
    const absolute = new RegExp(`(^|[^.])${work.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'm');
    for (const f of ['MODEL.md', 'crossval.md', 'crossval.json', 'fold-1/config.json']) expect(fs.readFileSync(path.join(shipped, f), 'utf8'), `${f} names no absolute path of the machine`).not.toMatch(absolute);
    const again = await loadPredictor([shipped]);
    try {
      expect(again.nets.length).toBe(2);
      expect(again.tta).toBe(r.chosenTta);
    } finally {
      again.dispose();
    }
  }, 600_000);

  it('a killed run resumes at the fold it reached: finished folds are not retrained, an unfinished one continues from its last checkpoint', async () => {
    const out = path.join(work, 'cv-resume');
    await runCrossval(options(out), () => {});
    // as if killed during fold 2, after its first epoch's checkpoint: no finished marker
    fs.rmSync(path.join(out, 'fold-2', 'finished.json'));
    const before = fs.statSync(path.join(out, 'fold-1', 'checkpoint-last', 'model.safetensors')).mtimeMs;
    const lines: string[] = [];
    await runCrossval({ ...options(out, true), epochs: 2 }, (l) => lines.push(l));
    expect(lines).toContain('fold 1/2: done before');
    expect(lines.some((l) => /^fold 2\/2: resuming in /.test(l)), lines.join('\n')).toBe(true);
    expect(lines.some((l) => /\[fold 2\] resuming .* after epoch 1/.test(l)), lines.join('\n')).toBe(true);
    expect(fs.statSync(path.join(out, 'fold-1', 'checkpoint-last', 'model.safetensors')).mtimeMs, 'fold 1 untouched').toBe(before);
    expect(readJson(out, 'fold-2', 'finished.json').epochs).toBe(2);
    await expect(runCrossval(options(path.join(work, 'none'), true), () => {})).rejects.toThrow(/nothing to resume/);
  }, 600_000);
});

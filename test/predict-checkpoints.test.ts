// Checkpoints as predictors: ensembles average probabilities and refuse members of another input size or
// class count (both files named); a malformed post-processing block is an error naming the file and the
// field; `postprocess` decides on the recorded validation patients and writes a block predict can apply.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UNet, makeConfig } from '../src/model/unet.ts';
import { modelToSafetensors, CLASS_NAMES } from '../src/model/weights.ts';
import { loadCheckpoint } from '../src/app/session.ts';
import { predictSlices, modelProbabilities, probabilitiesToSlice, argmaxProbabilities, toModelInput } from '../src/model/predict.ts';
import { predictFiles } from '../src/app/predict-files.ts';
import { loadPredictor, checkpointDirsOrDefault, defaultModelDir } from '../src/app/checkpoints.ts';
import { postprocessCheckpoint } from '../src/app/postprocess-decision.ts';
import { parsePostprocessBlock } from '../src/pipeline/postprocess.ts';
import { sampleDataRoot, decodeGreyPng } from '../src/pipeline/dataset.ts';
import { evaluateTestPatients } from '../src/app/evaluate-test-patients.ts';

let work: string;

async function writeCheckpoint(name: string, size: [number, number], seed: number, extra: Record<string, unknown> = {}): Promise<string> {
  const dir = path.join(work, name);
  fs.mkdirSync(dir, { recursive: true });
  const modelConfig = makeConfig({ width: size[0], height: size[1], widthMult: 0.125, seed });
  const model = new UNet(modelConfig);
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ format: 'spineseg-unet', version: 1, model: modelConfig, classes: [...CLASS_NAMES], normalization: 'test fixture', ...extra }, null, 2));
  fs.writeFileSync(path.join(dir, 'model.safetensors'), await modelToSafetensors(model));
  model.dispose();
  return dir;
}

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'spineseg-ckpt-'));
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('checkpoints as predictors', () => {
  it('an ensemble averages the members\' probabilities before resampling and argmax', async () => {
    const a = await writeCheckpoint('a', [64, 80], 1);
    const b = await writeCheckpoint('b', [64, 80], 2);
    const p = await loadPredictor([a, b]);
    try {
      const png = decodeGreyPng(path.join(sampleDataRoot(), 'images', '209_t2_SPACE_slice63.png'));
      const slice = { image: Float32Array.from(png.data, (v) => v / 255), width: png.width, height: png.height };
      const [ensemble] = await predictSlices(p.nets, [slice], 1);
      const input = toModelInput(slice, 64, 80);
      const pa = await modelProbabilities([p.nets[0]!], input, 1);
      const pb = await modelProbabilities([p.nets[1]!], input, 1);
      const mean = pa.map((v, i) => (v + pb[i]!) / 2);
      const want = argmaxProbabilities(probabilitiesToSlice(mean, 4, slice, 64, 80), 4);
      const [alone] = await predictSlices(p.nets[0]!, [slice], 1);
      expect(Array.from(ensemble!)).toEqual(Array.from(want));
      expect(Array.from(ensemble!), 'the two members must disagree somewhere for the check to mean anything').not.toEqual(Array.from(alone!));
      expect(p.notes.join()).toMatch(/no postprocess block/);
    } finally {
      p.dispose();
    }
  });

  it('refuses an ensemble of different input sizes or class counts, naming both files', async () => {
    const a = await writeCheckpoint('size-a', [64, 80], 1);
    const b = await writeCheckpoint('size-b', [48, 64], 1);
    await expect(loadPredictor([a, b])).rejects.toThrow(new RegExp(`${a}/config.json takes 64x80 input, ${b}/config.json takes 48x64`));
  });

  it('a malformed postprocess block is an error naming the file and the field', async () => {
    const bad = await writeCheckpoint('bad-pp', [64, 80], 1, { postprocess: { version: 1, unit: 'grid-px', classes: { 2: { keepLargest: true, minSize: 'big', fillHoles: false } } } });
    await expect(loadPredictor([bad])).rejects.toThrow(new RegExp(`${bad}/config.json: field postprocess.classes.2.minSize = "big"`));
  });

  it('without --checkpoint: the shipped model when the repository has one, else a message saying where it should be', () => {
    const shipped = defaultModelDir();
    const single = fs.existsSync(path.join(shipped, 'config.json')) && fs.existsSync(path.join(shipped, 'model.safetensors'));
    expect(single || fs.existsSync(path.join(shipped, 'ensemble.json')), 'the repository ships models/default (one checkpoint or a folder of folds)').toBe(true);
    expect(checkpointDirsOrDefault(undefined)).toEqual([shipped]);
    expect(checkpointDirsOrDefault(['a', 'b'])).toEqual(['a', 'b']);
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'spineseg-nomodel-'));
    try {
      expect(() => checkpointDirsOrDefault(undefined, path.join(empty, 'models', 'default'))).toThrow(/no --checkpoint given and no shipped model in .*models\/default/);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  it('postprocess decides on the recorded validation patients, writes a valid block, and predict applies it', async () => {
    const dir = await writeCheckpoint('decide', [64, 80], 3, { split: { train: ['118'], val: ['209', '98'], test: ['161'] } });
    const before = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    const { block, table } = await postprocessCheckpoint({
      checkpoint: dir,
      data: sampleDataRoot(),
      load: async (d) => {
        const ck = await loadCheckpoint(d);
        return { net: ck.model, config: ck.config as unknown as Record<string, unknown> };
      },
    });
    const after = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    expect(after.postprocess).toEqual(JSON.parse(JSON.stringify(block)));
    expect({ ...after, postprocess: undefined }).toEqual({ ...before, postprocess: undefined });
    expect(block.decidedOn!.patients).toEqual(['209', '98']);
    expect(block.decidedOn!.slices).toBe(12);
    expect(block.unit).toBe('grid-px');
    expect(table).toMatch(/\| spinal canal \| keep the largest component \|/);
    expect(parsePostprocessBlock(after.postprocess, 'config.json', 4).classes).toEqual(block.classes);
    const p = await loadPredictor([dir]);
    try {
      expect(p.postprocess).not.toBeNull();
      const out = path.join(work, 'pred');
      const [r] = await predictFiles(p.nets, [path.join(sampleDataRoot(), 'images', '161_t2_SPACE_slice57.png')], { output: out, overlay: false, batchSize: 1, postprocess: p.postprocess });
      expect(r!.counts.reduce((x, y) => x + y, 0)).toBe(128 * 160);
    } finally {
      p.dispose();
    }
  });

  it('Table 2 on the recorded test patients at the original resolution, with and without the stored post-processing', async () => {
    const pp = { version: 1, unit: 'grid-px', classes: { 2: { keepLargest: true, minSize: 0, fillHoles: false } } };
    const dir = await writeCheckpoint('test-eval', [64, 80], 3, { split: { train: ['118'], val: ['209'], test: ['161', '98'] }, postprocess: pp });
    const withPp = await evaluateTestPatients({ checkpoints: [dir], data: sampleDataRoot() });
    const without = await evaluateTestPatients({ checkpoints: [dir], data: sampleDataRoot(), postprocess: false });
    expect(withPp.split.test).toEqual(['161', '98']);
    expect(withPp.slices).toBe(12);
    expect(withPp.resolution).toBe('128x160');
    expect(withPp.postprocessed).toBe(true);
    expect(without.postprocessed).toBe(false);
    expect(withPp.summary.map((r) => r.label)).toEqual(['Vertebrae', 'Spinal canal', 'IVDs', 'Mean']);
    expect(withPp.table2).toMatch(/^Test patients 161, 98 \(12 slices at 128x160\), post-processed/);
    expect(withPp.table2).toMatch(/ASD \(px\)/);
    // keep-largest only removes canal pixels: vertebrae and discs score the same either way
    expect(withPp.summary[0]!.dice).toBe(without.summary[0]!.dice);
    expect(withPp.summary[2]!.dice).toBe(without.summary[2]!.dice);
  });
});

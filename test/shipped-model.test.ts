// The shipped model (models/default): it loads with its post-processing, predicts the full-resolution test
// slices shipped beside it, and the Dice this test computes itself matches the figure MODEL.md states for
// that subset within 0.02 (an ensemble predicts with the test-time augmentation it records, as `predict` does). Without models/default (a branch before the model lands) the test is skipped
// with that reason in its name. SPINESEG_SHIPPED_MODEL points it at another folder laid out the same way.
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { loadPredictor, defaultModelDir } from '../src/app/checkpoints.ts';
import { loadOriginalSlices, predictOriginal } from '../src/app/evaluate-checkpoint.ts';
import { listSlicePairs, parseSliceName } from '../src/pipeline/dataset.ts';

const dir = process.env.SPINESEG_SHIPPED_MODEL ?? defaultModelDir();
// one checkpoint (scripts/ship-model.ts) or a folder of folds with ensemble.json (scripts/ship-ensemble.ts)
const ensemble = fs.existsSync(path.join(dir, 'ensemble.json'));
const present = (ensemble || fs.existsSync(path.join(dir, 'model.safetensors'))) && fs.existsSync(path.join(dir, 'MODEL.md'));
if (!present) console.warn(`[shipped-model] skipped: no ${dir}/model.safetensors or ensemble.json, with MODEL.md; the lead adds models/default with scripts/ship-model.ts or ship-ensemble.ts`);
const title = present ? `shipped model in ${dir}` : `shipped model: SKIPPED, no ${dir}/model.safetensors or ensemble.json, with MODEL.md (the lead adds models/default with scripts/ship-model.ts or ship-ensemble.ts)`;

/** Every weights file of the model: one, or one per ensemble member. */
function weightFiles(): string[] {
  if (!ensemble) return [path.join(dir, 'model.safetensors')];
  const members = (JSON.parse(fs.readFileSync(path.join(dir, 'ensemble.json'), 'utf8')) as { members: string[] }).members;
  return members.map((m) => path.join(dir, m, 'model.safetensors'));
}

/** Dice of class c over one slice; null when the class is in neither map. */
function dice(pred: Uint8Array, truth: Uint8Array, c: number): number | null {
  let inter = 0;
  let p = 0;
  let t = 0;
  for (let i = 0; i < pred.length; i++) {
    if (pred[i] === c) p++;
    if (truth[i] === c) t++;
    if (pred[i] === c && truth[i] === c) inter++;
  }
  return p + t === 0 ? null : (2 * inter) / (p + t);
}

describe.skipIf(!present)(title, () => {
  it('predicts its test subset at full resolution with the Dice MODEL.md states (within 0.02)', async () => {
    const md = fs.readFileSync(path.join(dir, 'MODEL.md'), 'utf8');
    const stated = /^Test-subset Dice \(mean of the per-class means of per-slice Dice[^)]*\): ([0-9.]+)\s*$/m.exec(md);
    expect(stated, `${dir}/MODEL.md states no "Test-subset Dice (...): X" line`).not.toBeNull();
    expect(md).toMatch(/CC BY 4\.0/);
    const subset = path.join(dir, 'test-subset');
    const pairs = listSlicePairs(subset);
    const bytes = pairs.reduce((a, p) => a + fs.statSync(p.imageFile).size + fs.statSync(p.maskFile).size, 0);
    expect(bytes, 'test subset stays a few MB').toBeLessThan(8e6);
    const weightBytes = weightFiles().reduce((a, f) => a + fs.statSync(f).size, 0);
    expect(weightBytes, 'model weights within 12 MB (every ensemble member together)').toBeLessThanOrEqual(12e6);

    const predictor = await loadPredictor([dir]);
    try {
      expect(predictor.postprocess, `${dir}/config.json has a postprocess block`).not.toBeNull();
      const samples = loadOriginalSlices(subset, [...new Set(pairs.map((p) => parseSliceName(p.imageFile).patient))]);
      const preds = await predictOriginal(predictor.nets, samples, { postprocess: predictor.postprocess, tta: predictor.tta });
      const perClass = [1, 2, 3].map((c) => {
        const scores = preds.map((p) => dice(p.labels, p.sample.labels, c)).filter((d): d is number => d !== null);
        return scores.reduce((a, b) => a + b, 0) / scores.length;
      });
      const computed = perClass.reduce((a, b) => a + b, 0) / 3;
      expect(preds.every((p) => p.labels.length === p.sample.width * p.sample.height)).toBe(true);
      expect(Math.abs(computed - Number(stated![1])), `computed ${computed.toFixed(4)} (vertebrae / canal / discs ${perClass.map((d) => d.toFixed(4)).join(' / ')}), MODEL.md states ${stated![1]}`).toBeLessThanOrEqual(0.02);
    } finally {
      predictor.dispose();
    }
  });
});

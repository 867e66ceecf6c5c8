// The shipped model's default prediction path, label for label: predictOriginal with the recorded
// post-processing must equal class probabilities resampled bilinearly to each slice (then argmax) plus the
// config's postprocess block, rebuilt here step by step. A Dice within 0.02 (test/shipped-model.test.ts)
// cannot tell nearest-neighbour label upsampling from probability resampling, nor post-processing on from off;
// this test fails on either, and checks that both choices change at least one slice of the subset. For an
// ensemble, the probabilities are the members' average under the test-time augmentation the checkpoint records.
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { loadPredictor, defaultModelDir } from '../src/app/checkpoints.ts';
import { loadOriginalSlices, predictOriginal } from '../src/app/evaluate-checkpoint.ts';
import { listSlicePairs, parseSliceName } from '../src/pipeline/dataset.ts';
import { toModelInput, modelProbabilities, probabilitiesToSlice, argmaxProbabilities, fromModelOutput, thresholdSpacing } from '../src/model/predict.ts';
import { applyPostprocess } from '../src/pipeline/postprocess.ts';

const dir = process.env.SPINESEG_SHIPPED_MODEL ?? defaultModelDir();
// one checkpoint, or a folder of folds (ensemble.json: scripts/ship-ensemble.ts)
const present = (fs.existsSync(path.join(dir, 'model.safetensors')) && fs.existsSync(path.join(dir, 'config.json'))) || fs.existsSync(path.join(dir, 'ensemble.json'));
const title = present ? `shipped model in ${dir}: default prediction path` : `shipped model prediction path: SKIPPED, no ${dir}/model.safetensors or ensemble.json`;

function firstDifference(a: Uint8Array, b: Uint8Array): string | null {
  if (a.length !== b.length) return `${a.length} labels vs ${b.length}`;
  let n = 0;
  let first = -1;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) { n++; if (first < 0) first = i; }
  return n ? `${n} pixels differ, first at ${first}: ${a[first]} vs ${b[first]}` : null;
}

describe.skipIf(!present)(title, () => {
  it('equals probability resampling plus the recorded post-processing exactly; resampling and post-processing each change at least one slice', async () => {
    const subset = path.join(dir, 'test-subset');
    const patients = [...new Set(listSlicePairs(subset).map((p) => parseSliceName(p.imageFile).patient))];
    const predictor = await loadPredictor([dir]);
    try {
      const block = predictor.postprocess;
      expect(block, `${dir}/config.json has a postprocess block`).not.toBeNull();
      const samples = loadOriginalSlices(subset, patients);
      const got = await predictOriginal(predictor.nets, samples, { postprocess: block, tta: predictor.tta });
      const { width: W, height: H, classes } = predictor.nets[0]!.config;
      const batchSize = 4;
      let changedByPostprocess = 0;
      let changedByNearest = 0;
      for (let i = 0; i < samples.length; i += batchSize) {
        const batch = samples.slice(i, i + batchSize);
        const input = new Float32Array(batch.length * W * H);
        batch.forEach((s, k) => input.set(toModelInput(s, W, H), k * W * H));
        const probs = await modelProbabilities(predictor.nets, input, batch.length, predictor.tta);
        batch.forEach((s, k) => {
          const p = probs.subarray(k * W * H * classes, (k + 1) * W * H * classes);
          const resampled = argmaxProbabilities(probabilitiesToSlice(p, classes, s, W, H), classes);
          const nearest = fromModelOutput(argmaxProbabilities(p, classes), s, W, H);
          const px = thresholdSpacing(block!.unit, s, W, H, s.spacing);
          const want = applyPostprocess(resampled, [1, s.height, s.width], [1, px[0], px[1]], block!, false);
          const slice = `${path.basename(s.file)} (${s.width}x${s.height})`;
          const diffRaw = firstDifference(got[i + k]!.raw, resampled);
          expect(diffRaw, `${slice}: predictOriginal's raw labels vs probabilities resampled bilinearly then argmax: ${diffRaw}`).toBeNull();
          const diff = firstDifference(got[i + k]!.labels, want);
          expect(diff, `${slice}: predicted labels vs resampled + recorded post-processing: ${diff}`).toBeNull();
          if (firstDifference(want, resampled)) changedByPostprocess++;
          if (firstDifference(nearest, resampled)) changedByNearest++;
        });
      }
      // a block that keeps no step (cross-validation found none worth it) changes nothing, and the comparison above shows it
      const steps = Object.values(block!.classes).filter((c) => c.minSize > 0 || c.keepLargest || c.fillHoles).length;
      if (steps > 0) expect(changedByPostprocess, `slices of ${samples.length} that the recorded post-processing (${steps} classes with steps) changes`).toBeGreaterThan(0);
      else expect(changedByPostprocess).toBe(0);
      expect(changedByNearest, `slices of ${samples.length} where nearest label upsampling differs from probability resampling`).toBeGreaterThan(0);
    } finally {
      predictor.dispose();
    }
  });
});

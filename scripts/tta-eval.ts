// Test-time augmentation on a checkpoint's own validation patients (its config's split.val) at the original
// resolution: mean per-slice Dice per class and milliseconds per slice for none, flip and full, and the confidence
// score's Spearman correlation with slice Dice. What `spineseg train --folds` does out of fold, for one existing
// checkpoint (the shipped model's MODEL.md table comes from here):
//   npx tsx scripts/tta-eval.ts --checkpoint models/default --data ../shared/data/spider-t2space-png
import { parseArgs } from 'node:util';
import { loadPredictor } from '../src/app/checkpoints.ts';
import { recordedSplit, loadOriginalSlices } from '../src/app/evaluate-checkpoint.ts';
import { ttaScores, sliceMeanDice } from '../src/app/crossval.ts';
import { sliceScore, spearman } from '../src/app/confidence.ts';
import { TTA_MODES } from '../src/model/predict.ts';
import { machineInfo } from '../src/app/machine.ts';
import { initGpu } from '../src/runtime/gpu.ts';

const { values } = parseArgs({ options: { checkpoint: { type: 'string' }, data: { type: 'string' }, batch: { type: 'string', default: '4' } }, strict: true });
if (!values.checkpoint || !values.data) throw new Error('usage: tsx scripts/tta-eval.ts --checkpoint DIR --data DIR [--batch N]');
const batch = Number(values.batch);
if (!(Number.isInteger(batch) && batch >= 1)) throw new Error(`--batch '${values.batch}' must be a positive integer`);
const g = await initGpu();
const predictor = await loadPredictor([values.checkpoint]);
try {
  const split = recordedSplit(predictor.configs[0]!, predictor.files[0]!, values.data);
  const samples = loadOriginalSlices(values.data, split.val);
  const m = machineInfo(g.adapter);
  console.log(`${values.checkpoint}: ${samples.length} slices of validation patients ${split.val.join(', ')}; ${m.adapter}; ${m.cpu}, ${m.cores} cores`);
  console.log('| TTA | vertebrae | canal | discs | mean | ms per slice | Spearman (score vs slice Dice) |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of await ttaScores(predictor.nets, samples, TTA_MODES, batch)) {
    const sliceDice = r.raw.map((p, i) => sliceMeanDice(p, samples[i]!.labels, predictor.nets[0]!.config.classes));
    const rho = spearman(r.confidence.map(sliceScore), sliceDice);
    const mean = r.dice.filter((d): d is number => d !== null).reduce((a, b) => a + b, 0) / 3;
    console.log(`| ${r.tta} | ${r.dice.map((d) => d?.toFixed(4) ?? 'n/a').join(' | ')} | ${mean.toFixed(4)} | ${r.msPerSlice.toFixed(0)} | ${Number.isNaN(rho) ? 'n/a (one member: every score 1)' : rho.toFixed(3)} |`);
  }
} finally {
  predictor.dispose();
}

// Ships a finished cross-validation (`spineseg train --folds N --out runs/cv`) as the repository's default model:
//   npx tsx scripts/ship-ensemble.ts --run runs/cv [--data ../shared/data/spider-t2space-png] [--out models/default] [--subset 8] [--log runs/cv.log]
// The folds become one model: ensemble.json plus each fold's best checkpoint (config.json with the post-processing,
// confidence threshold and TTA that cross-validation decided out of fold, model.safetensors) and history.json, with
// crossval.md/json and the training log. Nothing here chooses anything: every decision was made on validation
// patients by the cross-validation. The TEST patients are evaluated here, once: the shipped configuration, the same
// without post-processing or TTA, each fold alone, and the model being replaced. The model being replaced keeps
// its MODEL.md, history and log (not its weights) in previous/. The folder is built beside --out and swapped in
// whole, so a failure leaves the previous model.
import fs from 'node:fs';
import path from 'node:path';
import { initGpu, adapterName } from '../src/runtime/gpu.ts';
import { describePostprocess } from '../src/pipeline/postprocess.ts';
import { formatTable2, type Table2Row } from '../src/metrics/evaluate.ts';
import { meanDice } from '../src/app/postprocess-decision.ts';
import { loadOriginalSlices, predictOriginal, recordedSplit, scorePredictions, sizesOf, requireDataFolder } from '../src/app/evaluate-checkpoint.ts';
import { loadPredictor, type LoadedPredictor } from '../src/app/checkpoints.ts';
import { ENSEMBLE_FILE, parseEnsembleManifest } from '../src/app/ensemble.ts';
import { readConfidenceBlock, sliceScore, spearman } from '../src/app/confidence.ts';
import { sliceMeanDice } from '../src/app/crossval.ts';
import type { SliceConfidence, TtaMode } from '../src/model/predict.ts';
import type { EpochRecord } from '../src/model/train.ts';
import { copyTestSubset, goalLine, portable, portableConfig, spiderCredit, swapIn, shipArgs, withoutMachinePaths } from './ship-common.ts';

const { run, data, out, subsetSize, log } = shipArgs('ship-ensemble.ts', 'runs/CV');
for (const f of [ENSEMBLE_FILE, 'crossval.md', 'crossval.json', 'crossval-plan.json']) {
  if (!fs.existsSync(path.join(run, f))) throw new Error(`${path.join(run, f)}: file not found (is ${run} a finished \`spineseg train --folds\` run?)`);
}
requireDataFolder(data);
const manifest = parseEnsembleManifest(JSON.parse(fs.readFileSync(path.join(run, ENSEMBLE_FILE), 'utf8')), path.join(run, ENSEMBLE_FILE));
const plan = JSON.parse(fs.readFileSync(path.join(run, 'crossval-plan.json'), 'utf8')) as Record<string, unknown>;
const logFile = log ?? [path.join(run, 'train.log'), `${run}.log`].find((f) => fs.existsSync(f));

const g = await initGpu();
const stage = `${out}.tmp-${process.pid}`;
fs.rmSync(stage, { recursive: true, force: true });
fs.mkdirSync(stage, { recursive: true });

// 1. the folds, flattened to fold-k/ (a member `fold-3/checkpoint-best` ships as `fold-3`)
const members: string[] = [];
for (const m of manifest.members) {
  const fold = m.split('/')[0]!;
  const to = path.join(stage, fold);
  fs.mkdirSync(to, { recursive: true });
  for (const f of ['config.json', 'model.safetensors']) fs.copyFileSync(path.join(run, m, f), path.join(to, f));
  portableConfig(path.join(to, 'config.json'));
  const history = path.join(run, fold, 'history.json');
  if (fs.existsSync(history)) fs.copyFileSync(history, path.join(to, 'history.json'));
  for (const f of fs.readdirSync(path.join(run, fold)).filter((f) => /^curve-(dice|loss)\.png$/.test(f))) fs.copyFileSync(path.join(run, fold, f), path.join(to, f));
  members.push(fold);
}
fs.writeFileSync(path.join(stage, ENSEMBLE_FILE), JSON.stringify({ ...manifest, members }, null, 2));
for (const f of ['crossval.md', 'crossval.json']) fs.writeFileSync(path.join(stage, f), withoutMachinePaths(fs.readFileSync(path.join(run, f), 'utf8'), run, data));
if (logFile) fs.writeFileSync(path.join(stage, 'train.log'), withoutMachinePaths(fs.readFileSync(logFile, 'utf8'), run, data));
// the model being replaced: its record, not its weights (git history has them)
const previousSingle = fs.existsSync(path.join(out, 'model.safetensors')) && fs.existsSync(path.join(out, 'config.json'));
if (fs.existsSync(out)) {
  fs.mkdirSync(path.join(stage, 'previous'), { recursive: true });
  for (const f of fs.readdirSync(out).filter((f) => /^(MODEL\.md|config\.json|history\.json|train\.log|ablation-.*\.(json|log))$/.test(f))) fs.copyFileSync(path.join(out, f), path.join(stage, 'previous', f));
}

// 2. the TEST patients, once
const ensemble = await loadPredictor([stage]);
const configFile = ensemble.files[0]!;
const split = recordedSplit(ensemble.configs[0] as never, configFile, data);
if (split.test.length === 0) throw new Error(`${configFile}: the split leaves no test patients in ${data}`);
for (const [i, c] of ensemble.configs.entries()) {
  const s = recordedSplit(c as never, ensemble.files[i]!, data);
  if (s.test.join() !== split.test.join()) throw new Error(`${ensemble.files[i]}: test patients ${s.test.join(', ')} differ from ${configFile}'s ${split.test.join(', ')}`);
}
const block = ensemble.postprocess;
if (!block) throw new Error(`${configFile}: no postprocess block (the cross-validation did not finish its decisions)`);
const confidenceBlock = readConfidenceBlock(ensemble.configs[0], configFile);
const tta: TtaMode = ensemble.tta;
const test = loadOriginalSlices(data, split.test);
console.error(`evaluating ${test.length} slices of test patients ${split.test.join(', ')} at ${sizesOf(test)}`);

const confidence: SliceConfidence[] = [];
const shippedPreds = await predictOriginal(ensemble.nets, test, { postprocess: block, tta, onSliceConfidence: (k, c) => (confidence[k] = c) });
const variants: { label: string; summary: Table2Row[] }[] = [];
const score = async (label: string, preds: { sample: (typeof test)[number]; labels: Uint8Array }[]) => {
  console.error(`scoring: ${label}`);
  const { summary } = await scorePredictions(preds);
  variants.push({ label, summary });
  return summary;
};
const shipped = await score(`ensemble of ${members.length}, TTA ${tta}, post-processed (shipped)`, shippedPreds);
await score(`ensemble of ${members.length}, TTA ${tta}, no post-processing`, shippedPreds.map((p) => ({ sample: p.sample, labels: p.raw })));
if (tta !== 'none') await score(`ensemble of ${members.length}, no TTA, post-processed`, await predictOriginal(ensemble.nets, test, { postprocess: block }));
for (const [i, net] of ensemble.nets.entries()) await score(`${members[i]} alone, TTA ${tta}, post-processed`, await predictOriginal([net], test, { postprocess: block, tta }));
ensemble.dispose();
let previous: LoadedPredictor | null = null;
if (previousSingle) {
  previous = await loadPredictor([out]);
  const pm = previous.configs[0]!.model;
  await score(`the model replaced (one ${pm.width}x${pm.height} checkpoint, width x${pm.widthMult}, its own post-processing)`, await predictOriginal(previous.nets, test, { postprocess: previous.postprocess, tta: previous.tta }));
  previous.dispose();
}

// the confidence signal on the test patients: the threshold chosen out of fold, applied to the ensemble
const sliceDice = shippedPreds.map((p) => sliceMeanDice(p.labels, p.sample.labels, 4));
const scores = confidence.map(sliceScore);
const flagged = confidenceBlock ? scores.map((s) => s < confidenceBlock.threshold) : scores.map(() => false);
const meanOf = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
const flaggedDice = meanOf(sliceDice.filter((_, i) => flagged[i]));
const otherDice = meanOf(sliceDice.filter((_, i) => !flagged[i]));
const rho = spearman(scores, sliceDice);

// 3. the test subset, predicted as `spineseg predict` does with this model
const changed = new Set(shippedPreds.filter((p) => p.labels.some((v, i) => v !== p.raw[i])).map((p) => path.basename(p.sample.file)));
console.error(`the post-processing changes ${changed.size} of ${test.length} test slices`);
const subset = copyTestSubset(data, split.test, subsetSize, stage, changed);
const reloaded = await loadPredictor([stage]);
const subsetSamples = loadOriginalSlices(path.join(stage, 'test-subset'), subset.patients);
const subsetPreds = await predictOriginal(reloaded.nets, subsetSamples, { postprocess: reloaded.postprocess, tta: reloaded.tta });
reloaded.dispose();
const subsetDice = [1, 2, 3].map((c) => meanDice(subsetPreds.map((p) => p.labels), subsetPreds.map((p) => p.sample.labels), c));
const subsetMean = subsetDice.reduce((a: number, d) => a + (d ?? 0), 0) / subsetDice.length;

// 4. MODEL.md
const f4 = (v: number | null) => (v === null || Number.isNaN(v) ? 'n/a' : v.toFixed(4));
const folds = members.map((m) => {
  const file = path.join(stage, m, 'history.json');
  const h = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as EpochRecord[]) : [];
  const best = h.reduce((b, x) => (x.valMeanIoU > b.valMeanIoU ? x : b), h[0] ?? ({ valMeanIoU: -1, epoch: 0 } as EpochRecord));
  return { m, epochs: h.length, best: best.epoch, minutes: h.reduce((a, x) => a + x.seconds, 0) / 60 };
});
const weightsMb = members.reduce((a, m) => a + fs.statSync(path.join(stage, m, 'model.safetensors')).size, 0) / 1e6;
const model = ensemble.configs[0]!.model;
const trainAdapter = logFile ? (/adapter (.+)$/m.exec(fs.readFileSync(logFile, 'utf8'))?.[1] ?? 'not recorded') : 'not recorded (no log)';
const augment = (plan.augment as { level?: string } | undefined)?.level;
const command = `npx spineseg train --data ${portable(data)} --folds ${plan.folds} --size ${plan.width}x${plan.height} --width-mult ${plan.widthMult} --batch ${plan.batchSize} --epochs ${plan.epochs} --lr ${plan.lr} --lr-schedule ${plan.lrSchedule} --bn-momentum ${plan.bnMomentum} --augment ${augment} --seed ${plan.seed} --out ${portable(run)}`;
const crossval = fs.readFileSync(path.join(stage, 'crossval.md'), 'utf8').replace(/^#/gm, '##').replace(/^## \d+-fold cross-validation\n/, '');
const md = [
  '# The shipped spineseg model',
  '',
  `An ensemble of the ${members.length} cross-validation folds of the paper's U-Net at ${model.width}x${model.height}, width multiplier ${model.widthMult} (${weightsMb.toFixed(1)} MB of float32 weights in all), trained with this repository's own \`spineseg train --folds\` on hand-written WebGPU kernels. \`spineseg predict\` and the web app use it when no checkpoint is given: each fold's softmax probabilities, under the test-time augmentation cross-validation chose (**${tta}**), are averaged, resampled to the slice, and post-processed as decided out of fold.`,
  '',
  '## Data',
  '',
  spiderCredit(data),
  '',
  'Patients, split patient-wise (every slice of a patient on one side):',
  '',
  `- cross-validation (training and validation, ${members.length} folds): ${[...split.train, ...split.val].sort((a, b) => Number(a) - Number(b)).join(', ')}`,
  `- test (held out of every fold and every choice; only the tables under "Test patients"): ${split.test.join(', ')}`,
  '',
  '## Training',
  '',
  '```bash',
  command,
  '```',
  '',
  '| fold | epochs | best epoch | minutes |',
  '|---|---|---|---|',
  ...folds.map((f) => `| ${f.m} | ${f.epochs} | ${f.best} | ${f.minutes.toFixed(0)} |`),
  '',
  `Adapter: ${trainAdapter}. Total training time ${folds.reduce((a, f) => a + f.minutes, 0).toFixed(0)} min (sum of the epochs in each fold's history.json). Files: ensemble.json, fold-k/{config.json, model.safetensors, history.json, curve-dice.png, curve-loss.png}, crossval.md, crossval.json${logFile ? ', train.log' : ''}.`,
  '',
  '## Cross-validation (validation patients of each fold, out of fold)',
  '',
  crossval.trim(),
  '',
  `Applied by \`spineseg predict\` (turn off with \`--no-postprocess\`): ${describePostprocess(block, ensemble.configs[0]!.classes)}.`,
  '',
  `## Test patients at the original resolution (${test.length} slices at ${sizesOf(test)})`,
  '',
  `Measured once by \`scripts/ship-ensemble.ts\` on ${adapterName(g.adapter)}, after every choice above was made. The PNG export has no pixel spacing, so ASD and HD95 are in **pixels** of the original slices and NSD uses a 1-pixel tolerance. Per-slice scores averaged over slices.`,
  '',
  '```',
  formatTable2(shipped, `Ensemble of ${members.length}, TTA ${tta}, probabilities resampled bilinearly, post-processed`, 'px'),
  '```',
  '',
  `Goal (Dice >= 0.92 per class at full resolution): ${goalLine(shipped)}.`,
  '',
  '| prediction (test Dice) | Vertebrae | Spinal canal | IVDs | Mean |',
  '|---|---|---|---|---|',
  ...variants.map((v) => `| ${v.label} | ${v.summary.slice(0, 3).map((r) => f4(r.dice)).join(' | ')} | ${f4(v.summary[3]!.dice)} |`),
  '',
  '### The confidence signal on the test patients',
  '',
  confidenceBlock
    ? `The threshold ${f4(confidenceBlock.threshold)} (chosen out of fold with one network and ${confidenceBlock.members} members per slice) flags ${flagged.filter(Boolean).length} of ${test.length} test slices scored by the ensemble (the mean of its ${members.length} networks' own agreements across the ${tta} views). Their mean slice Dice is ${f4(flaggedDice)} against ${f4(otherDice)} for the others; Spearman's rho between score and slice Dice is ${f4(rho)}.`
    : 'The checkpoints carry no confidence block.',
  '',
  '## Test subset',
  '',
  `\`test-subset/\` holds ${subset.names.length} full-resolution slices of the test patients (${(subset.bytes / 1e6).toFixed(1)} MB): ${subset.names.join(', ')}. \`test/shipped-model.test.ts\` predicts them with this model and recomputes their Dice.`,
  '',
  `Test-subset Dice (mean of the per-class means of per-slice Dice, vertebrae / canal / discs ${subsetDice.map(f4).join(' / ')}): ${subsetMean.toFixed(4)}`,
  '',
  ...(fs.existsSync(path.join(stage, 'previous'))
    ? ['## The model this one replaced', '', '`previous/` keeps its MODEL.md (with the input-size, width and augmentation ablations), config, history and logs; its weights are in the git history.', '']
    : []),
].join('\n');
fs.writeFileSync(path.join(stage, 'MODEL.md'), md);

swapIn(stage, out);
console.log(md);
console.log(`shipped to ${out}`);
process.exit(0);

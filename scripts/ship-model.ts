// Ships a finished training run as the repository's default model (models/default by default):
//   npx tsx scripts/ship-model.ts --run runs/NAME [--data ../shared/data/spider-t2space-png] [--out models/default] [--subset 8] [--log FILE]
// It copies RUN/checkpoint-best (config.json, model.safetensors) with the run's history.json, train log and
// learning curves; decides post-processing on the checkpoint's VALIDATION patients (written into
// config.json); evaluates its TEST patients at the data's original resolution (Table 2, plus ablation rows:
// nearest-neighbour label upsampling vs probability resampling, with and without post-processing); copies
// a few full-resolution test slices to test-subset/{images,masks} and states their Dice; writes MODEL.md.
// The folder is built beside --out and swapped in whole, so a failure leaves the previous model.
import fs from 'node:fs';
import path from 'node:path';
import { initGpu, adapterName } from '../src/runtime/gpu.ts';
import { loadCheckpoint } from '../src/app/session.ts';
import { describePostprocess, type PostprocessBlock } from '../src/pipeline/postprocess.ts';
import { formatTable2, type Table2Row } from '../src/metrics/evaluate.ts';
import { postprocessCheckpoint, meanDice } from '../src/app/postprocess-decision.ts';
import { loadOriginalSlices, predictOriginal, recordedSplit, scorePredictions, sizesOf, requireDataFolder } from '../src/app/evaluate-checkpoint.ts';
import type { EpochRecord } from '../src/model/train.ts';
import { copyTestSubset, goalLine, portableConfig, spiderCredit, swapIn, shipArgs, withoutMachinePaths } from './ship-common.ts';

const { run, data, out, subsetSize, log } = shipArgs('ship-model.ts', 'runs/NAME');
const best = path.join(run, 'checkpoint-best');
for (const f of ['config.json', 'model.safetensors']) if (!fs.existsSync(path.join(best, f))) throw new Error(`${path.join(best, f)}: file not found (is ${run} a finished spineseg train run?)`);
requireDataFolder(data);
const logFile = log ?? [path.join(run, 'train.log'), `${run}.log`].find((f) => fs.existsSync(f));

const g = await initGpu();
const stage = `${out}.tmp-${process.pid}`;
fs.rmSync(stage, { recursive: true, force: true });
fs.mkdirSync(stage, { recursive: true });
for (const f of ['config.json', 'model.safetensors']) fs.copyFileSync(path.join(best, f), path.join(stage, f));
for (const f of fs.readdirSync(run).filter((f) => f === 'history.json' || /^curve-.*\.png$/.test(f))) fs.copyFileSync(path.join(run, f), path.join(stage, f));
// the shipped files name no folder of the machine that trained them: paths become relative to the repository
portableConfig(path.join(stage, 'config.json'));
if (logFile) fs.writeFileSync(path.join(stage, 'train.log'), withoutMachinePaths(fs.readFileSync(logFile, 'utf8'), run, data));

const load = async (dir: string) => {
  const ck = await loadCheckpoint(dir);
  return { net: ck.model, config: ck.config as unknown as Record<string, unknown> };
};

// 1. post-processing on the validation patients (written into the staged config.json)
console.error('deciding post-processing on the validation patients');
const decision = await postprocessCheckpoint({ checkpoint: stage, data, load, log: (l) => console.error(l) });
const { model, config } = await loadCheckpoint(stage);
const configFile = path.join(stage, 'config.json');
const split = recordedSplit(config as never, configFile, data);
if (split.test.length === 0) throw new Error(`${configFile}: the split leaves no test patients in ${data}`);
const names = config.classes;

// 2. test patients at the original resolution: nearest labels vs probabilities, without and with post-processing
const test = loadOriginalSlices(data, split.test);
console.error(`evaluating ${test.length} slices of test patients ${split.test.join(', ')} at ${sizesOf(test)}`);
const block: PostprocessBlock = decision.block;
const nearest = await predictOriginal(model, test, { upsampling: 'nearest', postprocess: block });
const resampled = await predictOriginal(model, test, { upsampling: 'probabilities', postprocess: block });
const variants = [
  { label: 'network labels upsampled nearest-neighbour, no post-processing', preds: nearest.map((p) => ({ sample: p.sample, labels: p.raw })) },
  { label: 'network labels upsampled nearest-neighbour, post-processed', preds: nearest },
  { label: 'probabilities resampled bilinearly, no post-processing', preds: resampled.map((p) => ({ sample: p.sample, labels: p.raw })) },
  { label: 'probabilities resampled bilinearly, post-processed (shipped)', preds: resampled },
];
const scored: { label: string; summary: Table2Row[] }[] = [];
for (const v of variants) {
  console.error(`scoring: ${v.label}`);
  scored.push({ label: v.label, summary: (await scorePredictions(v.preds)).summary });
}
const shipped = scored[3]!.summary;

// 3. the test subset: slices spread evenly over the test patients, copied at full resolution
const subset = copyTestSubset(data, split.test, subsetSize, stage);
const subsetSamples = loadOriginalSlices(path.join(stage, 'test-subset'), subset.patients);
const subsetPreds = await predictOriginal(model, subsetSamples, { postprocess: block });
const subsetDice = [1, 2, 3].map((c) => meanDice(subsetPreds.map((p) => p.labels), subsetPreds.map((p) => p.sample.labels), c));
const subsetMean = subsetDice.reduce((a: number, d) => a + (d ?? 0), 0) / subsetDice.length;

// 4. MODEL.md
const history = fs.existsSync(path.join(stage, 'history.json')) ? (JSON.parse(fs.readFileSync(path.join(stage, 'history.json'), 'utf8')) as EpochRecord[]) : [];
const trainSeconds = history.reduce((a, h) => a + h.seconds, 0);
const logText = logFile ? fs.readFileSync(logFile, 'utf8') : '';
const trainAdapter = /adapter (.+)$/m.exec(logText)?.[1] ?? 'not recorded (no train log)';
const t = config.training as unknown as Record<string, unknown>;
const flagValue = (v: unknown): string => {
  const fold = v as { k?: number; n?: number } | null;
  return typeof v === 'object' && fold && fold.k !== undefined ? `${fold.k}/${fold.n}` : String(v);
};
const flag = (name: string, v: unknown) => (v === undefined ? '' : ` --${name} ${flagValue(v)}`);
const command =
  `npx spineseg train --data ${t.data} --out ${t.out} --size ${t.width}x${t.height}` +
  flag('width-mult', t.widthMult) + flag('batch', t.batchSize) + flag('epochs', t.epochs) + flag('patience', t.patience) + flag('lr', t.lr) +
  flag('bn-momentum', t.bnMomentum) + flag('val-fraction', t.valFraction) + flag('test-fraction', t.testFraction) + flag('fold', t.fold) + flag('seed', t.seed) +
  flag('lr-schedule', t.lrSchedule) + (t.lrSchedule === 'cosine' ? flag('warmup-epochs', t.warmupEpochs) : '') +
  flag('augment', (t.augment as { level?: string } | undefined)?.level) +
  flag('steps-per-epoch', t.stepsPerEpoch) + flag('max-slices-per-patient', t.maxSlicesPerPatient);
const f4 = (v: number | null) => (v === null ? 'n/a' : v.toFixed(4));
const diceRow = (label: string, rows: Table2Row[]) => `| ${label} | ${rows.slice(0, 3).map((r) => f4(r.dice)).join(' | ')} | ${f4(rows[3]!.dice)} |`;
const sizeMb = (fs.statSync(path.join(stage, 'model.safetensors')).size / 1e6).toFixed(1);
const md = [
  '# The shipped spineseg model',
  '',
  `A U-Net (the paper's architecture at ${config.model.width}x${config.model.height}, width multiplier ${config.model.widthMult}, ${sizeMb} MB of float32 weights) trained with this repository's own \`spineseg train\` on hand-written WebGPU kernels. \`spineseg predict\` and the web app use it when no checkpoint is given.`,
  '',
  '## Data',
  '',
  spiderCredit(data),
  '',
  'Patients, split patient-wise (every slice of a patient on one side):',
  '',
  `- training: ${split.train.join(', ')}`,
  `- validation (early stopping, best checkpoint, post-processing): ${split.val.join(', ')}`,
  `- test (only the tables below): ${split.test.join(', ')}`,
  '',
  '## Training',
  '',
  '```bash',
  command,
  '```',
  '',
  `- random seed ${t.seed}; ${history.length} epochs, best epoch ${history.reduce((b, h) => (h.valMeanIoU > b.valMeanIoU ? h : b), history[0] ?? ({ valMeanIoU: -1, epoch: 0 } as EpochRecord)).epoch}; training time ${(trainSeconds / 60).toFixed(0)} min (sum of the epochs in history.json)`,
  `- adapter: ${trainAdapter}`,
  `- files: config.json, model.safetensors, history.json, ${logFile ? 'train.log, ' : ''}curve-*.png`,
  '',
  '## Post-processing (decided on the validation patients, at the original resolution)',
  '',
  decision.table,
  '',
  `Applied by \`spineseg predict\` (turn off with \`--no-postprocess\`): ${describePostprocess(block, names)}.`,
  '',
  `## Test patients at the original resolution (${test.length} slices at ${sizesOf(test)})`,
  '',
  `Measured by \`scripts/ship-model.ts\` on ${adapterName(g.adapter)}. The PNG export has no pixel spacing, so ASD and HD95 are in **pixels** of the original slices and NSD uses a 1-pixel tolerance. Per-slice scores averaged over slices.`,
  '',
  '```',
  formatTable2(shipped, 'Probabilities resampled bilinearly, post-processed', 'px'),
  '```',
  '',
  `Goal (Dice >= 0.92 per class at full resolution): ${goalLine(shipped)}.`,
  '',
  '## Ablation (test Dice at the original resolution, this checkpoint)',
  '',
  '| prediction | Vertebrae | Spinal canal | IVDs | Mean |',
  '|---|---|---|---|---|',
  ...scored.map((s) => diceRow(s.label, s.summary)),
  '',
  'Rows for the training changes, input size and width need one training run each and are not measured here.',
  '',
  '## Test subset',
  '',
  `\`test-subset/\` holds ${subset.names.length} full-resolution slices of the test patients (${(subset.bytes / 1e6).toFixed(1)} MB): ${subset.names.join(', ')}. \`test/shipped-model.test.ts\` predicts them and recomputes their Dice.`,
  '',
  `Test-subset Dice (mean of the per-class means of per-slice Dice, vertebrae / canal / discs ${subsetDice.map(f4).join(' / ')}): ${subsetMean.toFixed(4)}`,
  '',
].join('\n');
fs.writeFileSync(path.join(stage, 'MODEL.md'), md);
model.dispose();

// swap the staged folder in
swapIn(stage, out);
console.log(md);
console.log(`shipped to ${out}`);
process.exit(0);

// The end-to-end demo (the README's main command): prepare the built-in sample of real SPIDER slices (or
// phantoms), train a width-reduced U-Net on our kernels within a time budget, evaluate on held-out
// patients with the paper's Table 2 metrics, and write runs/<name>/report.md with tables, curves and overlays.
import { mkdirSync, rmSync, existsSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { initGpu, adapterName } from '../runtime/gpu.ts';
import { runPrepare } from './prepare.ts';
import { writePhantomDataset } from '../pipeline/phantom.ts';
import { formatTable1 } from '../pipeline/filter.ts';
import { sampleDataRoot, listSlicePairs, parseSliceName, patientSplit3 } from '../pipeline/dataset.ts';
import { describePostprocess } from '../pipeline/postprocess.ts';
import { runTraining, loadCheckpoint, type TrainProgress } from './session.ts';
import { comparisonPng } from './overlay.ts';
import { writeFileAtomic } from '../model/checkpoint.ts';
import { formatTable2, jsonNumbers } from '../metrics/evaluate.ts';
import { loadOriginalSlices, predictOriginal, scorePredictions, sizesOf } from '../app/evaluate-checkpoint.ts';
import { postprocessCheckpoint } from '../app/postprocess-decision.ts';
import { parameterCounts } from '../model/unet.ts';

export interface DemoOptions {
  data?: string;
  phantom: boolean;
  out: string;
  width: number;
  height: number;
  widthMult: number;
  batchSize: number;
  epochs: number;
  patience: number;
  /** cap on training time; the epoch count, not the clock, normally ends the run so results repeat */
  minutes: number;
  seed: number;
  lr: number;
  bnMomentum: number;
}

const mdTable = (text: string) => '```\n' + text + '\n```';

export async function runDemo(o: DemoOptions, log: (s: string) => void = console.log, progress?: TrainProgress): Promise<{ report: string; table2: string }> {
  const t0 = performance.now();
  const g = await initGpu();
  const out = resolve(o.out);
  // replace an earlier demo run, never a folder that holds something else
  if (existsSync(out) && readdirSync(out).length > 0 && !existsSync(join(out, 'report.md')) && !existsSync(join(out, 'prepared'))) {
    throw new Error(`${o.out} exists and is not an earlier demo run; choose another --out`);
  }
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });

  // 1. data: the bundled real slices, a folder given with --data, or generated phantoms
  let input = o.data ?? sampleDataRoot();
  if (o.phantom) {
    input = join(out, 'phantoms');
    log(`generating 12 phantom volumes in ${input}`);
    await writePhantomDataset(input, { cases: 12, seed: o.seed });
  }
  log(`preparing ${input}`);
  const prepared = join(out, 'prepared');
  const prep = await runPrepare({ input, out: prepared, width: o.width, height: o.height, warn: (m) => log(`warning: ${m}`) });
  log(`prepared ${prep.slices.kept} of ${prep.slices.total} slices (${prep.slices.droppedStep1} with fewer than 4 classes, ${prep.slices.droppedStep2} over the imbalance threshold)`);

  // 2. three-way patient split: test patients never touch training, early stopping, checkpoint choice or post-processing
  const patients = listSlicePairs(prepared).map((p) => ({ patient: parseSliceName(p.imageFile).patient }));
  const groups = patientSplit3(patients, { testFraction: 0.2, valFraction: 0.2, seed: o.seed });
  const namesOf = (xs: { patient: string }[]) => [...new Set(xs.map((x) => x.patient))].sort();
  const split = { train: namesOf(groups.train), val: namesOf(groups.val), test: namesOf(groups.test) };
  log(`patients: training ${split.train.join(', ')}; validation ${split.val.join(', ')}; test ${split.test.join(', ')}`);

  // 3. training within the time budget
  const trainDir = join(out, 'train');
  const run = await runTraining(
    { data: prepared, out: trainDir, width: o.width, height: o.height, widthMult: o.widthMult, batchSize: o.batchSize, epochs: o.epochs, patience: o.patience, lr: o.lr, bnMomentum: o.bnMomentum, seed: o.seed, valFraction: 0.2, split, maxSeconds: o.minutes * 60, resume: false },
    log,
    progress,
  );
  run.model.dispose();

  // 4. post-processing decided on the validation patients, then Table 2 on the test patients, both on the
  // original slices (PNG input: the files as given; volumes: the prepared sagittal slices)
  const original = !o.phantom && existsSync(join(input, 'images')) && readdirSync(join(input, 'images')).some((f) => f.endsWith('.png')) ? input : prepared;
  const bestDir = join(trainDir, 'checkpoint-best');
  const load = async (dir: string) => {
    const ck = await loadCheckpoint(dir);
    return { net: ck.model, config: ck.config as unknown as Record<string, unknown> };
  };
  const decision = await postprocessCheckpoint({ checkpoint: bestDir, data: original, load, batchSize: o.batchSize, log });
  log(`post-processing: ${describePostprocess(decision.block, run.config.classes)}`);
  const { model } = await loadCheckpoint(bestDir);
  const test = loadOriginalSlices(original, split.test);
  const preds = await predictOriginal(model, test, { postprocess: decision.block, batchSize: o.batchSize });
  const { cases: results, summary } = await scorePredictions(preds);
  // PNG slices carry no spacing (their sidecars say "source pixels"): then distances are in pixels
  const unit = o.phantom ? 'mm' : 'px';
  const table2 = formatTable2(summary, `Test patients ${split.test.join(', ')} (${test.length} slices at ${sizesOf(test)}), best epoch ${run.state.bestEpoch}`, unit);
  writeFileAtomic(join(out, 'metrics.json'), JSON.stringify({ split, postprocess: decision.block, summary, cases: results }, jsonNumbers, 2));
  // 5. overlays: MRI | truth | prediction for a few test slices
  mkdirSync(join(out, 'overlays'), { recursive: true });
  const shown = test.map((_, i) => i).filter((i) => i % Math.max(1, Math.floor(test.length / 6)) === 0).slice(0, 6);
  const overlayFiles = shown.map((i) => {
    const s = test[i]!;
    const name = `${s.file.split('/').pop()!.replace(/\.png$/, '')}.png`;
    writeFileAtomic(join(out, 'overlays', name), comparisonPng(s.image, preds[i]!.labels, s.labels, s.width, s.height, s.width < 256 ? 2 : 1));
    return `overlays/${name}`;
  });

  const counts = parameterCounts(model.config);
  const minutes = (performance.now() - t0) / 60000;
  const hist = run.state.history;
  const report = [
    '# spineseg demo',
    '',
    `- data: \`${relative(process.cwd(), input) || input}\`${o.phantom ? ' (generated phantoms)' : o.data ? '' : ' (built-in sample of real SPIDER T2-SPACE slices, CC BY 4.0)'}`,
    `- adapter: ${adapterName(g.adapter)}`,
    `- model: the paper's U-Net at ${o.width}x${o.height}, width multiplier ${o.widthMult} (${counts.trainable.toLocaleString('en-US')} trainable parameters), batch ${o.batchSize}, Adam lr ${o.lr}, BatchNorm momentum ${o.bnMomentum} (Keras 0.99 needs thousands of steps before its moving statistics serve inference), loss 0.6 focal (gamma 4) + 0.4 Dice`,
    `- split by patient (three groups): training ${split.train.join(', ')} (${run.data.train.length} slices); validation ${split.val.join(', ')} (${run.data.val.length} slices: early stopping, best checkpoint, post-processing); test ${split.test.join(', ')} (${test.length} slices: Table 2 only)`,
    `- prediction: softmax probabilities resampled bilinearly to each slice's own grid, then argmax; post-processing decided on the validation patients: ${describePostprocess(decision.block, run.config.classes)}`,
    `- training: ${run.state.epoch} epochs, ${run.state.step} steps in ${(run.seconds / 60).toFixed(1)} min (at most ${o.epochs} epochs or ${o.minutes} min); best validation mean IoU ${run.state.bestMeanIoU.toFixed(3)} at epoch ${run.state.bestEpoch}`,
    `- whole demo: ${minutes.toFixed(1)} min`,
    '',
    '## Data preparation (Table 1)',
    '',
    formatTable1(prep.table1, prep.settings.imbalanceRule),
    '',
    `${prep.slices.kept} of ${prep.slices.total} slices kept; details in \`prepared/report.md\`.`,
    '',
    '## Test-patient evaluation at the original resolution (Table 2)',
    '',
    mdTable(table2),
    '',
    '### Post-processing decided on the validation patients',
    '',
    decision.table,
    '',
    o.phantom
      ? 'Distances in millimetres from the volumes\' spacing; NSD tolerance 1 mm.'
      : `The PNG slices carry no pixel spacing, so ASD, HD95 and NSD are in pixels of the original slices (${sizesOf(test)}; 1 pixel taken as 1 mm; the built-in sample is the 512x640 export downsampled 4x). NSD tolerance 1 pixel.`,
    '',
    '## Learning curves',
    '',
    '![loss](train/curve-loss.png)',
    '![mean IoU](train/curve-miou.png)',
    '![Dice per class](train/curve-dice.png)',
    '',
    '| epoch | train loss | val loss | val mIoU | Dice vertebrae | Dice canal | Dice discs | s |',
    '|---|---|---|---|---|---|---|---|',
    ...hist.map((h) => `| ${h.epoch} | ${h.trainLoss.toFixed(4)} | ${h.valLoss.toFixed(4)} | ${h.valMeanIoU.toFixed(3)} | ${h.valDice.slice(1).map((d) => (Number.isFinite(d) ? d.toFixed(3) : 'n/a')).join(' | ')} | ${h.seconds.toFixed(1)} |`),
    '',
    '## Overlays (MRI | truth | prediction; vertebrae red, canal green, discs blue)',
    '',
    ...overlayFiles.map((f) => `![${f}](${f})`),
    '',
    '## Reproduce or go further',
    '',
    '- predict: `npx spineseg predict --checkpoint ' + join(o.out, 'train/checkpoint-best') + ' --input DIR --output OUT --overlay`',
    "- the paper's setting on a real GPU: `npx spineseg train --data DIR --out runs/paper` (512x640, width 1, batch 8, 100 epochs, patience 10), DIR being SPIDER (Zenodo record 10159290) after `spineseg prepare`, or its T2-SPACE PNG export",
  ].join('\n');
  writeFileAtomic(join(out, 'table2.txt'), table2 + '\n');
  writeFileAtomic(join(out, 'report.md'), report + '\n');
  model.dispose();
  return { report, table2 };
}

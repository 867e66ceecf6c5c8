// `spineseg train`: the paper's training on a slice folder, resumable after a kill.
import type { Command } from 'commander';
import { parseNumber, parseSize } from './options.ts';
import { applyPreset, presetHelp } from '../model/presets.ts';
import { terminalTrainProgress } from './progress.ts';
import type { TrainProgress } from '../app/session.ts';

export function register(program: Command): void {
  program
    .command('train')
    .description('train the U-Net (0.6 focal + 0.4 Dice, Adam, early stopping on validation mean IoU)')
    .option('--data <dir>', 'slice folder with images/ and masks/ (default: the repository\'s data/sample; the full SPIDER set is Zenodo record 10159290)')
    .requiredOption('--out <dir>', 'run folder: checkpoints, history.json, learning curves')
    .option('--preset <name>', 'paper | cpu: a set of the flags below (listed at the end); explicit flags override it')
    .option('--size <WxH>', 'network input width x height, multiples of 16', '512x640')
    .option('--width-mult <m>', 'channel width multiplier (1 = the paper)', '1')
    .option('--batch <n>', 'batch size', '8')
    .option('--epochs <n>', 'maximum epochs (a --resume may change it; the learning-rate schedule then spans the new total)', '100')
    .option('--patience <n>', 'early-stopping patience in epochs', '10')
    .option('--lr <x>', 'Adam learning rate (the schedule\'s peak)', '0.001')
    .option('--lr-schedule <kind>', 'constant | poly (lr (1 - epoch/epochs)^0.9, nnU-Net) | cosine (linear warm-up, then cosine to 0)', 'constant')
    .option('--warmup-epochs <n>', 'linear warm-up of the cosine schedule, in epochs', '2')
    .option('--augment <level>', 'GPU augmentation of training batches: none | light | default | heavy (docs/TRAINING.md)', 'default')
    .option('--aug-rotation <deg>', 'override the level\'s rotation range: uniform in [-deg, deg]')
    .option('--aug-scale <min-max>', 'override the level\'s isotropic scale range, e.g. 0.85-1.25')
    .option('--aug-gamma <min-max>', 'override the level\'s gamma range, e.g. 0.7-1.5')
    .option('--bn-momentum <x>', 'BatchNorm moving-average momentum (Keras 0.99; 0.9 suits runs of a few hundred steps)', '0.99')
    .option('--test-fraction <f>', 'fraction of patients held out as test patients (never used for training, early stopping or checkpoint choice)', '0.15')
    .option('--val-fraction <f>', 'fraction of patients used for validation (27 patients: 4 test, 3 validation, 20 training)', '0.12')
    .option('--fold <k/n>', 'patient-wise cross-validation: fold k of n of the non-test patients is the validation set')
    .option('--folds <n>', 'cross-validation: train all n folds in turn into --out/fold-k (resumable at the fold and epoch reached), then decide TTA, post-processing and the confidence threshold out of fold and write --out/crossval.md and ensemble.json (predict --checkpoint OUT uses the folds as one model)')
    .option('--seed <n>', 'seed of the split, initialisation, shuffling, augmentation and dropout', '42')
    .option('--steps-per-epoch <n>', 'cap on steps per epoch (quick runs)')
    .option('--max-slices-per-patient <n>', 'use at most this many slices per patient')
    .option('--resume', 'continue the run in --out from its last complete epoch')
    .addHelpText('after', `\nPresets (--preset NAME sets these flags; flags given explicitly win):\n${presetHelp()}`)
    .action(async (given: Record<string, string | boolean | undefined>, command: Command) => {
      const o = applyPreset(given, given.preset as string | undefined, (key) => command.getOptionValueSource(key) === 'cli');
      await (await import('../app/tune-store-node.ts')).loadNodeTuning(); // per-shape conv choices of `spineseg tune`
      const { runTraining } = await import('../app/session.ts');
      const { sampleDataRoot } = await import('../pipeline/dataset.ts');
      const { requireDataFolder } = await import('../app/evaluate-checkpoint.ts');
      const data = (o.data as string) ?? sampleDataRoot();
      requireDataFolder(data);
      const { augmentLevel, validateAugment } = await import('../model/augment.ts');
      const { LR_SCHEDULE_KINDS } = await import('../kernels/adam.ts');
      const [width, height] = parseSize(String(o.size), '--size');
      const int = (name: string, min = 1) => parseNumber(String(o[name]), `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, { min, integer: true });
      const range = (value: string, option: string): [number, number] => {
        const m = /^(\d*\.?\d+)-(\d*\.?\d+)$/.exec(value.trim());
        const r: [number, number] = m ? [Number(m[1]), Number(m[2])] : [NaN, NaN];
        if (!(r[0] > 0 && r[1] >= r[0])) throw new Error(`${option} '${value}' must be MIN-MAX with 0 < MIN <= MAX`);
        return r;
      };
      const augment = augmentLevel(String(o.augment));
      if (o.augRotation !== undefined) augment.rotation.maxDegrees = parseNumber(String(o.augRotation), '--aug-rotation', { min: 0, max: 180 });
      if (o.augScale !== undefined) [augment.scale.min, augment.scale.max] = range(String(o.augScale), '--aug-scale');
      if (o.augGamma !== undefined) [augment.gamma.min, augment.gamma.max] = range(String(o.augGamma), '--aug-gamma');
      validateAugment(augment);
      const lrSchedule = String(o.lrSchedule);
      if (!(LR_SCHEDULE_KINDS as readonly string[]).includes(lrSchedule)) throw new Error(`--lr-schedule '${lrSchedule}' is not one of ${LR_SCHEDULE_KINDS.join(', ')}`);
      const epochs = int('epochs');
      const warmupEpochs = parseNumber(String(o.warmupEpochs), '--warmup-epochs', { min: 0 });
      if (lrSchedule === 'cosine' && warmupEpochs >= epochs) throw new Error(`--warmup-epochs '${warmupEpochs}' must be below --epochs (${epochs})`);
      let fold: { k: number; n: number } | undefined;
      if (o.fold !== undefined) {
        const m = /^(\d+)\/(\d+)$/.exec(String(o.fold).trim());
        fold = m ? { k: Number(m[1]), n: Number(m[2]) } : undefined;
        if (!fold || fold.n < 2 || fold.k < 1 || fold.k > fold.n) throw new Error(`--fold '${o.fold}' must be k/n with 1 <= k <= n and n >= 2 (for example 1/5)`);
      }
      const common = {
        data,
        out: String(o.out),
        width,
        height,
        widthMult: parseNumber(String(o.widthMult), '--width-mult', { min: 0.01 }),
        batchSize: int('batch'),
        epochs,
        patience: int('patience'),
        lr: parseNumber(String(o.lr), '--lr', { min: 0 }),
        lrSchedule: lrSchedule as (typeof LR_SCHEDULE_KINDS)[number],
        warmupEpochs,
        augment,
        bnMomentum: parseNumber(String(o.bnMomentum), '--bn-momentum', { min: 0, max: 1 }),
        testFraction: parseNumber(String(o.testFraction), '--test-fraction', { min: 0, max: 0.9 }),
        valFraction: parseNumber(String(o.valFraction), '--val-fraction', { min: 0, max: 0.9 }),
        fold,
        seed: int('seed', 0),
        stepsPerEpoch: o.stepsPerEpoch === undefined ? undefined : int('stepsPerEpoch'),
        maxSlicesPerPatient: o.maxSlicesPerPatient === undefined ? undefined : int('maxSlicesPerPatient'),
        resume: Boolean(o.resume),
      };
      // the pipelines the last run of this config dispatched, compiled in parallel now; this run's list is saved after its first epoch and at the end
      const { compileWithProgress } = await import('./compile-progress.ts');
      const warm = await compileWithProgress(JSON.stringify(['train', width, height, common.widthMult, common.batchSize, augment.level]));
      const bar = terminalTrainProgress();
      let saved = false;
      const progress: TrainProgress = { step: (p) => bar?.step(p), endEpoch: () => { bar?.endEpoch(); if (!saved) warm.save(); saved = true; } };
      if (o.folds !== undefined) {
        if (fold) throw new Error('--fold and --folds exclude each other: --folds trains every fold in turn');
        const folds = parseNumber(String(o.folds), '--folds', { min: 2, integer: true });
        const { runCrossval } = await import('../app/crossval.ts');
        const { loadCheckpoint } = await import('../app/session.ts');
        const { fold: _f, ...rest } = common;
        const cv = await runCrossval({ ...rest, folds, load: async (dir) => { const c = await loadCheckpoint(dir); return { net: c.model, config: c.config }; } }, console.log, progress);
        warm.save();
        console.log(`\n${cv.markdown}`);
        console.log(`done: ${folds} folds in ${o.out}; tables in ${o.out}/crossval.md; predict with --checkpoint ${o.out} (the folds as one ensemble)`);
        return;
      }
      const r = await runTraining(common, console.log, progress);
      warm.save();
      console.log(`done: ${r.state.epoch} epochs in ${r.seconds.toFixed(0)} s; best validation mean IoU ${r.state.bestMeanIoU.toFixed(3)} at epoch ${r.state.bestEpoch}; checkpoints in ${o.out}`);
    });
}

// `spineseg train`: the paper's training on a slice folder, resumable after a kill.
import type { Command } from 'commander';
import { parseNumber, parseSize } from './options.ts';

export function register(program: Command): void {
  program
    .command('train')
    .description('train the U-Net (0.6 focal + 0.4 Dice, Adam, early stopping on validation mean IoU)')
    .option('--data <dir>', 'slice folder with images/ and masks/ (default: the shared SPIDER PNG set)')
    .requiredOption('--out <dir>', 'run folder: checkpoints, history.json, learning curves')
    .option('--size <WxH>', 'network input width x height, multiples of 16', '512x640')
    .option('--width-mult <m>', 'channel width multiplier (1 = the paper)', '1')
    .option('--batch <n>', 'batch size', '8')
    .option('--epochs <n>', 'maximum epochs', '100')
    .option('--patience <n>', 'early-stopping patience in epochs', '10')
    .option('--lr <x>', 'Adam learning rate', '0.001')
    .option('--bn-momentum <x>', 'BatchNorm moving-average momentum (Keras 0.99; 0.9 suits runs of a few hundred steps)', '0.99')
    .option('--val-fraction <f>', 'fraction of patients held out for validation', '0.2')
    .option('--seed <n>', 'seed of the split, initialisation, shuffling and dropout', '42')
    .option('--steps-per-epoch <n>', 'cap on steps per epoch (quick runs)')
    .option('--max-slices-per-patient <n>', 'use at most this many slices per patient')
    .option('--resume', 'continue the run in --out from its last complete epoch')
    .action(async (o: Record<string, string | boolean | undefined>) => {
      await (await import('../platform/tune_store_node.ts')).loadNodeTuning(); // per-shape conv choices of `spineseg tune`
      const { runTraining } = await import('../model/session.ts');
      const { defaultDataRoot } = await import('../pipeline/dataset.ts');
      const [width, height] = parseSize(String(o.size), '--size');
      const int = (name: string, min = 1) => parseNumber(String(o[name]), `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, { min, integer: true });
      const r = await runTraining({
        data: (o.data as string) ?? defaultDataRoot(),
        out: String(o.out),
        width,
        height,
        widthMult: parseNumber(String(o.widthMult), '--width-mult', { min: 0.01 }),
        batchSize: int('batch'),
        epochs: int('epochs'),
        patience: int('patience'),
        lr: parseNumber(String(o.lr), '--lr', { min: 0 }),
        bnMomentum: parseNumber(String(o.bnMomentum), '--bn-momentum', { min: 0, max: 1 }),
        valFraction: parseNumber(String(o.valFraction), '--val-fraction', { min: 0, max: 0.9 }),
        seed: int('seed', 0),
        stepsPerEpoch: o.stepsPerEpoch === undefined ? undefined : int('stepsPerEpoch'),
        maxSlicesPerPatient: o.maxSlicesPerPatient === undefined ? undefined : int('maxSlicesPerPatient'),
        resume: Boolean(o.resume),
      });
      console.log(`done: ${r.state.epoch} epochs in ${r.seconds.toFixed(0)} s; best validation mean IoU ${r.state.bestMeanIoU.toFixed(3)} at epoch ${r.state.bestEpoch}; checkpoints in ${o.out}`);
    });
}

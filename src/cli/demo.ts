// `spineseg demo`: the README's main job, end to end on built-in data.
import type { Command } from 'commander';
import { parseNumber, parseModelShape, DEFAULT_MODEL_SIZE } from './options.ts';
import { terminalTrainProgress } from './progress.ts';

export function register(program: Command): void {
  program
    .command('demo')
    .description('prepare built-in data, train a small U-Net, evaluate on held-out patients, write runs/demo/report.md')
    .option('--data <dir>', 'slice folder or SPIDER-layout volume folder (default: the built-in sample data/sample)')
    .option('--phantom', 'use generated phantom volumes instead of real slices')
    .option('--out <dir>', 'run folder (replaced)', 'runs/demo')
    .option('--size <WxH>', 'network input width x height', DEFAULT_MODEL_SIZE)
    .option('--width-mult <m>', 'channel width multiplier', '0.25')
    .option('--batch <n>', 'batch size', '8')
    .option('--epochs <n>', 'epochs to train (fixed, so a run repeats on the same adapter)', '32')
    .option('--patience <n>', 'early-stopping patience', '15')
    .option('--minutes <m>', 'stop training early past this many minutes (slow adapters)', '15')
    .option('--lr <x>', 'Adam learning rate', '0.003')
    .option('--bn-momentum <x>', 'BatchNorm momentum (0.9: short runs; the paper uses Keras 0.99)', '0.9')
    .option('--seed <n>', 'seed', '42')
    .action(async (o: Record<string, string | boolean | undefined>) => {
      await (await import('../app/tune-store-node.ts')).loadNodeTuning(); // per-shape conv choices of `spineseg tune`
      const { runDemo } = await import('../app/demo.ts');
      const { width, height, batch: batchSize, widthMult } = parseModelShape(o);
      const { table2 } = await runDemo({
        data: o.data as string | undefined,
        phantom: Boolean(o.phantom),
        out: String(o.out),
        width,
        height,
        widthMult,
        batchSize,
        epochs: parseNumber(String(o.epochs), '--epochs', { min: 1, integer: true }),
        patience: parseNumber(String(o.patience), '--patience', { min: 1, integer: true }),
        minutes: parseNumber(String(o.minutes), '--minutes', { min: 0.1 }),
        lr: parseNumber(String(o.lr), '--lr', { min: 0 }),
        seed: parseNumber(String(o.seed), '--seed', { min: 0, integer: true }),
        bnMomentum: parseNumber(String(o.bnMomentum), '--bn-momentum', { min: 0, max: 1 }),
      }, console.log, terminalTrainProgress());
      console.log(table2);
      console.log(`report: ${o.out}/report.md`);
    });
}

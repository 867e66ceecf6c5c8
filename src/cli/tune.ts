// `spineseg tune`: time every way to compute the model's 3x3 convolutions on this adapter and cache the
// fastest per shape (see src/kernels/autotune.ts); train, predict, evaluate, demo and bench then use it.
import type { Command } from 'commander';
import { parseNumber, parseModelShape, DEFAULT_MODEL_SIZE } from './options.ts';

export function register(program: Command): void {
  program
    .command('tune')
    .description('time the conv algorithms (direct register / tiled, Winograd) per layer shape on this adapter and cache the fastest')
    .option('--size <WxH>', 'input width x height of the shapes to tune (training crops; run again with the prediction size)', DEFAULT_MODEL_SIZE)
    .option('--batch <n>', 'batch size', '2')
    .option('--width-mult <m>', 'channel width multiplier', '1')
    .option('--reps <k>', 'timed runs per candidate (median)', '3')
    .option('--metric <m>', "rank by 'wall' time, or by this process's 'cpu' time (CPU adapters on a loaded machine)", 'wall')
    .action(async (o: { size: string; batch: string; widthMult: string; reps: string; metric: string }) => {
      if (o.metric !== 'wall' && o.metric !== 'cpu') throw new Error(`--metric '${o.metric}' must be wall or cpu`);
      const { runTune } = await import('../app/tune.ts');
      const { nodeTuneStore } = await import('../app/tune-store-node.ts');
      const { cache, where } = await runTune(
        {
          ...parseModelShape(o),
          reps: parseNumber(o.reps, '--reps', { min: 1, integer: true }),
          metric: o.metric,
        },
        nodeTuneStore,
      );
      const winograd = Object.values(cache.choices).filter((c) => c.algorithm === 'winograd').length;
      console.log(`wrote ${where}: ${Object.keys(cache.choices).length} shape/pass choices (${winograd} Winograd) for ${cache.adapter}`);
    });
}

// `spineseg postprocess --checkpoint DIR --data DIR`: decide a checkpoint's post-processing on the
// validation patients of its own split (original resolution) and store it in its config.json.
import type { Command } from 'commander';
import { parseNumber } from './options.ts';

export function register(program: Command): void {
  program
    .command('postprocess')
    .description("decide a checkpoint's post-processing (keep largest, drop small components, fill holes) on its validation patients and write it into its config.json")
    .requiredOption('--checkpoint <dir>', 'checkpoint folder, e.g. runs/NAME/checkpoint-best')
    .requiredOption('--data <dir>', 'the slice folder the checkpoint was trained on (its split names the validation patients)')
    .option('--batch <n>', 'slices per forward pass', '4')
    .action(async (o: { checkpoint: string; data: string; batch: string }) => {
      const { postprocessCheckpoint } = await import('../app/postprocess-decision.ts');
      const { loadCheckpoint } = await import('../app/session.ts');
      const { describePostprocess } = await import('../pipeline/postprocess.ts');
      const { block, table } = await postprocessCheckpoint({
        checkpoint: o.checkpoint,
        data: o.data,
        batchSize: parseNumber(o.batch, '--batch', { min: 1, integer: true }),
        load: async (dir) => {
          const { model, config } = await loadCheckpoint(dir);
          return { net: model, config: config as unknown as Record<string, unknown> };
        },
        log: (line) => console.error(line),
      });
      console.log(table);
      console.log(`decided on ${block.decidedOn!.slices} slices of validation patients ${block.decidedOn!.patients.join(', ')} (${block.decidedOn!.resolution}): ${describePostprocess(block, ['background', 'vertebrae', 'spinal canal', 'discs'])}`);
      console.log(`written to ${o.checkpoint}/config.json (postprocess)`);
    });
}

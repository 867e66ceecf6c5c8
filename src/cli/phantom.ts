/** `spineseg phantom`: synthetic SPIDER-layout lumbar volumes for tests and the demo. */
import type { Command } from 'commander';
import { fieldError } from '../pipeline/errors.js';
import { writePhantomDataset } from '../pipeline/phantom.js';
import type { Vec3 } from '../pipeline/volume.js';
import { reportCliError } from './prepare.js';

function parseInteger(flag: string, text: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw fieldError('command line', flag, text, `must be an integer >= ${min}`);
  return n;
}

export function register(program: Command): void {
  program
    .command('phantom')
    .description('write synthetic lumbar-spine volumes in SPIDER layout (images/, masks/, overview.csv)')
    .requiredOption('--out <dir>', 'output folder (must not exist)')
    .requiredOption('--cases <n>', 'number of volumes (patients get t1, t2, t2_SPACE in turn)')
    .option('--seed <s>', 'random seed', '1')
    .option('--size <LRxAPxSI>', 'voxels left-right x anterior-posterior x superior-inferior', '12x128x160')
    .action(async (opts: { out: string; cases: string; seed: string; size: string }) => {
      try {
        const cases = parseInteger('--cases', opts.cases, 1);
        const seed = parseInteger('--seed', opts.seed, 0);
        const parts = opts.size.split('x');
        if (parts.length !== 3) throw fieldError('command line', '--size', opts.size, 'expected LRxAPxSI, e.g. 12x128x160');
        const size = parts.map((p) => parseInteger('--size', p, 2)) as Vec3;
        const entries = await writePhantomDataset(opts.out, { cases, seed, sizeLrApSi: size });
        process.stdout.write(`wrote ${entries.length} phantom volumes to ${opts.out}\n`);
      } catch (err) {
        reportCliError(err);
      }
    });
}

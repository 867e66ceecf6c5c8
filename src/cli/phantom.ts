/** `spineseg phantom`: synthetic SPIDER-layout lumbar volumes for tests and the demo. */
import type { Command } from 'commander';
import { fieldError } from '../pipeline/errors.ts';
import { writePhantomDataset } from '../pipeline/phantom.ts';
import { LEVEL_PHANTOM_NAMES, writeLevelPhantoms } from '../pipeline/phantom-levels.ts';
import type { Vec3 } from '../pipeline/volume.ts';
import { reportCliError } from './prepare.ts';

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
    .option('--cases <n>', 'number of volumes (patients get t1, t2, t2_SPACE in turn); not with --levels')
    .option('--seed <s>', 'random seed', '1')
    .option('--size <LRxAPxSI>', 'voxels left-right x anterior-posterior x superior-inferior', '12x128x160')
    .option('--levels', `instead: the level phantoms (${LEVEL_PHANTOM_NAMES.join(', ')}) with their analytic level codes and measurements in levels.json (docs/MEASUREMENTS.md)`)
    .action(async (opts: { out: string; cases?: string; seed: string; size: string; levels?: boolean }) => {
      try {
        if (opts.levels) {
          if (opts.cases !== undefined) throw fieldError('command line', '--cases', opts.cases, 'the level phantoms are a fixed set: leave --cases out with --levels');
          const names = await writeLevelPhantoms(opts.out, parseInteger('--seed', opts.seed, 0));
          process.stdout.write(`wrote ${names.length} level phantoms (${names.join(', ')}) and levels.json to ${opts.out}\n`);
          return;
        }
        if (opts.cases === undefined) throw fieldError('command line', '--cases', '', 'required (or --levels)');
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

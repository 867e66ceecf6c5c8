// `spineseg collect OUTDIR`: the shards' results of a cohort `predict` as one table and one summary.
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('collect')
    .description('merge the per-study statistics, level tables and every shard\'s failures of a cohort `predict --output OUTDIR`, and list the studies not done')
    .argument('<outdir>', 'the --output folder of the cohort predict runs (holds cohort.json)')
    .action(async (out: string) => {
      const { collectCohort } = await import('../app/collect.ts');
      const r = collectCohort(out);
      for (const c of r.studies) if (c.status !== 'done') console.log(`${c.status}: ${c.id}: ${c.reason}`);
      console.log(`${r.studies.length} studies: ${r.counts.done} done, ${r.counts.failed} failed, ${r.counts.incomplete} incomplete, ${r.counts.missing} missing`);
      console.log(`wrote ${r.written.map((f) => f.slice(out.length).replace(/^\/+/, '')).join(', ')} in ${out}`);
      // everything merged, but not every study is done: a scheduler's dependent step sees it
      if (r.counts.done < r.studies.length) process.exitCode = 2;
    });
}

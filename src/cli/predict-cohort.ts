// `spineseg predict` over a cohort (--cohort, --manifest or --shard): the flags, checked, become one
// predictCohort call; the log goes to stderr, the shard's tally to stdout.
import { parseNumber } from './options.ts';

export interface CohortFlags {
  cohort?: boolean;
  manifest?: string;
  /** `k/n`, or true for `--shard` alone */
  shard?: string | true;
  shardCount?: string;
  overwrite?: boolean;
  input?: string;
  output: string;
  checkpoint?: string[];
  postprocess: boolean;
  overlay?: boolean;
  /** also name and measure the spine levels (predict --levels): <stem>.levels.csv per file, merged by collect */
  levels?: boolean;
  truth?: string;
  batch: string;
}

/** Cohort mode is on when asked for: --cohort, --manifest or --shard; a plain folder of slices stays a plain folder. */
export function cohortRequested(o: CohortFlags): boolean {
  return Boolean(o.cohort || o.manifest !== undefined || o.shard !== undefined);
}

export async function runCohortPredict(o: CohortFlags): Promise<void> {
  if (o.manifest !== undefined && o.input !== undefined) throw new Error(`--input ${o.input} and --manifest ${o.manifest}: give one (a folder of studies, or a manifest listing them)`);
  if (o.manifest === undefined && o.input === undefined) throw new Error('a cohort needs --input FOLDER (one sub-folder or image file per study) or --manifest FILE.csv');
  if (o.truth !== undefined) throw new Error(`--truth ${o.truth}: overlays with true masks are for single inputs, not cohorts`);
  if (o.shardCount !== undefined && o.shard !== true) throw new Error(`--shard-count ${o.shardCount}: goes with --shard alone (the index read from JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID)`);
  const batchSize = parseNumber(o.batch, '--batch', { min: 1, integer: true });
  const { resolveShard, parseManifest, listCohortFolder, shardStudies } = await import('../app/cohort.ts');
  const shard = o.shard === undefined ? null : resolveShard(o.shard, process.env, o.shardCount);
  const cohort = o.manifest !== undefined ? parseManifest(o.manifest) : listCohortFolder(o.input!);
  await (await import('../app/tune-store-node.ts')).loadNodeTuning();
  const { checkpointDirsOrDefault } = await import('../app/checkpoints.ts');
  const { predictCohort } = await import('../app/cohort-predict.ts');
  const checkpoints = checkpointDirsOrDefault(o.checkpoint);
  const say = (line: string) => process.stderr.write(`${line}\n`);
  const mine = shardStudies(cohort.studies, shard).length;
  say(`cohort: ${cohort.studies.length} studies from ${cohort.source}${cohort.ignored.length ? ` (ignored, neither folders nor images: ${cohort.ignored.join(', ')})` : ''}`);
  say(shard ? `shard ${shard.index}/${shard.count} (from ${shard.source}): ${mine} studies` : `no shard: all ${mine} studies in this process`);
  const r = await predictCohort({
    cohort, shard, output: o.output, checkpoints, postprocess: o.postprocess, overlay: Boolean(o.overlay), levels: Boolean(o.levels), batchSize, overwrite: Boolean(o.overwrite), log: say,
    onFileProgress: process.stderr.isTTY ? (done, total, file) => process.stderr.write(`\r  ${done}/${total} ${file}`.padEnd(80) + (done === total ? '\r'.padEnd(81) + '\r' : '')) : undefined,
  });
  const name = shard ? `shard ${shard.index}/${shard.count}` : 'cohort';
  console.log(`${name}: ${r.studies} studies: ${r.predicted.length} predicted, ${r.skipped.length} already done, ${r.failures.length} failed${r.failures.length ? ` (listed in ${r.failuresFile})` : ''}`);
  // some studies failed, the rest are done: not an error of the whole run (1), but not a success either
  if (r.failures.length) process.exitCode = 2;
}

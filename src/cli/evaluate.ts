// `spineseg evaluate`: parses the flags, runs the evaluate workflow (src/app/evaluate.ts), prints Table 2
// and writes the JSON.
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { formatTable2, jsonNumbers } from '../metrics/evaluate.ts';
import { DEFAULT_NSD_TAU_MM } from '../metrics/scores.ts';
import { writeTextAtomic } from '../pipeline/io.ts';
import { runEvaluate, DEFAULT_SLICE_MM } from '../app/evaluate.ts';

function parseSpacing(s: string): [number, number] {
  const m = /^\s*([0-9.eE+-]+)\s*x\s*([0-9.eE+-]+)\s*$/.exec(s);
  const v = m ? [Number(m[1]), Number(m[2])] : [];
  if (!m || !v.every((x) => Number.isFinite(x) && x > 0)) throw new Error(`--spacing '${s}' is not ROWxCOL in mm (for example 0.6x0.6)`);
  return [v[0], v[1]];
}

function positive(s: string, option: string): number {
  const v = Number(s);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${option} '${s}' must be a positive number of mm`);
  return v;
}

export function register(program: Command): void {
  program
    .command('evaluate')
    .description("per-class IoU, Dice, ASD, NSD, precision, recall, F1 of predicted vs true label images, on the GPU (the paper's Table 2)")
    .requiredOption('--pred <dir>', 'predicted label images (.png grey levels 0/76/150/29 or class indices; .mha/.nii.gz volumes)')
    .requiredOption('--truth <dir>', 'true label images with the same file names')
    .option('--tau <mm>', `NSD tolerance in mm (default ${DEFAULT_NSD_TAU_MM})`)
    .option('--json <file>', 'write the summary and per-case rows as JSON')
    .option('--mode <mode>', '2d: every slice is a case; 3d: stack each patient\'s slices into a volume (SPIDER-style)', '2d')
    .option('--spacing <rowxcol>', 'pixel spacing in mm when there is no <name>.json sidecar, e.g. 0.6x0.6')
    .option('--slice-mm <mm>', `slice distance for --mode 3d (default ${DEFAULT_SLICE_MM})`)
    .option('--allow-missing', 'score the files present in both folders and list the skipped ones (default: refuse)')
    .action(async (opts: { pred: string; truth: string; tau?: string; json?: string; mode: string; spacing?: string; sliceMm?: string; allowMissing?: boolean }) => {
      if (opts.mode !== '2d' && opts.mode !== '3d') throw new Error(`--mode '${opts.mode}' must be 2d or 3d`);
      const report = await runEvaluate({
        pred: opts.pred,
        truth: opts.truth,
        tauMm: opts.tau === undefined ? undefined : positive(opts.tau, '--tau'),
        mode: opts.mode,
        spacing: opts.spacing === undefined ? undefined : parseSpacing(opts.spacing),
        sliceMm: opts.sliceMm === undefined ? undefined : positive(opts.sliceMm, '--slice-mm'),
        allowMissing: Boolean(opts.allowMissing),
      });
      const what = report.mode === '3d' ? 'volumes' : 'slices';
      console.log(formatTable2(report.summary, `${report.cases.length} ${what}, NSD tau ${report.tauMm} mm, on ${report.adapter}`));
      if (report.skipped?.noPrediction.length) console.log(`skipped ${report.skipped.noPrediction.length} truth file(s) with no prediction in ${opts.pred}: ${report.skipped.noPrediction.join(', ')}`);
      if (report.skipped?.noTruth.length) console.log(`skipped ${report.skipped.noTruth.length} prediction(s) with no truth in ${opts.truth}: ${report.skipped.noTruth.join(', ')}`);
      if (opts.json) {
        fs.mkdirSync(path.dirname(path.resolve(opts.json)), { recursive: true });
        writeTextAtomic(opts.json, JSON.stringify(report, jsonNumbers, 1));
        console.log(`wrote ${opts.json}`);
      }
    });
}

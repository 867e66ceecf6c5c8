/** `spineseg prepare`: parses the flags, runs the prepare workflow (src/app/prepare.ts), prints its report. */
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { PipelineError, fieldError } from '../pipeline/errors.ts';
import type { UnknownLabelPolicy } from '../pipeline/labels.ts';
import { DEFAULT_IMBALANCE_RULE, DEFAULT_IMBALANCE_THRESHOLD, IMBALANCE_RULES, type ImbalanceRule } from '../pipeline/filter.ts';
import { formatPrepareReport } from '../pipeline/report.ts';
import { runPrepare } from '../app/prepare.ts';

/** "512x640" -> width 512, height 640. */
export function parseSliceSize(text: string): { width: number; height: number } {
  const m = /^(\d+)x(\d+)$/.exec(text.trim());
  const width = m ? Number(m[1]) : NaN;
  const height = m ? Number(m[2]) : NaN;
  if (!m || width < 8 || height < 8 || width > 4096 || height > 4096) throw fieldError('command line', '--size', text, 'expected WIDTHxHEIGHT, each 8-4096 (e.g. 512x640)');
  return { width, height };
}

/** Prints a PipelineError the CLI way and sets exit code 1; anything else is a bug and propagates. */
export function reportCliError(err: unknown): void {
  if (err instanceof PipelineError) {
    process.stderr.write(`spineseg: ${err.message}\n`);
    process.exitCode = 1;
    return;
  }
  throw err;
}

export function register(program: Command): void {
  program
    .command('prepare')
    .description('SPIDER volumes (images/ masks/ .mha) or PNG slices -> filtered sagittal training slices with report.md/report.json')
    .requiredOption('--input <dir>', 'folder with images/ and masks/ (SPIDER .mha/.nii.gz volumes or PNG slices)')
    .requiredOption('--out <dir>', 'output folder (must not exist unless --overwrite)')
    .option('--size <WxH>', 'in-plane slice size, width x height', '512x640')
    .option('--apta', 'label slices with the paper\'s APTA on rendered masks (volumes only) and report agreement with the exact mapping')
    .option('--imbalance-rule <rule>', `step-2 rule: ${IMBALANCE_RULES.join(' | ')}`, DEFAULT_IMBALANCE_RULE)
    .option('--imbalance-threshold <t>', 'step-2 threshold (% for the percentage rules, x for paper-ratio)', String(DEFAULT_IMBALANCE_THRESHOLD))
    .option('--unknown-labels <policy>', 'error | background', 'error')
    .option('--overwrite', 'replace an existing --out folder once the new one is complete')
    .action(async (opts: { input: string; out: string; size: string; apta?: boolean; imbalanceRule: string; imbalanceThreshold: string; unknownLabels: string; overwrite?: boolean }) => {
      const bar = new cliProgress.SingleBar({ format: 'prepare [{bar}] {value}/{total} {file}', stream: process.stderr }, cliProgress.Presets.shades_classic);
      let started = false;
      try {
        const { width, height } = parseSliceSize(opts.size);
        const report = await runPrepare({
          input: opts.input,
          out: opts.out,
          width,
          height,
          apta: opts.apta === true,
          imbalanceRule: opts.imbalanceRule as ImbalanceRule,
          imbalanceThreshold: Number(opts.imbalanceThreshold),
          unknownLabels: opts.unknownLabels as UnknownLabelPolicy,
          overwrite: opts.overwrite === true,
          warn: (m) => process.stderr.write(`spineseg: warning: ${m}\n`),
          onProgress: (done, total, file) => {
            if (!started) {
              bar.start(total, 0, { file });
              started = true;
            }
            bar.update(done, { file });
          },
        });
        if (started) bar.stop();
        process.stdout.write(formatPrepareReport(report));
      } catch (err) {
        if (started) bar.stop();
        reportCliError(err);
      }
    });
}

// `spineseg predict`: label maps for PNG slices or .mha/.nii.gz volumes, with the input's geometry.
import type { Command } from 'commander';
import { parseNumber } from './options.ts';
import { basename } from 'node:path';
import { cohortRequested, runCohortPredict, type CohortFlags } from './predict-cohort.ts';
import type { DicomFlags } from './predict-dicom.ts';
import type { VolumeFormat } from '../app/volume-outputs.ts';
import type { TtaMode } from '../model/predict.ts';

export function register(program: Command): void {
  program
    .command('predict')
    .description('segment PNG slices or .mha/.nii.gz volumes with a trained checkpoint')
    .option('--checkpoint <dir>', 'checkpoint folder (config.json + model.safetensors), e.g. runs/demo/checkpoint-best; repeat it for an ensemble (probabilities averaged); default: the shipped models/default', (v: string, prev: string[] = []) => [...prev, v])
    .option('--no-postprocess', "skip the checkpoint's post-processing (its config.json `postprocess` block)")
    .option('--input <path>', 'an image file or a folder of them, or DICOM: a folder (searched recursively) or files (repeat --input); in cohort mode a folder of studies (one sub-folder or image file each)', (v: string, prev?: string | string[]) => (prev === undefined ? v : [...[prev].flat(), v]))
    .option('--series <number|uid>', 'DICOM input: the series to segment (SeriesNumber or SeriesInstanceUID) when there are several; `spineseg inspect` lists them')
    .option('--allow-modality', 'DICOM input: segment a series that is not MR')
    .option('--format <fmt>', 'volumes: the label map as nii.gz or mha (default: the input\'s own format, nii.gz for DICOM), or seg: a DICOM SEG referencing the source series (DICOM input only)')
    .option('--save-probabilities', 'volumes: also <stem>_probabilities.nii.gz (or .mha): the per-class softmax probabilities on the input grid, a 4-D float image (after ensemble averaging, before argmax and post-processing)')
    .option('--stats <file>', 'per input and class: voxel count, volume in mm³ (area in mm² in 2-D), slices present, model and post-processing; .json or .csv by extension')
    .requiredOption('--output <dir>', 'where the label maps go (same file names; PNG grey 0/76/150/29, volumes as class codes 0-3)')
    .option('--overlay', 'also write overlays of the prediction on the MRI to <output>/overlays')
    .option('--truth <dir>', 'true masks with the same file names, drawn beside the prediction in overlays')
    .option('--batch <n>', 'slices per forward pass', '4')
    .option('--tta <mode>', "test-time augmentation: none | flip (also the anterior-posterior mirror) | full (flip and zooms 0.9, 1.1); default: what the checkpoint's cross-validation chose (its inference.tta), else none")
    .option('--levels', 'also name the levels (L1-L5, L1/L2-L5/S1, SPIDER codes) and measure them: <output>/levels/ (code maps), <stem>.levels.json/.csv, overlays/<stem>_levels.png (docs/MEASUREMENTS.md)')
    .option('--cohort', 'cohort mode: --input is a folder of studies, each predicted into <output>/studies/<id> with stats.csv and done.json (docs/COHORTS.md)')
    .option('--manifest <file.csv>', 'cohort mode: the studies as rows of id,input[,output,series,checkpoint] (paths relative to the manifest)')
    .option('--shard [k/n]', 'cohort mode: only the studies at sorted positions k mod n; alone: k and n from SLURM_ARRAY_TASK_ID/_COUNT or JOB_COMPLETION_INDEX')
    .option('--shard-count <n>', 'the shard count for --shard alone under a Kubernetes Indexed Job (its completions)')
    .option('--overwrite', 'cohort mode: redo studies already done with the same model and settings')
    .action(async (flags: Omit<CohortFlags, 'input'> & { input?: string | string[]; levels?: boolean } & DicomFlags) => {
      const paths = flags.input === undefined ? [] : [flags.input].flat();
      if (cohortRequested({ ...flags, input: paths[0] }) && paths.length > 1) throw new Error(`--input given ${paths.length} times: cohort mode takes one folder of studies`);
      const o = { ...flags, input: paths[0] };
      if (cohortRequested(o)) return runCohortPredict(o);
      if (o.input === undefined) throw new Error("required option '--input <path>' not specified (or, for a cohort, --cohort, --manifest FILE.csv or --shard)");
      const { checkOutputFlags, resolveCliInput, writeStats } = await import('./predict-dicom.ts');
      checkOutputFlags(flags);
      const input = resolveCliInput(paths, flags);
      await (await import('../app/tune-store-node.ts')).loadNodeTuning(); // per-shape conv choices of `spineseg tune`
      const { loadPredictor, checkpointDirsOrDefault } = await import('../app/checkpoints.ts');
      const { describePostprocess } = await import('../pipeline/postprocess.ts');
      const { predictFiles } = await import('../app/predict-files.ts');
      const dirs = checkpointDirsOrDefault(o.checkpoint);
      const predictor = await loadPredictor(dirs);
      const postprocess = o.postprocess ? predictor.postprocess : null;
      const { TTA_MODES } = await import('../model/predict.ts');
      const tta = (o as { tta?: string }).tta ?? predictor.tta;
      if (!(TTA_MODES as readonly string[]).includes(tta)) throw new Error(`--tta '${tta}' is not one of ${TTA_MODES.join(', ')}`);
      const { readConfidenceBlock } = await import('../app/confidence.ts');
      const confidence = readConfidenceBlock(predictor.configs[0], predictor.files[0]!);
      if (o.postprocess) for (const note of predictor.notes) console.error(`spineseg predict: ${note}`);
      console.error(`model: ${dirs.join(' + ')}${predictor.nets.length > 1 ? ` (${predictor.nets.length} networks, probabilities averaged)` : ''}; test-time augmentation: ${tta}; post-processing: ${postprocess ? describePostprocess(postprocess, predictor.configs[0]!.classes) : 'off'}`);
      // the pipelines the last prediction with this model dispatched, compiled in parallel now; this run's list is saved at the end
      const { compileWithProgress } = await import('./compile-progress.ts');
      const warm = await compileWithProgress(JSON.stringify(['predict', predictor.configs.map((c) => c.model), o.batch, tta]));
      const predictOptions = {
        postprocess,
        output: o.output,
        overlay: Boolean(o.overlay),
        truth: o.truth,
        batchSize: parseNumber(o.batch, '--batch', { min: 1, integer: true }),
        levels: Boolean(o.levels),
        onProgress: (done: number, total: number, file: string) => process.stderr.write(`\r${done}/${total} ${file}`.padEnd(80)),
        format: flags.format as VolumeFormat | undefined,
        saveProbabilities: Boolean(flags.saveProbabilities),
        tta: tta as TtaMode,
        algorithmName: `spineseg U-Net (${dirs.map((d) => basename(d)).join(' + ')})`,
      };
      const results = input.kind === 'dicom'
        ? [await (await import('../app/predict-dicom.ts')).predictDicom(predictor.nets, input, predictOptions)]
        : await predictFiles(predictor.nets, input.files, predictOptions);
      process.stderr.write('\n');
      warm.save();
      if (flags.stats) writeStats(flags.stats, results, { model: dirs.join(' + '), postprocess: postprocess ? describePostprocess(postprocess, predictor.configs[0]!.classes) : 'off', tta, threshold: confidence?.threshold ?? null });
      for (const r of results) console.log(`${r.output}: vertebrae ${r.counts[1]}, canal ${r.counts[2]}, discs ${r.counts[3]} px${r.reoriented ? ` (input ${r.reoriented})` : ''}${r.extra?.length ? `; also ${r.extra.join(', ')}` : ''}`);
      if (o.levels) {
        const { levelsSummary } = await import('../app/levels-table.ts');
        for (const r of results) if (r.levels) console.log(`\n${levelsSummary(r.levels)}`);
      }
    });
}

// Checkpoints as predictors: one folder or several (an ensemble averages their probabilities), the shipped
// default model in models/default, and each checkpoint's post-processing block, checked field by field.
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../pipeline/dataset.ts';
import { parsePostprocessBlock, type PostprocessBlock } from '../pipeline/postprocess.ts';
import { loadCheckpoint, type RunConfig } from '../app/session.ts';
import { resolveCheckpointDir, readJsonFile } from '../model/checkpoint.ts';
import { ENSEMBLE_FILE, parseEnsembleManifest, inferenceTta } from './ensemble.ts';
import type { UNet } from '../model/unet.ts';
import type { TtaMode } from '../model/predict.ts';

/** The model shipped with the repository (trained by `spineseg train` on SPIDER; see its MODEL.md). */
export function defaultModelDir(repoRoot: string = REPO_ROOT): string {
  return path.join(repoRoot, 'models', 'default');
}

/** The checkpoint folders to use: the ones given, else the shipped model (with a clear message when it is absent). */
export function checkpointDirsOrDefault(given: readonly string[] | undefined, dir: string = defaultModelDir()): string[] {
  if (given && given.length > 0) return [...given];
  const single = fs.existsSync(path.join(dir, 'config.json')) && fs.existsSync(path.join(dir, 'model.safetensors'));
  if (!single && !fs.existsSync(path.join(dir, ENSEMBLE_FILE))) {
    throw new Error(`no --checkpoint given and no shipped model in ${dir} (config.json + model.safetensors, or ${ENSEMBLE_FILE}); train one with \`spineseg train\` and pass --checkpoint RUN/checkpoint-best`);
  }
  return [dir];
}

/** Checkpoint folders with every folder of folds (an ensemble.json, as `spineseg train --folds` writes) replaced by its members. */
export function expandEnsembles(dirs: readonly string[]): string[] {
  return dirs.flatMap((d) => {
    const file = path.join(d, ENSEMBLE_FILE);
    if (!fs.existsSync(file)) return [d];
    const manifest = parseEnsembleManifest(readJsonFile<unknown>(file), file);
    return manifest.members.map((m) => path.join(d, m));
  });
}

export interface LoadedPredictor {
  nets: UNet[];
  configs: RunConfig[];
  /** config.json of each member */
  files: string[];
  /** the first checkpoint's post-processing block; null when it has none */
  postprocess: PostprocessBlock | null;
  /** a line for the user when the block is missing or members disagree */
  notes: string[];
  /** the test-time augmentation the checkpoint's cross-validation chose (its `inference.tta`); 'none' when it records none */
  tta: TtaMode;
  dispose(): void;
}

/** A checkpoint's `postprocess` block checked (null when absent); malformed blocks are errors naming the file and field. */
export function postprocessOf(config: RunConfig, file: string): PostprocessBlock | null {
  const raw = (config as unknown as { postprocess?: unknown }).postprocess;
  return raw === undefined ? null : parsePostprocessBlock(raw, file, config.model.classes);
}

/** Loads one checkpoint or an ensemble; members must share the input size and class count. */
export async function loadPredictor(given: readonly string[]): Promise<LoadedPredictor> {
  const dirs = expandEnsembles(given);
  const nets: UNet[] = [];
  const configs: RunConfig[] = [];
  const files: string[] = [];
  const notes: string[] = [];
  try {
    for (const d of dirs) {
      const file = path.join(resolveCheckpointDir(d), 'config.json');
      const { model, config } = await loadCheckpoint(d);
      nets.push(model);
      configs.push(config);
      files.push(file);
      const a = configs[0]!.model;
      const b = config.model;
      if (a.classes !== b.classes) throw new Error(`ensemble: ${files[0]} has ${a.classes} classes, ${file} has ${b.classes}`);
      if (a.width !== b.width || a.height !== b.height) throw new Error(`ensemble: ${files[0]} takes ${a.width}x${a.height} input, ${file} takes ${b.width}x${b.height}`);
    }
    const blocks = configs.map((c, i) => postprocessOf(c, files[i]!));
    const postprocess = blocks[0] ?? null;
    if (!postprocess) notes.push(`${files[0]} has no postprocess block: no post-processing (decide it with \`spineseg postprocess --checkpoint DIR --data DIR\`)`);
    if (blocks.length > 1 && blocks.some((b) => JSON.stringify(b?.classes) !== JSON.stringify(postprocess?.classes))) notes.push(`ensemble members decided different post-processing; the first one's (${files[0]}) is applied`);
    return { nets, configs, files, postprocess, notes, tta: inferenceTta(configs[0]!, files[0]!), dispose: () => nets.forEach((n) => n.dispose()) };
  } catch (e) {
    nets.forEach((n) => n.dispose());
    throw e;
  }
}

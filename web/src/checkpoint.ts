// Checkpoints in the page (config.json + model.safetensors): the shipped model served with the app and a pair the
// user dropped go through the CLI's own validation (validateCheckpointBytes, src/model/checkpoint-validate.ts),
// with the page's memory budget, before the model allocates anything.
import { validateCheckpointBytes } from '../../src/model/checkpoint-validate.ts';
import { UNet, makeConfig } from '../../src/model/unet.ts';
import { loadParams, type CheckpointConfig } from '../../src/model/weights.ts';
import { ENSEMBLE_FILE, memberPath, parseEnsembleManifest } from '../../src/app/ensemble.ts';

/** Half the device memory the browser admits to (navigator.deviceMemory, GiB, capped by browsers at 8), 2 GiB if unknown. */
export function pageMemoryBudget(): number {
  const gib = (navigator as Navigator & { deviceMemory?: number }).deviceMemory;
  return (gib ? gib / 2 : 2) * 2 ** 30;
}

type Limits = { maxStorageBufferBindingSize: number; maxBufferSize: number };

/** Validates a checkpoint's two files and builds its model; a bad file throws the CLI's message naming it. */
export function checkpointModel(configName: string, configText: string, weightsName: string, weightsBytes: Uint8Array, limits: Limits): { model: UNet; config: CheckpointConfig } {
  const checked = validateCheckpointBytes(configName, configText, weightsName, weightsBytes, {
    maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
    maxBufferSize: limits.maxBufferSize,
    memoryBytes: pageMemoryBudget(),
    batch: 1,
  });
  const model = new UNet(makeConfig(checked.model));
  try {
    loadParams(model, checked.weights, weightsName);
  } catch (err) {
    model.dispose();
    throw err;
  }
  return { model, config: checked.configJson as unknown as CheckpointConfig };
}

/**
 * The shipped model (models/default), served by the app itself: an ensemble.json's members, or one checkpoint; null in
 * a build without one (a server without the model answers 404 or falls back to index.html).
 */
export async function fetchShippedModel(limits: Limits): Promise<{ nets: UNet[]; config: CheckpointConfig; members: string[] } | null> {
  const json = async (url: string) => {
    const res = await fetch(url);
    return res.ok && (res.headers.get('content-type') ?? '').includes('json') ? res.text() : null;
  };
  const base = './models/default';
  // the build lists the shipped files (vite.config.ts), so the page asks only for what is there
  const index = await json(`${base}/files.json`);
  if (index === null) return null;
  const files = JSON.parse(index) as unknown;
  if (!Array.isArray(files)) throw new Error(`models/default/files.json: expected a list of file names`);
  const manifestText = files.includes(ENSEMBLE_FILE) ? await json(`${base}/${ENSEMBLE_FILE}`) : null;
  if (files.includes(ENSEMBLE_FILE) && manifestText === null) throw new Error(`models/default/${ENSEMBLE_FILE}: listed by files.json but not served`);
  const members = manifestText === null ? [''] : parseEnsembleManifest(JSON.parse(manifestText), `models/default/${ENSEMBLE_FILE}`).members;
  const nets: UNet[] = [];
  let config: CheckpointConfig | null = null;
  try {
    for (const m of members) {
      const dir = m ? memberPath(base, m) : base;
      const name = dir.replace(/^\.\//, '');
      const text = await json(`${dir}/config.json`);
      if (text === null) {
        if (manifestText === null) return null;
        throw new Error(`${name}/config.json: not served (listed by models/default/${ENSEMBLE_FILE})`);
      }
      const weights = await fetch(`${dir}/model.safetensors`);
      if (!weights.ok) throw new Error(`${name}/model.safetensors: not served (HTTP ${weights.status})`);
      const one = checkpointModel(`${name}/config.json`, text, `${name}/model.safetensors`, new Uint8Array(await weights.arrayBuffer()), limits);
      nets.push(one.model);
      config ??= one.config;
      checkSameGrid(config, one.config, name);
    }
  } catch (err) {
    nets.forEach((n) => n.dispose());
    throw err;
  }
  return { nets, config: config!, members };
}

/** Ensemble members must share the input grid and the classes (as the CLI's loadPredictor demands). */
export function checkSameGrid(first: CheckpointConfig, other: CheckpointConfig, name: string): void {
  const a = first.model;
  const b = other.model;
  if (a.width !== b.width || a.height !== b.height || a.classes !== b.classes) throw new Error(`${name}: ensemble members differ: ${a.width}x${a.height} with ${a.classes} classes vs ${b.width}x${b.height} with ${b.classes}`);
}

// Checkpoints in the page (config.json + model.safetensors): the shipped model served with the app and a pair the
// user dropped go through the CLI's own validation (validateCheckpointBytes, src/model/checkpoint-validate.ts),
// with the page's memory budget, before the model allocates anything.
import { validateCheckpointBytes } from '../../src/model/checkpoint-validate.ts';
import { UNet, makeConfig } from '../../src/model/unet.ts';
import { loadParams, type CheckpointConfig } from '../../src/model/weights.ts';

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
 * The shipped model (models/default), served by the app itself; null in a build without one (a server without
 * the model answers 404 or falls back to index.html).
 */
export async function fetchShippedModel(limits: Limits): Promise<{ model: UNet; config: CheckpointConfig } | null> {
  const res = await fetch('./models/default/config.json');
  if (!res.ok || !(res.headers.get('content-type') ?? '').includes('json')) return null;
  const text = await res.text();
  const weights = await fetch('./models/default/model.safetensors');
  if (!weights.ok) return null;
  return checkpointModel('models/default/config.json', text, 'models/default/model.safetensors', new Uint8Array(await weights.arrayBuffer()), limits);
}

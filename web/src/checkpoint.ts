// A checkpoint dropped in the page (config.json + model.safetensors), checked in full before the model allocates
// anything: the same validation as the CLI (src/model/checkpoint-validate.ts), with the page's memory budget.
import { validateCheckpointConfig, validateSafetensors, expectedParameters } from '../../src/model/checkpoint-validate.ts';
import type { NamedArray } from '../../src/model/safetensors.ts';
import type { UNetConfig } from '../../src/model/unet.ts';
import type { CheckpointConfig } from '../../src/model/weights.ts';

/** Half the device memory the browser admits to (navigator.deviceMemory, GiB, capped by browsers at 8), 2 GiB if unknown. */
export function pageMemoryBudget(): number {
  const gib = (navigator as Navigator & { deviceMemory?: number }).deviceMemory;
  return (gib ? gib / 2 : 2) * 2 ** 30;
}

export function checkDroppedCheckpoint(
  configName: string,
  configText: string,
  weightsName: string,
  weightsBytes: Uint8Array,
  limits: { maxStorageBufferBindingSize: number; maxBufferSize: number },
): { cfg: CheckpointConfig; model: UNetConfig; weights: Map<string, NamedArray> } {
  let json: unknown;
  try {
    json = JSON.parse(configText);
  } catch (e) {
    throw new Error(`${configName}: not valid JSON (${(e as Error).message})`);
  }
  const model = validateCheckpointConfig(configName, json, { ...limits, memoryBytes: pageMemoryBudget(), batch: 1 });
  const weights = validateSafetensors(weightsName, weightsBytes, expectedParameters(model));
  return { cfg: json as CheckpointConfig, model, weights };
}

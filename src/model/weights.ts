// Moving U-Net weights between the GPU and safetensors bytes (shared by Node checkpoints and the web app).
import type { UNet, UNetConfig } from './unet.ts';
import { encodeSafetensors, decodeSafetensors, type NamedArray } from './safetensors.ts';
import { CLASS_DISPLAY_NAMES } from '../pipeline/labels.ts';

export async function readParams(model: UNet): Promise<NamedArray[]> {
  const out: NamedArray[] = [];
  for (const [name, t] of model.params) out.push({ name, shape: [...t.shape], data: await t.read() });
  return out;
}

/** Uploads `arrays` into the model; every parameter must be present with its exact shape. */
export function loadParams(model: UNet, arrays: Map<string, NamedArray>, what: string): void {
  for (const [name, t] of model.params) {
    const a = arrays.get(name);
    if (!a) throw new Error(`${what}: parameter ${name} missing`);
    if (a.shape.join('x') !== t.shape.join('x')) throw new Error(`${what}: parameter ${name} has shape [${a.shape}], the model needs [${t.shape}]`);
    t.upload(a.data);
  }
  for (const name of arrays.keys()) if (!model.params.has(name)) throw new Error(`${what}: unexpected parameter ${name} (a checkpoint of another model?)`);
}

export interface CheckpointConfig {
  format: 'spineseg-unet';
  version: 1;
  model: UNetConfig;
  classes: string[];
  /** how input intensities were scaled before the network */
  normalization: string;
  trainedOn?: Record<string, unknown>;
}

/** Class names a checkpoint's config.json lists. */
export const CLASS_NAMES: string[] = [...CLASS_DISPLAY_NAMES];

export async function modelToSafetensors(model: UNet, metadata: Record<string, string> = {}): Promise<Uint8Array> {
  return encodeSafetensors(await readParams(model), { format: 'spineseg-unet', ...metadata });
}

export function safetensorsToModel(model: UNet, bytes: Uint8Array, what: string): void {
  loadParams(model, decodeSafetensors(bytes, what).arrays, what);
}

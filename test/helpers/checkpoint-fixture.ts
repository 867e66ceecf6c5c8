// A small valid checkpoint written without a GPU (deterministic pseudo-random weights), for CLI tests.
import fs from 'node:fs';
import path from 'node:path';
import { encodeSafetensors, type NamedArray } from '../../src/model/safetensors.ts';
import { makeConfig, type UNetConfig } from '../../src/model/unet.ts';
import { expectedParameters } from '../../src/model/checkpoint-validate.ts';
import { CLASS_NAMES } from '../../src/model/weights.ts';

export const fixtureModel: UNetConfig = makeConfig({ width: 32, height: 32, widthMult: 0.125, seed: 3 });

export function fixtureArrays(model: UNetConfig = fixtureModel): NamedArray[] {
  let s = 1;
  return [...expectedParameters(model)].map(([name, shape]) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = name.endsWith('variance') || name.endsWith('gamma') ? 1 : ((s = (s * 48271) % 2147483647) / 2147483647 - 0.5) * 0.4;
    return { name, shape, data };
  });
}

export function writeFixtureCheckpoint(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ format: 'spineseg-unet', version: 1, model: fixtureModel, classes: [...CLASS_NAMES], normalization: 'grey / 255' }));
  fs.writeFileSync(path.join(dir, 'model.safetensors'), encodeSafetensors(fixtureArrays()));
  return dir;
}

// Node platform: Dawn through the npm `webgpu` package, shaders read from the repository's shaders/ folder.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { setShaderLoader } from './shaders.ts';

export const shaderDir = fileURLToPath(new URL('../../shaders/', import.meta.url));

let gpu: GPU | null = null;

export async function nodeGpu(): Promise<GPU> {
  if (gpu) return gpu;
  // Dawn's Vulkan backend wants a runtime dir; a bare container often has none.
  process.env.XDG_RUNTIME_DIR ??= '/tmp';
  const webgpu = (await import('webgpu')) as unknown as { create(flags: string[]): GPU; globals: Record<string, unknown> };
  Object.assign(globalThis, webgpu.globals);
  gpu = webgpu.create([]);
  setShaderLoader((name) => readFileSync(join(shaderDir, `${name}.wgsl`), 'utf8'));
  return gpu;
}

/** The Dawn GPU object created by nodeGpu() (null before): benchmarks hand it to tfjs so both share one instance. */
export function nodeGpuInstance(): GPU | null {
  return gpu;
}

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


/**
 * Defines navigator.gpu (and a userAgent, which some libraries read) from the Dawn GPU object nodeGpu() created, for
 * benchmark peers that look for WebGPU there (tfjs-backend-webgpu, jax-js, onnxruntime-web): they then share the
 * engine's instance and adapter. `who` names the caller in the error when the engine has not created it.
 */
export function exposeNodeGpuAsNavigator(who: string): GPU {
  if (!gpu) throw new Error(`${who}: the engine did not create a Dawn GPU object (not running in Node?)`);
  const nav = globalThis.navigator as unknown as Record<string, unknown> | undefined;
  Object.defineProperty(globalThis, 'navigator', { value: { ...(nav ?? {}), gpu, userAgent: String(nav?.userAgent ?? `Node.js/${process.versions.node}`) }, configurable: true, writable: true });
  return gpu;
}

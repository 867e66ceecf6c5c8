// Node platform: Dawn through the npm `webgpu` package, shaders read from the repository's shaders/ folder.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { setShaderLoader } from './shaders.ts';

export const shaderDir = fileURLToPath(new URL('../../shaders/', import.meta.url));

let gpu: GPU | null = null;

/**
 * The compute threads the engine asks lavapipe for (LP_NUM_THREADS) when the environment names none: twice the cores
 * on machines of up to 4 cores, else null (lavapipe's own default, one per core). lavapipe splits every dispatch into
 * one fixed share per thread (Mesa's lp_cs_tpool: num_iters / num_threads each), so with one thread per core a dispatch
 * lasts as long as its slowest share, and any other thread on a core (the event loop, Dawn, another process) makes
 * the other core wait. With two shares per core the kernel's scheduler evens them out: on a 2-core AMD EPYC a
 * training step took 1.0-1.5x less wall time and no more CPU (bench/RESULTS.md, 2026-12-07). Other adapters ignore
 * the variable. Measured on 2 cores only, hence the limit.
 */
export function defaultLavapipeThreads(cores: number): number | null {
  return Number.isInteger(cores) && cores >= 1 && cores <= 4 ? 2 * cores : null;
}

/** LP_NUM_THREADS as this process gave it to lavapipe, and who chose it; null where neither did (lavapipe's default). */
export function lavapipeThreads(): { threads: number; from: 'environment' | 'engine' } | null {
  const raw = process.env.LP_NUM_THREADS;
  if (raw === undefined || raw === '') return null;
  return { threads: Number(raw), from: engineSetThreads ? 'engine' : 'environment' };
}
let engineSetThreads = false;

export async function nodeGpu(): Promise<GPU> {
  if (gpu) return gpu;
  // Dawn's Vulkan backend wants a runtime dir; a bare container often has none.
  process.env.XDG_RUNTIME_DIR ??= '/tmp';
  // read by lavapipe when Dawn creates its Vulkan instance below, so set before it
  if (process.env.LP_NUM_THREADS === undefined) {
    const n = defaultLavapipeThreads(availableParallelism());
    if (n !== null) {
      process.env.LP_NUM_THREADS = String(n);
      engineSetThreads = true;
    }
  }
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

// jax-js (@jax-js/jax) on the SAME Dawn instance the engine uses, for side-by-side benchmarks. jax-js looks for
// navigator.gpu when its WebGPU backend initialises; in Node there is none, so it is defined from the engine's
// Dawn GPU object (with a userAgent, which jax-js reads to pick its tuning) before jax-js is imported.
import { initGpu } from '../src/runtime/gpu.ts';
import { exposeNodeGpuAsNavigator } from '../src/runtime/platform-node.ts';
import type { Jax } from './unet-jaxjs.ts';

let loaded: Promise<Jax> | null = null;

/** Initialises the engine's GPU, then jax-js with its WebGPU device as the default; returns the jax-js module. */
export function loadJaxWebgpu(): Promise<Jax> {
  loaded ??= (async () => {
    const ours = await initGpu();
    exposeNodeGpuAsNavigator('jax-js baseline');
    const jax = await import('@jax-js/jax');
    const devices = await jax.init('webgpu');
    if (!devices.includes('webgpu')) throw new Error(`jax-js: its webgpu device did not initialise on ${ours.adapter.description} (devices: ${devices.join(', ') || 'none'})`);
    jax.defaultDevice('webgpu');
    return jax;
  })();
  return loaded;
}

// tfjs-core + tfjs-backend-webgpu on the SAME Dawn instance the engine uses, for side-by-side benchmarks
// The backend registers itself only when navigator.gpu
// exists at import time, so it is imported dynamically after navigator.gpu is defined.
import { initGpu, type Gpu } from '../src/runtime/gpu.ts';
import { createRequire } from 'node:module';
import { exposeNodeGpuAsNavigator } from '../src/runtime/platform-node.ts';
import type { Tf } from './tfjs-types.ts';

export type { Tf };

let loaded: Promise<Tf> | null = null;

/** Initialises the engine's GPU, then tfjs-backend-webgpu over the same GPU object; returns tfjs-core. */
export function loadTfjsWebgpu(): Promise<Tf> {
  loaded ??= (async () => {
    const ours: Gpu = await initGpu();
    exposeNodeGpuAsNavigator('tfjs baseline');
    const tf = await import('@tensorflow/tfjs-core');
    // tfjs-core's Node entry registers no gradient functions; the full bundle does this import itself
    createRequire(import.meta.url)('@tensorflow/tfjs-core/dist/register_all_gradients.js');
    await import('@tensorflow/tfjs-backend-webgpu');
    const ok = await tf.setBackend('webgpu');
    if (!ok) throw new Error(`tfjs: the webgpu backend failed to initialise on ${ours.adapter.description}`);
    await tf.ready();
    return tf;
  })();
  return loaded;
}

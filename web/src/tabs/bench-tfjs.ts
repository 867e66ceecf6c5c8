// tfjs-core + tfjs-backend-webgpu in the page, for the Benchmark tab: imported only when a benchmark runs (Vite
// splits it into its own chunk, served from the build like everything else). The backend asks navigator.gpu for
// the same adapter the engine got (high-performance), then gets its own device on it.
import type { Tf } from '../../../bench/tfjs-types.ts';

let loaded: Promise<Tf> | null = null;

export function loadTfjsInPage(): Promise<Tf> {
  loaded ??= (async () => {
    const tf = await import('@tensorflow/tfjs-core');
    // tfjs-core registers no gradient functions itself (the @tensorflow/tfjs bundle imports this file)
    await import('@tensorflow/tfjs-core/dist/register_all_gradients');
    await import('@tensorflow/tfjs-backend-webgpu');
    const ok = await tf.setBackend('webgpu');
    if (!ok) throw new Error('tfjs-backend-webgpu failed to initialise on this browser adapter (see the console for its reason)');
    await tf.ready();
    return tf;
  })();
  // a failed load may be retried (another click), not cached
  loaded.catch(() => (loaded = null));
  return loaded;
}

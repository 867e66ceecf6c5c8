// jax-js (@jax-js/jax) in the page, for the Benchmark tab's training peer: imported only when a benchmark with jax-js
// starts (Vite splits it into its own chunk, served from the build). It asks navigator.gpu for its own device.
import type { Jax } from '../../../bench/unet-jaxjs.ts';

let loaded: Promise<Jax> | null = null;

export function loadJaxInPage(): Promise<Jax> {
  loaded ??= (async () => {
    const jax = await import('@jax-js/jax');
    const devices = await jax.init('webgpu');
    if (!devices.includes('webgpu')) throw new Error(`jax-js: its webgpu device did not initialise in this browser (devices: ${devices.join(', ') || 'none'})`);
    jax.defaultDevice('webgpu');
    return jax;
  })();
  // a failed load may be retried (another click), not cached
  loaded.catch(() => (loaded = null));
  return loaded;
}

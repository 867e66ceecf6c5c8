// Browser platform: navigator.gpu, shaders bundled by Vite from the same shaders/ folder Node reads.
import { registerShaderSources } from './shaders.ts';

// kernels in shaders/, snippets in shaders/include/ (registered as 'include/<name>', as src/runtime/shaders.ts asks)
const files = import.meta.glob(['../../shaders/*.wgsl', '../../shaders/include/*.wgsl'], { query: '?raw', import: 'default', eager: true }) as Record<string, string>;
registerShaderSources(Object.fromEntries(Object.entries(files).map(([path, text]) => [path.replace(/^.*\/shaders\//, '').replace(/\.wgsl$/, ''), text])));

export function browserGpu(): GPU {
  if (typeof navigator === 'undefined' || !navigator.gpu) {
    throw new Error('WebGPU is not available in this browser (navigator.gpu is missing; it needs a secure context such as http://127.0.0.1)');
  }
  return navigator.gpu;
}

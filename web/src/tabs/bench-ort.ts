// onnxruntime-web in the page, for the Benchmark tab's prediction peer: imported only when that benchmark starts
// (its own chunk). Its Wasm files are served by the app itself under ort/ (vite.config.ts), never from a CDN, so
// the page's content security policy stays same-origin; one thread, since the page is not cross-origin isolated.
import type { Ort } from '../../../bench/ort-types.ts';
import { ORT_PATH } from '../ort-path.ts';

let loaded: Promise<Ort> | null = null;

export function loadOrtInPage(): Promise<Ort> {
  loaded ??= (async () => {
    const ort = (await import('onnxruntime-web/webgpu')) as unknown as Ort;
    ort.env.wasm.wasmPaths = new URL(`./${ORT_PATH}/`, document.baseURI).href;
    ort.env.wasm.numThreads = 1;
    return ort;
  })();
  loaded.catch(() => (loaded = null));
  return loaded;
}

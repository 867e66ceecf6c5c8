// onnxruntime-web in Node on the SAME Dawn instance the engine uses, for the prediction peer (bench/predict_peers.ts).
// Its WebGPU execution provider (ONNX Runtime's C++ WebGPU EP compiled to Wasm) looks for navigator.gpu; in Node
// that is the engine's Dawn GPU object. One shim is needed: the EP uploads with queue.writeBuffer straight from
// views of its Wasm memory, which is a SharedArrayBuffer, and the npm `webgpu` binding refuses those ("Invalid
// argument"); such views are copied to an ordinary buffer first. Browsers accept them, so the page needs no shim.
import { initGpu } from '../src/runtime/gpu.ts';
import { exposeNodeGpuAsNavigator } from '../src/runtime/platform-node.ts';

import type { Ort } from './ort-types.ts';

export type { Ort };

let loaded: Promise<Ort> | null = null;

function copySharedUploads(): void {
  const queue = (globalThis as { GPUQueue?: { prototype: GPUQueue } }).GPUQueue;
  if (!queue) throw new Error('onnxruntime-web baseline: the webgpu binding defines no GPUQueue global');
  type Write = (this: GPUQueue, buffer: unknown, offset: unknown, data: unknown, dataOffset?: number, size?: number) => undefined;
  const proto = queue.prototype as unknown as { writeBuffer: Write; __spinesegShared?: true };
  if (proto.__spinesegShared) return;
  const original = proto.writeBuffer;
  proto.writeBuffer = function (this: GPUQueue, buffer, offset, data, dataOffset, size) {
    if (ArrayBuffer.isView(data) && data.buffer instanceof SharedArrayBuffer) {
      const unit = (data as unknown as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1;
      const copy = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
      return original.call(this, buffer, offset, copy, (dataOffset ?? 0) * unit, size === undefined ? undefined : size * unit);
    }
    return original.call(this, buffer, offset, data, dataOffset, size);
  };
  proto.__spinesegShared = true;
}

/** Initialises the engine's GPU, then onnxruntime-web's WebGPU build (which also holds the Wasm CPU provider). */
export function loadOrtWebgpu(threads = 2): Promise<Ort> {
  loaded ??= (async () => {
    await initGpu();
    exposeNodeGpuAsNavigator('onnxruntime-web baseline');
    copySharedUploads();
    const ort = (await import('onnxruntime-web/webgpu')) as unknown as Ort;
    ort.env.wasm.numThreads = threads;
    return ort;
  })();
  return loaded;
}

// Where the app serves onnxruntime-web's Wasm files (vite.config.ts emits them there; web/src/tabs/bench-ort.ts reads them).
export const ORT_PATH = 'ort';
/** The files of onnxruntime-web/webgpu's provider (JSEP-free build with the C++ WebGPU EP, and the plain CPU one). */
export const ORT_FILES = ['ort-wasm-simd-threaded.asyncify.mjs', 'ort-wasm-simd-threaded.asyncify.wasm', 'ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm'];

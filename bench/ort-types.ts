// The onnxruntime-web module's type, for the host-neutral prediction peer code (loaded by bench/ort-baseline.ts in
// Node and web/src/tabs/bench-ort.ts in the page). No imports at run time.
export type Ort = typeof import('onnxruntime-web');

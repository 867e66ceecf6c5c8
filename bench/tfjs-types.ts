// The tfjs-core module type, shared by the Node loader (bench/tfjs-baseline.ts) and the page's (web/src/tabs/bench-tfjs.ts).
export type Tf = typeof import('@tensorflow/tfjs-core');

// What a front end needs of the kernel tuning, so that the page reaches the kernels only through the application
// layer: the stored per-shape choices of this adapter (loaded into the kernels) and the choices in use.
export { loadTuning, type TuneCache } from '../kernels/autotune.ts';
export { convChoices } from '../kernels/conv_algorithm.ts';

// Inverted dropout with a counter-based hash mask (shaders/dropout.wgsl): the mask is a function of
// (seed, element index), so backward recomputes it instead of storing it.
import { gpu } from '../runtime/gpu.ts';
import { defineKernel } from './runner.ts';
import { Tensor } from '../runtime/tensor.ts';

export const dropoutKernel = defineKernel({ name: 'dropout', shader: 'dropout', doc: 'out = in * keep(seed, i) / (1 - rate), hash mask recomputed in backward' });

/** in * mask(seed) / (1 - rate); used for the forward (in = x) and the backward (in = upstream gradient). */
export function dropoutMask(x: Tensor, rate: number, seed: number): Tensor {
  if (!(rate >= 0 && rate < 1)) throw new Error(`dropout: rate ${rate} is not in [0, 1)`);
  const out = Tensor.empty(x.shape);
  dropoutKernel.dispatch(gpu(), { x, out }, { n: x.size, seed: seed >>> 0, rate, scale: 1 / (1 - rate) }, dropoutKernel.grid(x.size));
  return out;
}

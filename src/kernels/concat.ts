// Channel concatenation of NHWC tensors and its backward split (shaders/concat.wgsl).
import { gpu } from '../runtime/gpu.ts';
import { defineKernel } from './runner.ts';
import { Tensor } from '../runtime/tensor.ts';

export const concatKernel = defineKernel({ name: 'concat_channels', shader: 'concat', entry: 'forward', doc: '[.., Ca] ++ [.., Cb] -> [.., Ca+Cb] along the channel axis' });
export const splitKernel = defineKernel({ name: 'split_channels', shader: 'concat', entry: 'split', doc: 'gradient of the channel concat: [.., Ca+Cb] -> [.., Ca], [.., Cb]' });

function rowsOf(a: readonly number[], b: readonly number[]): number {
  const lead = a.slice(0, -1);
  if (a.length < 1 || b.length !== a.length || lead.some((d, i) => d !== b[i])) throw new Error(`concatChannels: [${a}] and [${b}] differ outside the channel axis`);
  return lead.reduce((x, y) => x * y, 1);
}

export function concatForward(a: Tensor, b: Tensor): Tensor {
  const rows = rowsOf(a.shape, b.shape);
  const ca = a.shape[a.shape.length - 1];
  const cb = b.shape[b.shape.length - 1];
  const out = Tensor.empty([...a.shape.slice(0, -1), ca + cb]);
  concatKernel.dispatch(gpu(), { a, b, out }, { rows, ca, cb }, concatKernel.grid(out.size));
  return out;
}

export function splitChannels(g: Tensor, aShape: readonly number[], bShape: readonly number[]): [Tensor, Tensor] {
  const rows = rowsOf(aShape, bShape);
  const ga = Tensor.empty(aShape);
  const gb = Tensor.empty(bShape);
  splitKernel.dispatch(gpu(), { g, ga, gb }, { rows, ca: aShape[aShape.length - 1], cb: bShape[bShape.length - 1] }, splitKernel.grid(g.size));
  return [ga, gb];
}

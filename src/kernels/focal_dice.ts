// Fused softmax + focal/Dice loss (shaders/focal_dice_loss.wgsl): partial sums per workgroup, column_sum
// over the workgroups, one thread for the scalar loss; backward recomputes softmax per pixel.
import { gpu } from '../runtime/gpu.ts';
import { defineKernel, grid1d } from './runner.ts';
import { columnSum } from './reduce.ts';
import { Tensor } from '../runtime/tensor.ts';

export const focalDicePartialsKernel = defineKernel({ name: 'focal_dice_partials', shader: 'focal_dice_loss', entry: 'partials', doc: 'per-workgroup focal sum and per-class sum(p y), sum(p), sum(y) from logits + labels' });
export const focalDiceFinishKernel = defineKernel({ name: 'focal_dice_finish', shader: 'focal_dice_loss', entry: 'finish', doc: 'scalar focal/Dice loss from the class sums' });
export const focalDiceBackwardKernel = defineKernel({ name: 'focal_dice_backward', shader: 'focal_dice_loss', entry: 'backward', doc: 'dL/dlogits per pixel from the class sums (softmax recomputed)' });

/** Largest class count the fused kernel handles (its per-thread arrays). */
export const FOCAL_DICE_MAX_CLASSES = 8;

export interface FocalDiceParams {
  gamma: number;
  alpha: number;
  focalWeight: number;
  diceWeight: number;
  smooth: number;
}

function uniforms(logits: Tensor, labels: Tensor, o: FocalDiceParams) {
  const c = logits.shape[logits.shape.length - 1];
  const pixels = logits.size / c;
  if (c < 1 || c > FOCAL_DICE_MAX_CLASSES) throw new Error(`focalDiceLoss: ${c} classes (logits [${logits.shape}]); the fused kernel handles 1..${FOCAL_DICE_MAX_CLASSES}`);
  if (labels.size !== pixels || labels.dtype !== 'u32') throw new Error(`focalDiceLoss: labels [${labels.shape}] ${labels.dtype} do not match logits [${logits.shape}] (want u32 with ${pixels} elements)`);
  // each thread takes >= 4 pixels; at most ~1024 workgroups so the column sum stays one short pass
  const threads = focalDicePartialsKernel.threads;
  const chunk = Math.max(4 * threads, Math.ceil(pixels / 1024 / threads) * threads);
  return { pixels, c, chunk, gamma: o.gamma, alpha: o.alpha, focalWeight: o.focalWeight, diceWeight: o.diceWeight, smoothing: o.smooth };
}

/** The K = 1 + 3C sums [focal, sum(p y)[C], sum(p)[C], sum(y)[C]] over the batch. */
export function focalDiceSums(logits: Tensor, labels: Tensor, o: FocalDiceParams): Tensor {
  const u = uniforms(logits, labels, o);
  const k = 1 + 3 * u.c;
  const groups = Math.ceil(u.pixels / u.chunk);
  const partial = Tensor.empty(groups === 1 ? [k] : [groups, k]);
  focalDicePartialsKernel.dispatch(gpu(), { logits, labels, partial }, u, grid1d(groups, 1));
  if (groups === 1) return partial;
  const sums = columnSum(partial, groups, k);
  partial.dispose();
  return sums;
}

export function focalDiceFinish(logits: Tensor, labels: Tensor, sums: Tensor, o: FocalDiceParams): Tensor {
  const loss = Tensor.empty([1]);
  focalDiceFinishKernel.dispatch(gpu(), { sums, loss }, uniforms(logits, labels, o), [1]);
  return loss;
}

export function focalDiceBackward(logits: Tensor, labels: Tensor, sums: Tensor, gradOut: Tensor, o: FocalDiceParams): Tensor {
  const u = uniforms(logits, labels, o);
  const dlogits = Tensor.empty(logits.shape);
  focalDiceBackwardKernel.dispatch(gpu(), { logits, labels, sums, gradOut, dlogits }, u, focalDiceBackwardKernel.grid(u.pixels));
  return dlogits;
}

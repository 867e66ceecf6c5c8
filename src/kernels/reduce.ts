// Parallel reductions: a full sum (shaders/reduce_sum.wgsl, repeated passes of workgroup trees) and
// column sums of a [rows, cols] matrix (shaders/column_sum.wgsl), used for bias gradients in NHWC.
import { gpu } from '../runtime/gpu.ts';
import { defineKernel, grid1d } from './runner.ts';
import { Tensor } from '../runtime/tensor.ts';

export const reduceSumKernel = defineKernel({ name: 'reduce_sum', shader: 'reduce_sum', doc: 'sum of all elements (workgroup tree per chunk, repeated)' });
export const columnSumKernel = defineKernel({ name: 'column_sum', shader: 'column_sum', doc: 'per-column sums of a row-major matrix (NHWC bias gradient)' });

/** Sum of all elements as a [1] tensor. */
export function sumAll(x: Tensor): Tensor {
  const g = gpu();
  let cur = x;
  let n = x.size;
  do {
    // each workgroup's threads (256) take at least 8 elements apiece before the tree
    const threads = reduceSumKernel.threads;
    const chunk = Math.max(8 * threads, Math.ceil(n / 4096 / threads) * threads);
    const groups = Math.ceil(n / chunk);
    const out = Tensor.empty([groups]);
    reduceSumKernel.dispatch(g, { x: cur, partial: out }, { n, chunk }, grid1d(groups, 1));
    if (cur !== x) cur.dispose();
    cur = out;
    n = groups;
  } while (n > 1);
  return cur;
}

/** [rows, cols] -> [cols] column sums. */
export function columnSum(x: Tensor, rows: number, cols: number): Tensor {
  if (rows * cols !== x.size) throw new Error(`columnSum: [${x.shape}] is not ${rows}x${cols}`);
  const g = gpu();
  // enough row chunks to keep every core busy, then a second pass over the partials
  const chunks = Math.min(Math.max(1, Math.ceil(rows / 64)), Math.max(1, Math.ceil(4096 / Math.ceil(cols / 64))));
  const rowsPerChunk = Math.ceil(rows / chunks);
  const used = Math.ceil(rows / rowsPerChunk);
  const partial = Tensor.empty(used === 1 ? [cols] : [used, cols]);
  columnSumKernel.dispatch(g, { x, out: partial }, { rows, cols, rowsPerChunk }, [columnSumKernel.groupsFor(cols), used]);
  if (used === 1) return partial;
  const out = columnSum(partial, used, cols);
  partial.dispose();
  return out;
}

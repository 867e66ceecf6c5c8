// Batched 2-D transpose through workgroup-memory tiles (shaders/transpose2d.wgsl).
import { gpu } from '../runtime/gpu.ts';
import { defineKernel } from './runner.ts';
import { Tensor } from '../runtime/tensor.ts';

export const transposeKernel = defineKernel({ name: 'transpose2d', shader: 'transpose2d', doc: 'out[c, r] = x[r, c], 16x16 shared tiles, batched' });

/** x viewed as [batch, rows, cols] -> [batch, cols, rows]. */
export function transpose2d(x: Tensor, rows: number, cols: number, batch = 1): Tensor {
  if (x.size !== batch * rows * cols) throw new Error(`transpose2d: [${x.shape}] is not ${batch}x${rows}x${cols}`);
  const out = Tensor.empty(batch === 1 ? [cols, rows] : [batch, cols, rows]);
  // one thread per element of a @workgroup_size(16, 16) tile
  const [tx, ty] = transposeKernel.workgroupSize;
  transposeKernel.dispatch(gpu(), { x, out }, { rows, cols }, [Math.ceil(cols / tx!), Math.ceil(rows / ty!), batch]);
  return out;
}

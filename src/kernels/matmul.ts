// Matrix multiply C = op(A) @ op(B), batched. Two variants of the same contract: workgroup-memory tiles
// (shaders/matmul_tiled.wgsl; the GPU habit) and barrier-free register tiles (shaders/matmul_register.wgsl;
// faster on CPU Vulkan), picked by adapter type or the `matmulVariant` setting (src/runtime/settings.ts).
import { gpu, isCpuAdapter, type Gpu } from '../runtime/gpu.ts';
import { setting } from '../runtime/settings.ts';
import { defineKernel } from './runner.ts';
import { Tensor } from '../runtime/tensor.ts';

export const matmulTiledKernel = defineKernel({ name: 'matmul_tiled', shader: 'matmul_tiled', doc: 'C = op(A) op(B), 64x64 workgroup-memory tiles, 4x4 per thread' });
export const matmulRegisterKernel = defineKernel({ name: 'matmul_register', shader: 'matmul_register', doc: 'C = op(A) op(B), barrier-free 4x4 register tiles' });

export type MatmulVariant = 'tiled' | 'register';

/** The `matmulVariant` setting, else by adapter: CPU adapters prefer the barrier-free variant. */
export function matmulVariant(g: Gpu = gpu()): MatmulVariant {
  return setting('matmulVariant') ?? (isCpuAdapter(g.adapter) ? 'register' : 'tiled');
}

export interface MatmulOptions {
  transA?: boolean;
  transB?: boolean;
  /** add into `out` instead of overwriting it */
  accumulate?: boolean;
  variant?: MatmulVariant;
  batch?: number;
}

/** Records C[batch, M, N] = op(A) @ op(B) into `out` (allocated when not given). */
export function matmulInto(a: Tensor, b: Tensor, M: number, N: number, K: number, opts: MatmulOptions = {}, out?: Tensor): Tensor {
  const batch = opts.batch ?? 1;
  if (a.size !== batch * M * K) throw new Error(`matmul: A [${a.shape}] is not ${batch}x${M}x${K}`);
  if (b.size !== batch * K * N) throw new Error(`matmul: B [${b.shape}] is not ${batch}x${K}x${N}`);
  const c = out ?? Tensor.empty(batch === 1 ? [M, N] : [batch, M, N]);
  const g = gpu();
  const variant = opts.variant ?? matmulVariant(g);
  const constants = { TA: opts.transA ? 1 : 0, TB: opts.transB ? 1 : 0, ACC: opts.accumulate ? 1 : 0 };
  if (variant === 'tiled') matmulTiledKernel.dispatch(g, { A: a, B: b, C: c }, { M, N, K }, [Math.ceil(N / 64), Math.ceil(M / 64), batch], constants);
  else matmulRegisterKernel.dispatch(g, { A: a, B: b, C: c }, { M, N, K }, [Math.ceil(N / 32), Math.ceil(M / 32), batch], constants);
  return c;
}

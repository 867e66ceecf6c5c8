// Matrix multiply C = op(A) @ op(B), batched. Two variants of the same contract: workgroup-memory tiles
// (shaders/matmul_tiled.wgsl; the GPU habit) and barrier-free register tiles (shaders/matmul_register.wgsl;
// faster on CPU Vulkan). `tuneMatmul` (bench train --tune) times both on the adapter and keeps the faster.
import { gpu, isCpuAdapter, type Gpu } from '../runtime/gpu.ts';
import { defineKernel } from './runner.ts';
import { Tensor } from '../runtime/tensor.ts';

export const matmulTiledKernel = defineKernel({ name: 'matmul_tiled', shader: 'matmul_tiled', doc: 'C = op(A) op(B), 64x64 workgroup-memory tiles, 4x4 per thread' });
export const matmulRegisterKernel = defineKernel({ name: 'matmul_register', shader: 'matmul_register', doc: 'C = op(A) op(B), barrier-free 4x4 register tiles' });

export type MatmulVariant = 'tiled' | 'register';
let chosen: MatmulVariant | null = null;

/** CPU adapters prefer the barrier-free variant until tuneMatmul measures otherwise. */
export function matmulVariant(g: Gpu = gpu()): MatmulVariant {
  if (chosen) return chosen;
  return isCpuAdapter(g.adapter) ? 'register' : 'tiled';
}

export function setMatmulVariant(v: MatmulVariant | null): void {
  chosen = v;
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

/** Times both variants on a square problem and keeps the faster one for this adapter. */
export async function tuneMatmul(size = 256, reps = 3): Promise<Record<MatmulVariant, number>> {
  const g = gpu();
  const a = Tensor.fromData(new Float32Array(size * size).map((_, i) => (i % 7) - 3), [size, size]);
  const b = Tensor.fromData(new Float32Array(size * size).map((_, i) => (i % 5) - 2), [size, size]);
  const times = {} as Record<MatmulVariant, number>;
  for (const v of ['tiled', 'register'] as MatmulVariant[]) {
    matmulInto(a, b, size, size, size, { variant: v }).dispose();
    await g.sync();
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) matmulInto(a, b, size, size, size, { variant: v }).dispose();
    await g.sync();
    times[v] = (performance.now() - t0) / reps;
  }
  a.dispose();
  b.dispose();
  chosen = times.tiled <= times.register ? 'tiled' : 'register';
  return times;
}

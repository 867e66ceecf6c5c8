// f32 matmul GFLOP/s: spineseg's two variants against tfjs-backend-webgpu 4.22's tf.matMul, in the same
// process on the same adapter. Usage: npx tsx bench/matmul.ts [--size 1024] [--json FILE]
import { Bench } from 'tinybench';
import { writeFileSync } from 'node:fs';
import { initGpu, adapterName } from '../src/runtime/gpu.ts';
import { Tensor } from '../src/graph/tensor.ts';
import { matmulInto, type MatmulVariant } from '../src/kernels/matmul.ts';
import { loadTfjsWebgpu } from './tfjs-baseline.ts';
import { benchMain, type BenchArgs } from './args.ts';

export const matmulFlags = {
  '--size': { kind: 'number', doc: 'square matrix size n (n x n x n)', default: 1024, min: 1, integer: true },
  '--json': { kind: 'string', doc: 'write the rows here' },
} as const;
export type MatmulOptions = BenchArgs<typeof matmulFlags>;

export async function run(o: MatmulOptions): Promise<void> {
  const { size: n, json: jsonPath } = o;
  const g = await initGpu();
  const tf = await loadTfjsWebgpu();
  const data = Float32Array.from({ length: n * n }, (_, i) => ((i * 7919) % 13) / 13 - 0.5);
  const a = Tensor.fromData(data, [n, n]);
  const b = Tensor.fromData(data, [n, n]);
  const ta = tf.tensor2d(data, [n, n]);
  const tb = tf.tensor2d(data, [n, n]);
  const flops = 2 * n * n * n;

  const bench = new Bench({ iterations: 5, warmupIterations: 1, time: 0 });
  for (const v of ['register', 'tiled'] as MatmulVariant[]) {
    bench.add(`spineseg matmul_${v}`, async () => {
      matmulInto(a, b, n, n, n, { variant: v }).dispose();
      await g.sync();
    });
  }
  bench.add('tfjs-webgpu tf.matMul', async () => {
    const c = tf.matMul(ta, tb);
    await c.data();
    c.dispose();
  });
  await bench.run();

  const median = (name: string) => {
    const t = bench.tasks.find((x) => x.name === name)!;
    const r = t.result as unknown as { latency?: { p50?: number }; period?: number };
    return r.latency?.p50 ?? r.period ?? NaN;
  };
  const tfjsMs = median('tfjs-webgpu tf.matMul');
  const rows = bench.tasks.map((t) => {
    const ms = median(t.name);
    return { name: t.name, ms, gflops: flops / (ms * 1e6), ratioVsTfjs: tfjsMs / ms };
  });
  console.log(`matmul ${n}x${n}x${n} f32 on ${adapterName(g.adapter)} (median of 5)`);
  console.table(rows.map((r) => ({ kernel: r.name, 'ms': r.ms.toFixed(1), 'GFLOP/s': r.gflops.toFixed(2), 'speed vs tfjs': `${r.ratioVsTfjs.toFixed(2)}x` })));
  if (jsonPath) writeFileSync(jsonPath, JSON.stringify({ adapter: g.adapter, size: n, rows }, null, 2));
}

benchMain(import.meta, 'bench/matmul.ts', matmulFlags, run);

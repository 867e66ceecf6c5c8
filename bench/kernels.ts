// Kernel benchmark: spineseg's conv kernels against tfjs-backend-webgpu 4.22 in the same process, on the
// same Dawn instance and adapter (the benchmark itself is bench/kernels-core.ts, shared with the web app), at the layer shapes of the paper's U-Net with a 160x128 (W x H) input,
// batch 2. GPU completion is awaited inside every timed call (gpu().sync() for ours, `await t.data()`
// for tfjs). GFLOP/s counts 2 flops per multiply-accumulate, N*H*W*k*k*Cin*Cout MACs per pass (for the
// transposed conv H, W are its input's; the 3x3 'same' edge taps that fall off are still counted, for
// both sides alike).
//   npx tsx bench/kernels.ts [--json FILE] [--iterations N] [--only SUBSTRING]
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { gpu, adapterName } from '../src/runtime/gpu.ts';
import { convVariant } from '../src/kernels/conv2d.ts';
import { loadTfjsWebgpu } from './tfjs-baseline.ts';
import { runKernelBench, kernelTable } from './kernels-core.ts';
import { benchMain, type BenchArgs } from './args.ts';

export const kernelsFlags = {
  '--iterations': { kind: 'number', doc: 'timed iterations per kernel', default: 5, min: 1, integer: true },
  '--only': { kind: 'string', doc: 'only the layers whose description contains this' },
  '--json': { kind: 'string', doc: 'write the rows here' },
} as const;
export type KernelsOptions = BenchArgs<typeof kernelsFlags>;

export async function run(o: KernelsOptions): Promise<void> {
  const tf = await loadTfjsWebgpu();
  const g = gpu();
  const { iterations, only } = o;
  const adapter = adapterName(g.adapter);
  console.error(`adapter: ${adapter}; spineseg conv variant: ${convVariant(g)}; tfjs backend: ${tf.getBackend()}; ${iterations} timed iterations per kernel (median)`);
  const { rows } = await runKernelBench(tf, { iterations, only: only ?? undefined });
  console.log(`\nconv kernels, batch 2, U-Net at 160x128 (W x H), on ${adapter}\n`);
  console.log(kernelTable(rows));
  const json = o.json;
  if (json) {
    mkdirSync(dirname(json), { recursive: true });
    writeFileSync(json, JSON.stringify({ adapter, variant: convVariant(g), date: new Date().toISOString(), rows }, null, 2) + '\n');
    console.log(`\nwrote ${json}`);
  }
}

benchMain(import.meta, 'bench/kernels.ts', kernelsFlags, run);

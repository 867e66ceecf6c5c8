// The filter gradient's transposed-A GEMM (shaders/winograd_gemm_at.wgsl) against an earlier text of the same shader
// (--old FILE, e.g. `git show 5db05f4:shaders/winograd_gemm_at.wgsl > /tmp/gemm_at_old.wgsl`, before the summed
// blocks of 2026-12-06), both as F(2x2, 3x3) dispatches them (16 positions, one fp32 chain per chunk), on the U-Net's
// filter-gradient shapes, interleaved in one process (order alternating every round), GPU completion awaited inside
// every timed call; wall and process CPU ms per call, and whether both write the same partial sums bit for bit.
//   npx tsx bench/winograd_gemm_at_ab.ts --old FILE [--size 160x128] [--batch 2] [--reps 15] [--only STR] [--json FILE]
import { readFileSync, writeFileSync } from 'node:fs';
import { median, timeInterleaved } from './stats.ts';
import { machineInfo } from './machine.ts';
import { initGpu, adapterName } from '../src/runtime/gpu.ts';
import { registerShaderSources } from '../src/runtime/shaders.ts';
import { defineKernel } from '../src/kernels/runner.ts';
import { winogradGemmAtKernel } from '../src/kernels/winograd.ts';
import { Tensor } from '../src/graph/tensor.ts';
import { unetConv3x3Shapes } from '../src/model/unet.ts';
import { DEFAULT_MODEL_SIZE } from '../src/cli/options.ts';
import { benchMain, type BenchArgs } from './args.ts';

export const gemmAtAbFlags = {
  '--old': { kind: 'string', doc: 'the earlier shaders/winograd_gemm_at.wgsl text to compare against (required)' },
  '--size': { kind: 'size', doc: 'network input WIDTHxHEIGHT', default: DEFAULT_MODEL_SIZE },
  '--batch': { kind: 'number', doc: 'batch size', default: 2, min: 1, integer: true },
  '--reps': { kind: 'number', doc: 'rounds per shape', default: 15, min: 1, integer: true },
  '--only': { kind: 'string', doc: 'only the shapes whose description contains this' },
  '--json': { kind: 'string', doc: 'write the rows here' },
} as const;
export type GemmAtAbOptions = BenchArgs<typeof gemmAtAbFlags>;

export async function run(o: GemmAtAbOptions): Promise<void> {
  if (!o.old) throw new Error('bench/winograd_gemm_at_ab.ts: --old FILE is required');
  const g = await initGpu();
  registerShaderSources({ winograd_gemm_at_old: readFileSync(o.old, 'utf8') });
  const oldKernel = defineKernel({ name: 'winograd_gemm_at_old', shader: 'winograd_gemm_at_old', doc: 'an earlier winograd_gemm_at.wgsl (bench only)' });
  const { width, height } = o.size;
  const shapes = unetConv3x3Shapes(width, height, o.batch).filter((s) => s.C >= 16 && (!o.only || `${s.N}x${s.H}x${s.W}x${s.C}->${s.O} ${s.where}`.includes(o.only)));
  console.log('| layer | shape | tiles / chunk | new (wall min / median / CPU median) | old | CPU old / new | wall old / new | same partial sums |');
  console.log('|---|---|---|---|---|---|---|---|');
  const rows: Record<string, unknown>[] = [];
  for (const s of shapes) {
    const { N, H, W, C, O } = s;
    const T = N * Math.ceil(H / 2) * Math.ceil(W / 2);
    // the chunking of winogradFilterGrad for F(2x2) (one band at these sizes)
    const wg = Math.min(64, Math.max(8, Math.ceil(C / 4 / 8) * 8));
    const perChunk = 16 * Math.ceil(C / 4 / wg) * Math.ceil(O / 8);
    let chunks = Math.max(1, Math.min(Math.ceil(T / 32), Math.ceil(256 / perChunk)));
    chunks = Math.min(chunks, Math.max(1, Math.floor((64 << 20) / (4 * 16 * C * O))), Math.floor(g.limits.maxComputeWorkgroupsPerDimension / 16));
    const chunk = Math.ceil(T / chunks);
    chunks = Math.ceil(T / chunk);
    const fill = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed));
    const A = Tensor.fromData(fill(16 * T * C, 1), [16, T, C]);
    const B = Tensor.fromData(fill(16 * T * O, 2), [16, T, O]);
    const call = (k: typeof winogradGemmAtKernel): Tensor => {
      const part = Tensor.empty([chunks, 16 * C * O]);
      k.dispatch(g, { A, A4: A, B, B4: B, part }, { T, K: C, N: O, chunk, batch: 16, partBase: 0 }, [Math.ceil(C / 4 / wg), Math.ceil(O / 8), chunks * 16], { VK: C % 4 === 0 ? 4 : 1, VN: O % 4 === 0 ? 4 : 1, WG: wg });
      return part;
    };
    const pn = call(winogradGemmAtKernel);
    const po = call(oldKernel);
    const [an, ao] = [await pn.read(), await po.read()];
    pn.dispose();
    po.dispose();
    const same = an.every((v, i) => v === ao[i] || (Number.isNaN(v) && Number.isNaN(ao[i])));
    const { wall, cpu } = await timeInterleaved(['new', 'old'] as const, o.reps, async (side) => {
      const p = call(side === 'new' ? winogradGemmAtKernel : oldKernel);
      await g.sync();
      return () => p.dispose();
    });
    const st = (side: 'new' | 'old') => ({ wall_min: Math.min(...wall[side]), wall_median: median(wall[side]), cpu_median: median(cpu[side]), wall: wall[side], cpu: cpu[side] });
    const n = st('new');
    const od = st('old');
    const cell = (x: ReturnType<typeof st>) => `${x.wall_min.toFixed(1)} / ${x.wall_median.toFixed(1)} / ${x.cpu_median.toFixed(1)}`;
    console.log(`| ${s.where} | ${N}x${H}x${W}x${C}->${O} | ${T} / ${chunk} | ${cell(n)} | ${cell(od)} | ${(od.cpu_median / n.cpu_median).toFixed(2)}x | ${(od.wall_median / n.wall_median).toFixed(2)}x | ${same ? 'yes' : 'NO'} |`);
    rows.push({ where: s.where, shape: `${N}x${H}x${W}x${C}->${O}`, tiles: T, chunk, same, new: n, old: od });
    A.dispose();
    B.dispose();
  }
  if (o.json) writeFileSync(o.json, JSON.stringify({ adapter: adapterName(g.adapter), machine: machineInfo(g.adapter), date: new Date().toISOString(), size: `${width}x${height}`, batch: o.batch, reps: o.reps, rows }, null, 2) + '\n');
}

benchMain(import.meta, 'bench/winograd_gemm_at_ab.ts', gemmAtAbFlags, run);

// The channel-lane Winograd GEMM (shaders/winograd_gemm_oc.wgsl: a thread owns 8 rows x 4 columns) against
// bench-only variants of its register tile (bench/shaders/): 16 rows x 2 columns (half the gathered B values per
// multiply-add, twice the uniform A loads), 4 x 8 (the reverse), and a probe made from the engine's shader whose
// threads all read the same B values (no gathers; wrong results) that says what the gathers cost. On the forward and input-gradient GEMMs of the U-Net's
// 3x3 layers at the given size, with the engine's tile choice (F(4x4) from 256 pixels, else F(2x2)), interleaved in
// one process, the order alternating every round; GPU completion awaited inside every timed call. Prints wall and
// process CPU ms per call and whether each variant writes the engine's sums bit for bit.
//   npx tsx bench/winograd_gemm_oc_variants.ts [--size 160x128] [--batch 2] [--width-mult 1] [--reps 7] [--json FILE]
import { readFileSync, writeFileSync } from 'node:fs';
import { median, timeInterleaved } from './stats.ts';
import { machineInfo } from './machine.ts';
import { initGpu, adapterName } from '../src/runtime/gpu.ts';
import { registerShaderSources, shaderSource } from '../src/runtime/shaders.ts';
import { defineKernel } from '../src/kernels/runner.ts';
import { winogradGemmChannelKernel, winogradGemmSubgroupKernel, subgroupTwinsUnavailable } from '../src/kernels/winograd.ts';
import { Tensor } from '../src/graph/tensor.ts';
import { unetConv3x3Shapes } from '../src/model/unet.ts';
import { DEFAULT_MODEL_SIZE } from '../src/cli/options.ts';
import { benchMain, type BenchArgs } from './args.ts';

export const gemmOcVariantFlags = {
  '--size': { kind: 'size', doc: 'network input WIDTHxHEIGHT', default: DEFAULT_MODEL_SIZE },
  '--batch': { kind: 'number', doc: 'batch size', default: 2, min: 1, integer: true },
  '--width-mult': { kind: 'number', doc: 'channel width multiplier', default: 1, min: 0.0625 },
  '--reps': { kind: 'number', doc: 'rounds per GEMM', default: 7, min: 1, integer: true },
  '--json': { kind: 'string', doc: 'write the rows here' },
} as const;
export type GemmOcVariantOptions = BenchArgs<typeof gemmOcVariantFlags>;

/**
 * rows x columns per thread of each side; `engine` is shaders/winograd_gemm_oc.wgsl, `subgroup` its subgroup twin
 * shaders/winograd_gemm_sg.wgsl (16 rows per workgroup of 8 threads; only where the device has subgroups of 8+)
 */
const SIDES = { engine: [8, 4], p16x2: [16, 2], p4x8: [4, 8], nogather: [8, 4], subgroup: [16, 4] } as const;
type SideName = keyof typeof SIDES;

export async function run(o: GemmOcVariantOptions): Promise<void> {
  const g = await initGpu();
  const kernels: Record<SideName, typeof winogradGemmChannelKernel> = { engine: winogradGemmChannelKernel } as Record<SideName, typeof winogradGemmChannelKernel>;
  for (const v of ['p16x2', 'p4x8'] as const) {
    registerShaderSources({ [`winograd_gemm_oc_${v}`]: readFileSync(new URL(`./shaders/winograd_gemm_oc_${v}.wgsl`, import.meta.url), 'utf8') });
    kernels[v] = defineKernel({ name: `winograd_gemm_oc_${v}`, shader: `winograd_gemm_oc_${v}`, doc: `bench-only variant ${v} of winograd_gemm_oc` });
  }
  // the probe: the engine's shader with every lane reading the B values of its workgroup's first columns, so lavapipe
  // loads them once and broadcasts them instead of gathering one per lane; its results are wrong, its time says what
  // the gathers cost
  const line = 'let bbase = (b * p.K * p.N + n) >> 2u;';
  const engine = shaderSource('winograd_gemm_oc');
  if (!engine.includes(line)) throw new Error(`shaders/winograd_gemm_oc.wgsl no longer has '${line}': update the probe of bench/winograd_gemm_oc_variants.ts`);
  registerShaderSources({ winograd_gemm_oc_nogather: engine.replace(line, 'let bbase = (b * p.K * p.N + wid.y * WGX * 4u) >> 2u;') });
  kernels.nogather = defineKernel({ name: 'winograd_gemm_oc_nogather', shader: 'winograd_gemm_oc_nogather', doc: 'bench-only probe of winograd_gemm_oc without gathers (wrong results)' });
  kernels.subgroup = winogradGemmSubgroupKernel;
  const unavailable = subgroupTwinsUnavailable();
  if (unavailable) throw new Error(`${unavailable}: the subgroup side cannot run`);
  const { width, height } = o.size;
  console.log(`channel-lane Winograd GEMM variants on ${adapterName(g.adapter)}, U-Net ${width}x${height} width x${o.widthMult}, batch ${o.batch}, ${o.reps} rounds`);
  console.log('| GEMM | E x M x K -> N | ' + (Object.keys(SIDES) as SideName[]).map((s) => `${s} (wall min / CPU median)`).join(' | ') + ' | same sums (p16x2, p4x8, subgroup) |');
  console.log('|---|---|' + '---|'.repeat(Object.keys(SIDES).length) + '---|');
  const rows: Record<string, unknown>[] = [];
  const totals = Object.fromEntries(Object.keys(SIDES).map((s) => [s, { wallMin: 0, cpuMedian: 0 }])) as Record<SideName, { wallMin: number; cpuMedian: number }>;
  const fill = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed));
  for (const s of unetConv3x3Shapes(width, height, o.batch, o.widthMult)) {
    for (const pass of ['forward', 'input-grad'] as const) {
      const m = s.H * s.W >= 256 ? 4 : 2;
      const E = m === 4 ? 36 : 16;
      const M = s.N * Math.ceil(s.H / m) * Math.ceil(s.W / m);
      const [K, N] = pass === 'forward' ? [s.C, s.O] : [s.O, s.C];
      // the engine's channel lanes need these; p4x8 needs N % 8 as well
      if (K % 4 !== 0 || N % 8 !== 0 || N < 16) continue;
      // the engine cuts such layers into tile bands (bandTiles); here they are left out
      if (4 * E * M * Math.max(K, N) > g.limits.maxStorageBufferBindingSize) {
        console.log(`| ${pass} ${s.where.split(',')[0]} | ${E}x${M}x${K}->${N} | left out: over the adapter's storage binding size |`);
        continue;
      }
      const A = Tensor.fromData(fill(E * M * K, 1), [E, M, K]);
      const B = Tensor.fromData(fill(E * K * N, 2), [E, K, N]);
      const call = (side: SideName): Tensor => {
        const out = Tensor.empty([E, M, N]);
        const [rows, cols] = SIDES[side];
        const wgx = side === 'subgroup' ? 8 : Math.min(64, N / cols);
        kernels[side].dispatch(g, { A4: A, B4: B, B2: B, dst: out }, { M, N, K }, [Math.ceil(M / rows), Math.ceil(N / (cols * wgx)), E], { WGX: wgx });
        return out;
      };
      const sides = Object.keys(SIDES) as SideName[];
      const outputs: Record<string, Float32Array> = {};
      for (const side of sides) {
        const t = call(side);
        outputs[side] = await t.read();
        t.dispose();
      }
      const same = (side: SideName) => outputs[side].every((v, i) => v === outputs.engine[i]);
      const { wall, cpu } = await timeInterleaved(sides, o.reps, async (side) => {
        const t = call(side);
        await g.sync();
        return () => t.dispose();
      });
      const cells = sides.map((x) => {
        totals[x].wallMin += Math.min(...wall[x]);
        totals[x].cpuMedian += median(cpu[x]);
        return `${Math.min(...wall[x]).toFixed(1)} / ${median(cpu[x]).toFixed(1)}`;
      });
      const where = `${pass} ${s.where.split(',')[0]}`;
      console.log(`| ${where} | ${E}x${M}x${K}->${N} | ${cells.join(' | ')} | ${same('p16x2') ? 'yes' : 'NO'}, ${same('p4x8') ? 'yes' : 'NO'}, ${same('subgroup') ? 'yes' : 'NO'} |`);
      rows.push({ where, E, M, K, N, sameSums: { p16x2: same('p16x2'), p4x8: same('p4x8'), subgroup: same('subgroup') }, wall, cpu });
      A.dispose();
      B.dispose();
    }
  }
  const tot = (Object.keys(SIDES) as SideName[]).map((x) => `${totals[x].wallMin.toFixed(0)} / ${totals[x].cpuMedian.toFixed(0)}`);
  console.log(`| **sum** | | ${tot.join(' | ')} | |`);
  console.log((Object.keys(SIDES) as SideName[]).filter((x) => x !== 'engine').map((x) => `${x}: CPU ${(totals[x].cpuMedian / totals.engine.cpuMedian).toFixed(2)}x the engine's`).join('; '));
  if (o.json) writeFileSync(o.json, JSON.stringify({ adapter: adapterName(g.adapter), machine: machineInfo(g.adapter), date: new Date().toISOString(), size: `${width}x${height}`, batch: o.batch, widthMult: o.widthMult, reps: o.reps, totals, rows }, null, 2) + '\n');
}

benchMain(import.meta, 'bench/winograd_gemm_oc_variants.ts', gemmOcVariantFlags, run);

// Winograd F(2x2, 3x3) (and with --f4 F(4x4, 3x3), every pass) against the direct implicit-GEMM kernels, per 3x3 layer shape and pass of the U-Net,
// in one process on one adapter. Timing: ABAB pairs (direct, Winograd, direct, Winograd, ...; the order
// within a pair alternates), GPU completion awaited inside every timed call; min and median per side.
// Besides wall time, the process CPU time per call (user + system of every thread: lavapipe runs in this
// process) is recorded: on a loaded machine it measures the work done regardless of how long the
// scheduler kept the threads waiting. --errors adds the max abs / rel error of both against the float64 definition (src/reference/conv.ts).
//   npx tsx bench/winograd.ts [--size 128x160] [--batch 2] [--width-mult 1] [--reps 7] [--only STR] [--pass PASS] [--errors] [--f4] [--profile] [--json FILE]
import { writeFileSync } from 'node:fs';
import { median } from './stats.ts';
import { initGpu, adapterName } from '../src/runtime/gpu.ts';
import { Tensor } from '../src/graph/tensor.ts';
import { conv2dForward, conv2dInputGrad, conv2dFilterGrad, convVariant } from '../src/kernels/conv2d.ts';
import type { ConvAlgorithm, ConvPass } from '../src/kernels/conv_algorithm.ts';
import { winogradForward, winogradInputGrad, winogradFilterGrad, type WinogradLanes } from '../src/kernels/winograd.ts';
import { unetConv3x3Shapes } from '../src/model/unet.ts';
import { DEFAULT_MODEL_SIZE } from '../src/cli/options.ts';
import { benchMain, type BenchArgs } from './args.ts';
import { conv2dRef, conv2dGradRef } from '../src/reference/conv.ts';
import { errorStats } from '../src/checks/winograd.ts';
import { machineInfo } from './machine.ts';

export const winogradFlags = {
  '--size': { kind: 'size', doc: 'network input WIDTHxHEIGHT', default: DEFAULT_MODEL_SIZE },
  '--batch': { kind: 'number', doc: 'batch size', default: 2, min: 1, integer: true },
  '--width-mult': { kind: 'number', doc: 'channel width multiplier', default: 1, min: 0.01 },
  '--reps': { kind: 'number', doc: 'rotations per pass', default: 7, min: 1, integer: true },
  '--only': { kind: 'string', doc: 'only the shapes whose description contains this' },
  '--pass': { kind: 'string', doc: 'only this pass: forward, input-grad or filter-grad' },
  '--errors': { kind: 'boolean', doc: 'also the max abs / rel error against float64' },
  '--f4': { kind: 'boolean', doc: 'also F(4x4, 3x3)' },
  '--profile': { kind: 'boolean', doc: 'per-kernel GPU timestamps of one run per variant' },
  '--json': { kind: 'string', doc: 'write the rows here' },
} as const;
export type WinogradOptions = BenchArgs<typeof winogradFlags>;

function values(count: number, seed: number, scale = 1): Float32Array {
  const a = new Float32Array(count);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = (s / 4294967296 - 0.5) * 2 * scale;
  }
  return a;
}

export async function run(o: WinogradOptions): Promise<void> {
  const { width, height } = o.size;
  const { batch, reps, errors: withErrors, f4: withF4, json: jsonPath } = o;
  const only = o.only ?? '';
  const g = await initGpu();
  const adapter = adapterName(g.adapter);
  if (o.pass && !['forward', 'input-grad', 'filter-grad'].includes(o.pass)) throw new Error(`bench/winograd.ts --pass ${o.pass}: expected forward, input-grad or filter-grad`);
  const shapes = unetConv3x3Shapes(width, height, batch, o.widthMult).filter((s) => !only || `${s.N}x${s.H}x${s.W}x${s.C}->${s.O} ${s.where}`.includes(only));
  console.error(`adapter: ${adapter}; direct variant ${convVariant(g)}; ${reps} rotations per pass; cells: wall min / wall median / CPU median, ms`);
  console.log('| shape | pass | direct | Winograd rows | Winograd channels |' + (withF4 ? ' F(4x4) rows | F(4x4) channels |' : '') + ' CPU speed-up (best F(2x2)) | fastest by CPU |' + (withErrors ? ' direct max abs / rel err | Winograd max abs / rel err |' + (withF4 ? ' F(4x4) max abs / rel err |' : '') : '') + ' layers |');
  const rows: Record<string, unknown>[] = [];
  for (const s of shapes) {
    const { N, H, W, C, O } = s;
    const xData = values(N * H * W * C, 1);
    const wData = values(9 * C * O, 2, 1 / Math.sqrt(9 * C));
    const dyData = values(N * H * W * O, 3);
    const X = Tensor.fromData(xData, [N, H, W, C]);
    const Wt = Tensor.fromData(wData, [3, 3, C, O]);
    const DY = Tensor.fromData(dyData, [N, H, W, O]);
    type Variant = 'direct' | 'winograd-rows' | 'winograd-channels' | 'winograd4-rows' | 'winograd4-channels';
    const variants: Variant[] = ['direct', 'winograd-rows'];
    const lanesOk = (k: number, n: number) => k % 4 === 0 && n % 4 === 0;
    const run = (pass: ConvPass, v: Variant): Tensor => {
      if (v === 'direct') {
        const a: ConvAlgorithm = 'direct';
        if (pass === 'forward') return conv2dForward(X, Wt, null, { algorithm: a });
        if (pass === 'input-grad') return conv2dInputGrad(DY, Wt, { algorithm: a });
        return conv2dFilterGrad(X, DY, [3, 3], { algorithm: a });
      }
      const lanes: WinogradLanes = v.endsWith('-rows') ? 'rows' : 'channels';
      const tile = v.startsWith('winograd4') ? 4 : 2;
      if (pass === 'forward') return winogradForward(X, Wt, null, { lanes, tile });
      if (pass === 'input-grad') return winogradInputGrad(DY, Wt, { lanes, tile });
      return winogradFilterGrad(X, DY, { tile });
    };
    let ref: { y: Float64Array; dx: Float64Array; dw: Float64Array } | null = null;
    if (withErrors) {
      const x64 = Float64Array.from(xData);
      const w64 = Float64Array.from(wData);
      const cs = { N, H, W, C, O, KH: 3, KW: 3 };
      const gr = conv2dGradRef(x64, w64, Float64Array.from(dyData), cs);
      ref = { y: conv2dRef(x64, w64, null, cs), dx: gr.dx, dw: gr.dw };
    }
    for (const pass of (['forward', 'input-grad', 'filter-grad'] as ConvPass[]).filter((p) => !o.pass || p === o.pass)) {
      // the filter gradient has one Winograd GEMM mapping (F(2x2) and F(4x4): 'rows'); the others have two when channels are vec4-aligned
      const vs: Variant[] = pass === 'filter-grad' ? variants : pass === 'forward' ? (lanesOk(C, O) ? [...variants, 'winograd-channels'] : [...variants]) : lanesOk(O, C) ? [...variants, 'winograd-channels'] : [...variants];
      if (withF4) vs.push(...vs.filter((v) => v.startsWith('winograd-')).map((v) => v.replace('winograd-', 'winograd4-') as Variant));
      const times = new Map<Variant, number[]>(vs.map((v) => [v, []]));
      const cpu = new Map<Variant, number[]>(vs.map((v) => [v, []]));
      const errors: Record<string, string> = {};
      for (const v of vs) {
        const t = run(pass, v); // compiles the pipelines
        const got = await t.read();
        t.dispose();
        if (ref) {
          const e = errorStats(got, pass === 'forward' ? ref.y : pass === 'input-grad' ? ref.dx : ref.dw);
          errors[v] = `${e.maxAbs.toExponential(1)} / ${e.maxRel.toExponential(1)}`;
        }
      }
      if (o.profile) {
        for (const v of vs) {
          g.beginProfile();
          run(pass, v).dispose();
          const prof = await g.endProfile();
          console.error(`  ${pass} ${v}: ${prof.map((p) => `${p.kernel} ${p.ms.toFixed(1)} ms`).join(', ')}`);
        }
      }
      for (let r = 0; r < reps; r++) {
        // rotate the order every repetition so no variant always runs first
        const order = vs.map((_, i) => vs[(i + r) % vs.length]);
        for (const v of order) {
          const c0 = process.cpuUsage();
          const t0 = performance.now();
          const t = run(pass, v);
          await g.sync();
          times.get(v)!.push(performance.now() - t0);
          const c = process.cpuUsage(c0);
          cpu.get(v)!.push((c.user + c.system) / 1000);
          t.dispose();
        }
      }
      const stats = Object.fromEntries(vs.map((v) => [v, { wall_min: Math.min(...times.get(v)!), wall_median: median(times.get(v)!), cpu_min: Math.min(...cpu.get(v)!), cpu_median: median(cpu.get(v)!), ...(ref ? { error: errors[v] } : {}) }]));
      const best = vs.reduce((a, b) => (stats[b].cpu_median < stats[a].cpu_median ? b : a));
      const w4 = stats['winograd4-channels'] && stats['winograd4-channels'].cpu_median < stats['winograd4-rows'].cpu_median ? 'winograd4-channels' : 'winograd4-rows';
      const row = { shape: `${N}x${H}x${W}x${C}->${O}`, where: s.where, pass, stats, best_by_cpu: best };
      rows.push(row);
      const cell = (v: Variant) => (stats[v] ? `${stats[v].wall_min.toFixed(0)} / ${stats[v].wall_median.toFixed(0)} / ${stats[v].cpu_median.toFixed(0)}` : '-');
      const w = stats['winograd-channels'] && stats['winograd-channels'].cpu_median < stats['winograd-rows'].cpu_median ? 'winograd-channels' : 'winograd-rows';
      console.log(
        `| ${row.shape} | ${pass} | ${cell('direct')} | ${cell('winograd-rows')} | ${cell('winograd-channels')} |` + (withF4 ? ` ${cell('winograd4-rows')} | ${cell('winograd4-channels')} |` : '') + ` ${(stats.direct.cpu_median / stats[w].cpu_median).toFixed(2)}x | ${best} |` +
          (ref ? ` ${errors.direct} | ${errors[w]} |` + (withF4 ? ` ${errors[w4] ?? '-'} |` : '') : '') + ` ${s.where} |`,
      );
    }
    [X, Wt, DY].forEach((t) => t.dispose());
  }
  if (jsonPath) writeFileSync(jsonPath, JSON.stringify({ adapter, machine: machineInfo(g.adapter), date: new Date().toISOString(), size: `${width}x${height}`, batch, reps, rows }, null, 2) + '\n');
}

benchMain(import.meta, 'bench/winograd.ts', winogradFlags, run);

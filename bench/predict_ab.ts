// Prediction of one slice at the model's full size (default 512x640, full width), interleaved run by run
// (ABC, order rotated every run); wall ms min / median and process CPU ms median per side:
//   ours                      default conv choices (Winograd, in tile bands where large) and fused epilogues
//   ours, no fusion           the same convolutions, BatchNorm / ReLU / LeakyReLU as separate passes
//   before (direct, unfused)  every conv on the direct kernels, no fusion: the engine before issue 17
//   npx tsx bench/predict_ab.ts [--size 512x640] [--width-mult 1] [--runs 4] [--json FILE]
import { writeFileSync } from 'node:fs';
import { median } from './stats.ts';
import { machineInfo } from './machine.ts';
import { initGpu, adapterName } from '../src/runtime/gpu.ts';
import { UNet, makeConfig } from '../src/model/unet.ts';
import { predictSlices } from '../src/model/predict.ts';
import type { ConvAlgorithm } from '../src/kernels/conv_algorithm.ts';
import { withSettings, type Settings } from '../src/runtime/settings.ts';
import { Rng } from '../src/util/random.ts';
import { benchMain, type BenchArgs } from './args.ts';

export const predictAbFlags = {
  // the prediction size of the paper's model, not the training-crop default of src/cli/options.ts
  '--size': { kind: 'size', doc: 'network input WIDTHxHEIGHT', default: '512x640' },
  '--width-mult': { kind: 'number', doc: 'channel width multiplier', default: 1, min: 0.01 },
  '--runs': { kind: 'number', doc: 'timed runs per side', default: 4, min: 1, integer: true },
  '--json': { kind: 'string', doc: 'write the results here' },
} as const;
export type PredictAbOptions = BenchArgs<typeof predictAbFlags>;

export async function run(o: PredictAbOptions): Promise<void> {
  const { width, height } = o.size;
  const runs = o.runs;
  const g = await initGpu();
  const model = new UNet(makeConfig({ width, height, widthMult: o.widthMult }));
  const rng = new Rng(3);
  const slice = { image: Float32Array.from({ length: width * height }, () => rng.next()), width, height };
  const sides: [string, ConvAlgorithm | null, boolean][] = [
    ['ours', null, true],
    ['ours, no fusion', null, false],
    ['before (direct, unfused)', 'direct', false],
  ];
  const wall = sides.map(() => [] as number[]);
  const cpu = sides.map(() => [] as number[]);
  const labels: Uint8Array[] = [];
  console.error(`predict one ${width}x${height} slice; 1 warm-up + ${runs} runs per side, interleaved; ${adapterName(g.adapter)}`);
  for (let r = 0; r <= runs; r++) {
    for (let j = 0; j < sides.length; j++) {
      const i = (j + r) % sides.length;
      // 'ours' keeps the process's conv algorithm (SPINESEG_CONV or per shape)
      const scope: Partial<Settings> = { fusedEpilogues: sides[i][2], ...(sides[i][1] ? { convAlgorithm: sides[i][1] } : {}) };
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const [out] = await withSettings(scope, () => predictSlices(model, [slice], 1));
      const ms = performance.now() - t0;
      const c = process.cpuUsage(c0);
      if (r === 0) labels[i] = out;
      else {
        wall[i].push(ms);
        cpu[i].push((c.user + c.system) / 1000);
      }
      console.error(`  run ${r}${r === 0 ? ' (warm-up)' : ''} ${sides[i][0]}: ${ms.toFixed(0)} ms wall, ${((c.user + c.system) / 1000).toFixed(0)} ms CPU`);
    }
  }
  const differ = labels.map((l) => l.reduce((n, v, k) => n + (v !== labels[0][k] ? 1 : 0), 0));
  console.log(`\n| side | wall ms min | wall ms median | CPU ms median |\n|---|---|---|---|`);
  sides.forEach(([name], i) => console.log(`| ${name} | ${Math.min(...wall[i]).toFixed(0)} | ${median(wall[i]).toFixed(0)} | ${median(cpu[i]).toFixed(0)} |`));
  sides.slice(1).forEach(([name], i) => console.log(`\n${name}: label map differs from ours in ${differ[i + 1]} of ${labels[0].length} pixels (untrained model: near-ties in the logits)`));
  const json = o.json;
  if (json) writeFileSync(json, JSON.stringify({ adapter: adapterName(g.adapter), machine: machineInfo(g.adapter), date: new Date().toISOString(), size: `${width}x${height}`, runs, sides: sides.map(([name], i) => ({ name, wall: wall[i], cpu: cpu[i] })), differingPixels: Object.fromEntries(sides.map(([name], i) => [name, differ[i]])) }, null, 2) + '\n');
  model.dispose();
}

benchMain(import.meta, 'bench/predict_ab.ts', predictAbFlags, run);

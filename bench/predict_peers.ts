// Prediction of full-size slices, spineseg against onnxruntime-web on the same adapter (`spineseg bench predict`):
//   ours         predictSlices: our kernels (fused inference), softmax read back, probabilities resampled to the slice
//   ort-webgpu   the same checkpoint exported to ONNX (bench/onnx-export.ts), ONNX Runtime's WebGPU execution
//                provider over the same Dawn instance (bench/ort-baseline.ts), with --ort
//   ort-wasm     the same ONNX model on onnxruntime-web's Wasm CPU provider (threads: --ort-threads), with --ort
// Every side does the same host work around its network: the slice is fitted to the model grid (toModelInput), and
// the class probabilities are resampled back and arg-maxed (probabilitiesToSlice, argmaxProbabilities). Before any
// timing, each ONNX side's probabilities on the model grid are compared with ours on every slice of the input
// folder, and a side that differs by more than --tolerance is refused. Runs are interleaved slice by slice (the side
// order rotated every round); wall ms and process CPU ms per slice are reported.
//   npx tsx bench/predict_peers.ts [--checkpoint models/default] [--input models/default/test-subset/images]
//                                  [--rounds 2] [--ort] [--ort-threads 2] [--tolerance 1e-4] [--json FILE]
import { writeFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { median } from './stats.ts';
import { machineInfo } from './machine.ts';
import { initGpu, adapterName } from '../src/runtime/gpu.ts';
import { loadPredictor, defaultModelDir } from '../src/app/checkpoints.ts';
import { readSafetensorsFile } from '../src/model/checkpoint.ts';
import { decodeIntensityPng } from '../src/pipeline/dataset.ts';
import { predictSlices, toModelInput, probabilitiesToSlice, argmaxProbabilities, type SliceImage } from '../src/model/predict.ts';
import { ortAgreement, ortProbabilities } from './ort-check.ts';
import { exportUNetOnnx } from './onnx-export.ts';

const { values: o } = parseArgs({
  strict: true,
  options: {
    checkpoint: { type: 'string', default: defaultModelDir() },
    input: { type: 'string', default: join(defaultModelDir(), 'test-subset', 'images') },
    rounds: { type: 'string', default: '2' },
    ort: { type: 'boolean', default: false },
    'ort-threads': { type: 'string', default: '2' },
    tolerance: { type: 'string', default: '1e-4' },
    json: { type: 'string' },
  },
});
const count = (flag: string, v: string, min: number) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${flag} ${v}: must be an integer >= ${min}`);
  return n;
};
const rounds = count('rounds', o.rounds!, 1);
const threads = count('ort-threads', o['ort-threads']!, 1);
const tolerance = Number(o.tolerance);
if (!(tolerance > 0)) throw new Error(`--tolerance ${o.tolerance}: must be a number > 0`);

interface Side {
  name: string;
  /** label map of one slice at the slice's size */
  predict(s: SliceImage): Promise<Uint8Array>;
}

async function main(): Promise<void> {
  const g = await initGpu();
  const predictor = await loadPredictor([o.checkpoint!]);
  const net = predictor.nets[0]!;
  const { width: W, height: H, classes } = net.config;
  const files = readdirSync(o.input!).filter((f) => f.endsWith('.png')).sort();
  if (files.length === 0) throw new Error(`${o.input}: no .png slices`);
  const slices = files.map((f) => decodeIntensityPng(join(o.input!, f)));
  const sides: Side[] = [{ name: 'ours', predict: async (s) => (await predictSlices(net, [s], 1))[0]! }];
  const agreement: Record<string, { maxAbsProbability: number; differingPixels: number; pixels: number }> = {};
  if (o.ort) {
    const { loadOrtWebgpu } = await import('./ort-baseline.ts');
    const ort = await loadOrtWebgpu(threads);
    const weights = [...readSafetensorsFile(join(o.checkpoint!, 'model.safetensors')).values()];
    const onnx = exportUNetOnnx(net.config as Parameters<typeof exportUNetOnnx>[0], weights, 1);
    console.error(`ONNX graph: ${(onnx.length / 1e6).toFixed(1)} MB (opset 17)`);
    for (const ep of ['webgpu', 'wasm'] as const) {
      const t0 = performance.now();
      const session = await ort.InferenceSession.create(onnx, { executionProviders: [ep] });
      console.error(`ort-${ep}: session created in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      const probs = (input: Float32Array) => ortProbabilities(ort, session, input, net);
      const { maxAbsProbability: worst, differingPixels: differing, pixels } = await ortAgreement(ort, session, net, slices);
      agreement[`ort-${ep}`] = { maxAbsProbability: worst, differingPixels: differing, pixels };
      console.error(`ort-${ep} vs ours on ${slices.length} slices (model grid ${W}x${H}): max |p - p_ours| ${worst.toExponential(2)}, argmax differs in ${differing} of ${pixels} pixels`);
      if (!(worst <= tolerance)) throw new Error(`ort-${ep}: probabilities differ from ours by ${worst.toExponential(2)} > --tolerance ${tolerance}; not timing a side that computes something else`);
      sides.push({ name: `ort-${ep}`, predict: async (s) => argmaxProbabilities(probabilitiesToSlice(await probs(toModelInput(s, W, H)), classes, s, W, H), classes) });
    }
  }
  const machine = machineInfo(g.adapter);
  console.error(`predict ${slices.length} slices (${[...new Set(slices.map((s) => `${s.width}x${s.height}`))].join(', ')}) with ${relative(process.cwd(), o.checkpoint!) || '.'} (${W}x${H} x${net.config.widthMult ?? 1}); 1 warm-up + ${rounds} rounds over [${sides.map((s) => s.name).join(', ')}], interleaved slice by slice; ${adapterName(g.adapter)}; ${machine.cpu} (${machine.cores} cores)`);
  const wall = new Map(sides.map((s) => [s.name, [] as number[]]));
  const cpu = new Map(sides.map((s) => [s.name, [] as number[]]));
  for (let r = 0; r <= rounds; r++)
    for (const [k, s0] of slices.entries())
      for (let j = 0; j < sides.length; j++) {
        const side = sides[(j + r + k) % sides.length]!;
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        await side.predict(s0);
        const ms = performance.now() - t0;
        const c = process.cpuUsage(c0);
        if (r > 0) {
          wall.get(side.name)!.push(ms);
          cpu.get(side.name)!.push((c.user + c.system) / 1000);
        }
      }
  const rows = sides.map((s) => ({ side: s.name, wall_min: Math.min(...wall.get(s.name)!), wall_median: median(wall.get(s.name)!), cpu_median: median(cpu.get(s.name)!) }));
  console.log(`\n| side | wall ms min | wall ms median | CPU ms median | median wall vs ours |\n|---|---|---|---|---|`);
  for (const r of rows) console.log(`| ${r.side} | ${r.wall_min.toFixed(0)} | ${r.wall_median.toFixed(0)} | ${r.cpu_median.toFixed(0)} | ${(r.wall_median / rows[0]!.wall_median).toFixed(2)}x |`);
  if (o.json)
    writeFileSync(
      o.json,
      JSON.stringify({ kind: 'predict-peers', adapter: adapterName(g.adapter), machine, date: new Date().toISOString(), checkpoint: relative(process.cwd(), o.checkpoint!) || '.', model: `${W}x${H}`, slices: slices.length, rounds, ortThreads: threads, agreement, rows, samples: Object.fromEntries(sides.map((s) => [s.name, { wall: wall.get(s.name), cpu: cpu.get(s.name) }])) }, null, 2) + '\n',
    );
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);

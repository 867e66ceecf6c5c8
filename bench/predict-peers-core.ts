// The prediction benchmark against onnxruntime-web, shared by `spineseg bench predict` (bench/predict_peers.ts, Node
// on Dawn) and the web app's Benchmark tab (the page's navigator.gpu): no node: imports. Sides:
//   ours         predictSlices: our kernels (fused inference), softmax read back, probabilities resampled to the slice
//   ort-webgpu   the same weights exported to ONNX (bench/onnx-export.ts), ONNX Runtime's WebGPU execution provider
//   ort-wasm     the same ONNX model on onnxruntime-web's Wasm CPU provider
// Every side does the same host work around its network: the slice is fitted to the model grid (toModelInput), and
// the probabilities are resampled back and arg-maxed (probabilitiesToSlice, argmaxProbabilities). Before any timing
// each ONNX side's model-grid probabilities are compared with ours on every slice (bench/ort-check.ts), and a side
// that differs by more than the tolerance is refused. Runs are interleaved slice by slice, the side order rotated.
import { median } from './stats.ts';
import { predictSlices, toModelInput, probabilitiesToSlice, argmaxProbabilities, type SegmentationNet, type SliceImage } from '../src/model/predict.ts';
import type { UNetConfig } from '../src/model/unet.ts';
import type { NamedArray } from '../src/model/safetensors.ts';
import { exportUNetOnnx } from './onnx-export.ts';
import { ortAgreement, ortProbabilities, type OrtAgreement } from './ort-check.ts';
import type { Ort } from './ort-types.ts';

export interface PredictPeersOptions {
  net: SegmentationNet & { config: UNetConfig };
  /** the net's parameters, for the ONNX export (needed with ort) */
  weights?: NamedArray[];
  slices: SliceImage[];
  rounds: number;
  /** onnxruntime-web loaded for this host; absent: ours only */
  ort?: Ort;
  /** which of its providers to time (default both) */
  providers?: ('webgpu' | 'wasm')[];
  tolerance: number;
  /** process CPU ms so far (Node: process.cpuUsage); absent in the page */
  cpuMs?: () => number;
}

export interface PredictPeersResult {
  kind: 'predict-peers';
  model: string;
  slices: number;
  rounds: number;
  agreement: Record<string, OrtAgreement>;
  rows: { side: string; wall_min: number; wall_median: number; cpu_median: number | null }[];
  samples: Record<string, { wall: number[]; cpu: number[] | null }>;
}

interface Side {
  name: string;
  predict(s: SliceImage): Promise<Uint8Array>;
}

export async function runPredictPeers(o: PredictPeersOptions, log: (s: string) => void): Promise<PredictPeersResult> {
  const { net, slices } = o;
  const { width: W, height: H, classes } = net.config;
  if (slices.length === 0) throw new Error('bench predict: no slices');
  const sides: Side[] = [{ name: 'ours', predict: async (s) => (await predictSlices(net, [s], 1))[0]! }];
  const agreement: Record<string, OrtAgreement> = {};
  if (o.ort) {
    const ort = o.ort;
    if (!o.weights) throw new Error('bench predict: the ONNX export needs the weights');
    const onnx = exportUNetOnnx(net.config, o.weights, 1);
    log(`ONNX graph: ${(onnx.length / 1e6).toFixed(1)} MB (opset 17)`);
    for (const ep of o.providers ?? (['webgpu', 'wasm'] as const)) {
      const t0 = performance.now();
      const session = await ort.InferenceSession.create(onnx, { executionProviders: [ep] });
      log(`ort-${ep}: session created in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      const a = await ortAgreement(ort, session, net, slices);
      agreement[`ort-${ep}`] = a;
      log(`ort-${ep} vs ours on ${slices.length} slices (model grid ${W}x${H}): max |p - p_ours| ${a.maxAbsProbability.toExponential(2)}, argmax differs in ${a.differingPixels} of ${a.pixels} pixels`);
      if (!(a.maxAbsProbability <= o.tolerance)) throw new Error(`ort-${ep}: probabilities differ from ours by ${a.maxAbsProbability.toExponential(2)} > the tolerance ${o.tolerance}; not timing a side that computes something else`);
      sides.push({ name: `ort-${ep}`, predict: async (s) => argmaxProbabilities(probabilitiesToSlice(await ortProbabilities(ort, session, toModelInput(s, W, H), net), classes, s, W, H), classes) });
    }
  }
  log(`predict ${slices.length} slices (${[...new Set(slices.map((s) => `${s.width}x${s.height}`))].join(', ')}), model ${W}x${H} x${net.config.widthMult}; 1 warm-up + ${o.rounds} rounds over [${sides.map((s) => s.name).join(', ')}], interleaved slice by slice`);
  const wall = new Map(sides.map((s) => [s.name, [] as number[]]));
  const cpu = new Map(sides.map((s) => [s.name, [] as number[]]));
  for (let r = 0; r <= o.rounds; r++)
    for (const [k, s0] of slices.entries())
      for (let j = 0; j < sides.length; j++) {
        const side = sides[(j + r + k) % sides.length]!;
        const c0 = o.cpuMs?.() ?? 0;
        const t0 = performance.now();
        await side.predict(s0);
        const ms = performance.now() - t0;
        if (r > 0) {
          wall.get(side.name)!.push(ms);
          cpu.get(side.name)!.push((o.cpuMs?.() ?? 0) - c0);
        }
      }
  const rows = sides.map((s) => ({ side: s.name, wall_min: Math.min(...wall.get(s.name)!), wall_median: median(wall.get(s.name)!), cpu_median: o.cpuMs ? median(cpu.get(s.name)!) : null }));
  log(`\n| side | wall ms min | wall ms median | CPU ms median | median wall vs ours |\n|---|---|---|---|---|`);
  for (const r of rows) log(`| ${r.side} | ${r.wall_min.toFixed(0)} | ${r.wall_median.toFixed(0)} | ${r.cpu_median === null ? '-' : r.cpu_median.toFixed(0)} | ${(r.wall_median / rows[0]!.wall_median).toFixed(2)}x |`);
  return { kind: 'predict-peers', model: `${W}x${H}`, slices: slices.length, rounds: o.rounds, agreement, rows, samples: Object.fromEntries(sides.map((s) => [s.name, { wall: wall.get(s.name)!, cpu: o.cpuMs ? cpu.get(s.name)! : null }])) };
}

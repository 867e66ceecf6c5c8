// `spineseg bench predict`: full-size slices with a checkpoint, ours against onnxruntime-web on the same adapter
// (bench/predict-peers-core.ts: ours, ort-webgpu over this process's Dawn instance via bench/ort-baseline.ts, and
// ort-wasm with --ort-threads threads), checked against our probabilities first, interleaved slice by slice; wall
// ms and process CPU ms per slice. This file reads the slices and the checkpoint and writes the JSON.
//   npx tsx bench/predict_peers.ts [--checkpoint models/default] [--input models/default/test-subset/images]
//                                  [--rounds 2] [--ort] [--ort-threads 1] [--tolerance 1e-4] [--json FILE]
import { writeFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { parseNumber } from '../src/cli/options.ts';
import { machineInfo } from './machine.ts';
import { describeCpu } from './schema.ts';
import { initGpu, adapterName } from '../src/runtime/gpu.ts';
import { loadPredictor, defaultModelDir } from '../src/app/checkpoints.ts';
import { readSafetensorsFile } from '../src/model/checkpoint.ts';
import { decodeIntensityPng } from '../src/pipeline/dataset.ts';
import type { UNet } from '../src/model/unet.ts';
import { runPredictPeers } from './predict-peers-core.ts';

const { values: o } = parseArgs({
  strict: true,
  options: {
    checkpoint: { type: 'string', default: defaultModelDir() },
    input: { type: 'string', default: join(defaultModelDir(), 'test-subset', 'images') },
    rounds: { type: 'string', default: '2' },
    ort: { type: 'boolean', default: false },
    // one: in Node, onnxruntime-web's threaded Wasm fetches its worker script by URL, which fails ('fetch failed')
    'ort-threads': { type: 'string', default: '1' },
    tolerance: { type: 'string', default: '1e-4' },
    json: { type: 'string' },
  },
});
const rounds = parseNumber(o.rounds!, '--rounds', { min: 1, integer: true });
const threads = parseNumber(o['ort-threads']!, '--ort-threads', { min: 1, integer: true });
const tolerance = Number(o.tolerance);
if (!(tolerance > 0)) throw new Error(`--tolerance ${o.tolerance}: must be a number > 0`);

async function main(): Promise<void> {
  const g = await initGpu();
  const predictor = await loadPredictor([o.checkpoint!]);
  const net = predictor.nets[0] as UNet;
  const files = readdirSync(o.input!).filter((f) => f.endsWith('.png')).sort();
  if (files.length === 0) throw new Error(`${o.input}: no .png slices`);
  const slices = files.map((f) => decodeIntensityPng(join(o.input!, f)));
  const machine = machineInfo(g.adapter);
  console.error(`${relative(process.cwd(), o.checkpoint!) || '.'} on ${adapterName(g.adapter)}; ${describeCpu(machine)}`);
  const ort = o.ort ? await (await import('./ort-baseline.ts')).loadOrtWebgpu(threads) : undefined;
  const r = await runPredictPeers(
    {
      net,
      // one network on both sides: a folder of folds gives its first member
      weights: ort ? [...readSafetensorsFile(join(dirname(predictor.files[0]!), 'model.safetensors')).values()] : undefined,
      slices,
      rounds,
      ort,
      tolerance,
      cpuMs: () => {
        const c = process.cpuUsage();
        return (c.user + c.system) / 1000;
      },
    },
    (line) => console.error(line),
  ).catch((e: Error) => {
    if (threads > 1 && /fetch failed/.test(e.message)) throw new Error(`--ort-threads ${threads}: onnxruntime-web's threaded Wasm cannot start in Node (it fetches its worker script by URL: ${e.message}); use --ort-threads 1`);
    throw e;
  });
  if (o.json) writeFileSync(o.json, JSON.stringify({ ...r, adapter: adapterName(g.adapter), machine, date: new Date().toISOString(), checkpoint: relative(process.cwd(), o.checkpoint!) || '.', ortThreads: threads }, null, 2) + '\n');
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);

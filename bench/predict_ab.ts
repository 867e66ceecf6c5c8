// Prediction of one slice at the model's full size (default 512x640, full width), spineseg's default conv
// choices against every conv on the direct kernels, interleaved run by run (ABAB, order alternating);
// wall ms min / median and process CPU ms median per side.
//   npx tsx bench/predict_ab.ts [--size 512x640] [--width-mult 1] [--runs 4] [--json FILE]
import { writeFileSync } from 'node:fs';
import { median } from './stats.ts';
import { initGpu, adapterName } from '../src/runtime/gpu.ts';
import { UNet, makeConfig } from '../src/model/unet.ts';
import { predictSlices } from '../src/model/predict.ts';
import { setConvAlgorithm, type ConvAlgorithm } from '../src/kernels/conv_algorithm.ts';
import { Rng } from '../src/util/random.ts';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const [width, height] = arg('--size', '512x640').split('x').map(Number);
const runs = Number(arg('--runs', '4'));

async function main(): Promise<void> {
  const g = await initGpu();
  const model = new UNet(makeConfig({ width, height, widthMult: Number(arg('--width-mult', '1')) }));
  const rng = new Rng(3);
  const slice = { image: Float32Array.from({ length: width * height }, () => rng.next()), width, height };
  const sides: [string, ConvAlgorithm | null][] = [['ours (default choices)', null], ['ours, all direct', 'direct']];
  const wall = sides.map(() => [] as number[]);
  const cpu = sides.map(() => [] as number[]);
  const labels: Uint8Array[] = [];
  console.error(`predict one ${width}x${height} slice; 1 warm-up + ${runs} runs per side, interleaved; ${adapterName(g.adapter)}`);
  for (let r = 0; r <= runs; r++) {
    for (let j = 0; j < sides.length; j++) {
      const i = (j + r) % sides.length;
      setConvAlgorithm(sides[i][1]);
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const [out] = await predictSlices(model, [slice], 1);
      const ms = performance.now() - t0;
      const c = process.cpuUsage(c0);
      setConvAlgorithm(null);
      if (r === 0) labels[i] = out;
      else {
        wall[i].push(ms);
        cpu[i].push((c.user + c.system) / 1000);
      }
      console.error(`  run ${r}${r === 0 ? ' (warm-up)' : ''} ${sides[i][0]}: ${ms.toFixed(0)} ms wall, ${((c.user + c.system) / 1000).toFixed(0)} ms CPU`);
    }
  }
  let differ = 0;
  for (let k = 0; k < labels[0].length; k++) if (labels[0][k] !== labels[1][k]) differ++;
  console.log(`\n| side | wall ms min | wall ms median | CPU ms median |\n|---|---|---|---|`);
  sides.forEach(([name], i) => console.log(`| ${name} | ${Math.min(...wall[i]).toFixed(0)} | ${median(wall[i]).toFixed(0)} | ${median(cpu[i]).toFixed(0)} |`));
  console.log(`\nlabel maps differ in ${differ} of ${labels[0].length} pixels (untrained model: near-ties in the logits)`);
  const json = arg('--json', '');
  if (json) writeFileSync(json, JSON.stringify({ adapter: adapterName(g.adapter), date: new Date().toISOString(), size: `${width}x${height}`, runs, sides: sides.map(([name], i) => ({ name, wall: wall[i], cpu: cpu[i] })), differingPixels: differ }, null, 2) + '\n');
  model.dispose();
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);

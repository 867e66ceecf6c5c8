// The level figures of models/default/MODEL.md: the shipped model predicts the committed test subset
// (models/default/test-subset, 8 slices at 512x640) as `spineseg predict` does, the truth masks and the predictions
// are numbered by the same labelling (src/app/levels.ts), and the k-th disc and vertebra from the bottom of each are
// compared; heights and canal diameters (src/app/measurements.ts) are compared level by level, in pixels (the PNG
// export has no spacing). Run: npx tsx scripts/levels-real-masks.ts   (prints a markdown section)
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeGreyPng } from '../src/pipeline/dataset.ts';
import { mapGreyLevels } from '../src/pipeline/labels.ts';
import { levelShortName } from '../src/pipeline/level-codes.ts';
import { labelLevels, type LabelGrid } from '../src/app/levels.ts';
import { measureLevels } from '../src/app/measurements.ts';
import { compareLevels, median } from '../src/app/levels-compare.ts';
import { loadPredictor, checkpointDirsOrDefault } from '../src/app/checkpoints.ts';
import { listInputs, predictFiles } from '../src/app/predict-files.ts';
import { loadNodeTuning } from '../src/app/tune-store-node.ts';

const subset = 'models/default/test-subset';
await loadNodeTuning();
const predictor = await loadPredictor(checkpointDirsOrDefault(undefined));
const out = mkdtempSync(join(tmpdir(), 'spineseg-levels-real-'));
const t0 = performance.now();
await predictFiles(predictor.nets, listInputs(join(subset, 'images')), { output: out, overlay: false, batchSize: 1, postprocess: predictor.postprocess, tta: predictor.tta });
const seconds = (performance.now() - t0) / 1000;

const grid = (file: string): LabelGrid => {
  const png = decodeGreyPng(file);
  return { labels: mapGreyLevels(png.data, file), dims: [1, png.height, png.width], spacing: [1, 1, 1], unit: 'px' };
};
/** per k-th from the bottom (1 = L5/S1 or L5): pairs compared, pairs that overlap, pairs with Dice >= 0.5 */
const tally = { disc: new Map<number, number[]>(), vertebra: new Map<number, number[]>() };
const discHeight: number[] = [];
const canal: number[] = [];
for (const f of readdirSync(join(subset, 'masks')).sort()) {
  const tg = grid(join(subset, 'masks', f));
  const pg = grid(join(out, f));
  const tl = labelLevels(tg);
  const pl = labelLevels(pg);
  for (const c of compareLevels(tl, measureLevels(tg, tl), pl, measureLevels(pg, pl))) {
    const t = tally[c.kind].get(c.k) ?? [0, 0, 0];
    t[0]!++;
    if (c.overlaps) t[1]!++;
    if (c.dice >= 0.5) t[2]!++;
    tally[c.kind].set(c.k, t);
    discHeight.push(...c.heightDifferences);
    if (c.canalDifference !== null) canal.push(c.canalDifference);
  }
}
rmSync(out, { recursive: true, force: true });
const lines = [
  `Predicted in ${seconds.toFixed(1)} s (8 slices, ${predictor.nets.length === 1 ? 'one network' : `${predictor.nets.length} networks averaged`}, TTA ${predictor.tta}, post-processed), numbered by \`labelLevels\` on the truth and on the prediction alike.`,
  '',
  '| k-th from the bottom | disc (truth) | overlaps the k-th disc of the prediction | Dice >= 0.5 | vertebra (truth) | overlaps the k-th vertebra | Dice >= 0.5 |',
  '|---|---|---|---|---|---|---|',
];
const all = { disc: [0, 0, 0], vertebra: [0, 0, 0] };
const ks = [...new Set([...tally.disc.keys(), ...tally.vertebra.keys()])].sort((a, b) => a - b);
for (const k of ks) {
  const d = tally.disc.get(k) ?? [0, 0, 0];
  const v = tally.vertebra.get(k) ?? [0, 0, 0];
  d.forEach((x, i) => (all.disc[i]! += x));
  v.forEach((x, i) => (all.vertebra[i]! += x));
  lines.push(`| ${k} | ${d[0] ? `${levelShortName(200 + k)} (${d[0]} slices)` : '–'} | ${d[0] ? `${d[1]}/${d[0]}` : '–'} | ${d[0] ? `${d[2]}/${d[0]}` : '–'} | ${v[0] ? `${levelShortName(k)} (${v[0]})` : '–'} | ${v[0] ? `${v[1]}/${v[0]}` : '–'} | ${v[0] ? `${v[2]}/${v[0]}` : '–'} |`);
}
const pct = (a: number, b: number) => `${a}/${b} (${((100 * a) / b).toFixed(0)} %)`;
lines.push(`| all | | ${pct(all.disc[1]!, all.disc[0]!)} | ${pct(all.disc[2]!, all.disc[0]!)} | | ${pct(all.vertebra[1]!, all.vertebra[0]!)} | ${pct(all.vertebra[2]!, all.vertebra[0]!)} |`);
lines.push('');
lines.push(`Median absolute difference, prediction against truth at the same level: disc height ${median(discHeight).toFixed(2)} px (anterior, middle and posterior heights of ${discHeight.length / 3} disc levels), canal diameter ${median(canal).toFixed(2)} px (${canal.length} disc and vertebral levels).`);
console.log(lines.join('\n'));

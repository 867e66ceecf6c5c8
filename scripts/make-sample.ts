// Builds data/sample/: 16 patients x 6 evenly spaced slices of the shared SPIDER T2-SPACE PNG set at 128 x 160.
// Usage: npx tsx scripts/make-sample.ts [sourceDir] [outDir]
import fs from 'node:fs';
import path from 'node:path';
import { encode } from 'fast-png';
import { setting } from '../src/runtime/settings.ts';
import { defaultDataRoot, listSlicePairs, loadSlicePair, parseSliceName, sampleDataRoot } from '../src/pipeline/dataset.ts';
import { classesToGreyLevels } from '../src/pipeline/labels.ts';

const PATIENTS = 16;
const SLICES_PER_PATIENT = 6;
const WIDTH = 128;
const HEIGHT = 160;

const source = process.argv[2] ?? defaultDataRoot(undefined, setting('dataRoot'));
const out = process.argv[3] ?? sampleDataRoot();
const pairs = listSlicePairs(source);
const byPatient = new Map<string, typeof pairs>();
for (const p of pairs) {
  const id = parseSliceName(p.imageFile).patient;
  byPatient.set(id, [...(byPatient.get(id) ?? []), p]);
}
const ids = [...byPatient.keys()].sort((a, b) => Number(a) - Number(b) || a.localeCompare(b));
// evenly spaced patients and slices, so the sample spans the set rather than its first files
const chosenIds = Array.from({ length: Math.min(PATIENTS, ids.length) }, (_, i) => ids[Math.floor(((i + 0.5) * ids.length) / PATIENTS)]!);
for (const d of ['images', 'masks']) fs.mkdirSync(path.join(out, d), { recursive: true });
let written = 0;
for (const id of chosenIds) {
  const list = byPatient.get(id)!.sort((a, b) => parseSliceName(a.imageFile).slice - parseSliceName(b.imageFile).slice);
  const picks = Array.from({ length: Math.min(SLICES_PER_PATIENT, list.length) }, (_, i) => list[Math.floor(((i + 0.5) * list.length) / SLICES_PER_PATIENT)]!);
  for (const pair of picks) {
    const s = loadSlicePair(source, pair, { width: WIDTH, height: HEIGHT });
    const image = new Uint8Array(s.image.length);
    for (let i = 0; i < image.length; i++) image[i] = Math.round(255 * s.image[i]!);
    fs.writeFileSync(path.join(out, 'images', pair.name), encode({ width: WIDTH, height: HEIGHT, data: image, channels: 1, depth: 8 }));
    fs.writeFileSync(path.join(out, 'masks', pair.name), encode({ width: WIDTH, height: HEIGHT, data: classesToGreyLevels(s.labels), channels: 1, depth: 8 }));
    written++;
  }
}
console.log(`wrote ${written} slice pairs of patients ${chosenIds.join(', ')} to ${out}`);

// A small cohort for the cohort tests and scripts/slurm-local.sh: 12 studies in one folder. Six phantom
// volumes (.mha files, each a study), five folders of two real sample slices each, and `broken`, a folder
// whose only slice is a truncated PNG (a bad file: that study must fail, the others must not).
import fs from 'node:fs';
import path from 'node:path';
import { writePhantomDataset } from '../../src/pipeline/phantom.ts';
import { sampleDataRoot } from '../../src/pipeline/dataset.ts';

export const SAMPLE_PATIENTS = ['118', '136', '161', '209', '98'];

/** Writes the cohort into `dir` (created; must not exist) and returns its study ids, sorted. */
export async function writeTestCohort(dir: string): Promise<string[]> {
  fs.mkdirSync(dir, { recursive: true });
  const phantoms = path.join(dir, '.phantoms');
  await writePhantomDataset(phantoms, { cases: 6, seed: 5, sizeLrApSi: [6, 32, 40] });
  for (const f of fs.readdirSync(path.join(phantoms, 'images'))) fs.renameSync(path.join(phantoms, 'images', f), path.join(dir, f));
  fs.rmSync(phantoms, { recursive: true, force: true });
  const images = path.join(sampleDataRoot(), 'images');
  const all = fs.readdirSync(images).sort();
  for (const p of SAMPLE_PATIENTS) {
    fs.mkdirSync(path.join(dir, `p${p}`));
    for (const f of all.filter((f) => f.startsWith(`${p}_`)).slice(0, 2)) fs.copyFileSync(path.join(images, f), path.join(dir, `p${p}`, f));
  }
  fs.mkdirSync(path.join(dir, 'broken'));
  fs.writeFileSync(path.join(dir, 'broken', 'slice.png'), fs.readFileSync(path.join(images, all[0]!)).subarray(0, 200));
  return fs.readdirSync(dir).map((f) => f.replace(/\.mha$/, '')).sort();
}

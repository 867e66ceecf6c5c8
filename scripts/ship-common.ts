// What scripts/ship-model.ts (one checkpoint) and scripts/ship-ensemble.ts (a folder of cross-validation folds)
// share: the SPIDER credit, machine-free paths, the test subset and the swap of the staged folder into place.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { listSlicePairs, parseSliceName, REPO_ROOT } from '../src/pipeline/dataset.ts';

export interface ShipArgs {
  run: string;
  data: string;
  out: string;
  subsetSize: number;
  log: string | undefined;
}

/** The ship scripts' flags: --run (required), --data, --out, --subset, --log; a usage line and exit 2 without --run. */
export function shipArgs(script: string, runExample: string): ShipArgs {
  const { values: args } = parseArgs({
    options: {
      run: { type: 'string' },
      data: { type: 'string', default: path.resolve(REPO_ROOT, '../shared/data/spider-t2space-png') },
      out: { type: 'string', default: path.join(REPO_ROOT, 'models/default') },
      subset: { type: 'string', default: '8' },
      log: { type: 'string' },
    },
  });
  if (!args.run) {
    console.error(`usage: npx tsx scripts/${script} --run ${runExample} [--data DIR] [--out models/default] [--subset 8] [--log FILE]`);
    process.exit(2);
  }
  const subsetSize = Number(args.subset);
  if (!Number.isInteger(subsetSize) || subsetSize < 1) throw new Error(`--subset '${args.subset}' must be a positive integer`);
  return { run: path.resolve(args.run), data: path.resolve(args.data!), out: path.resolve(args.out!), subsetSize, log: args.log };
}

/** A path relative to the repository, so shipped files name no folder of the machine that trained them. */
export const portable = (p: string): string => path.relative(REPO_ROOT, path.resolve(p)) || '.';

/** A log's text with the run and data folders made relative to the repository. */
export function withoutMachinePaths(text: string, run: string, data: string): string {
  return text.replaceAll(path.resolve(run), portable(run)).replaceAll(path.resolve(data), portable(data));
}

/** The config's training `out` and `data` made relative (the file is rewritten in place). */
export function portableConfig(file: string): void {
  const c = JSON.parse(fs.readFileSync(file, 'utf8')) as { training?: Record<string, unknown> };
  for (const k of ['out', 'data'] as const) if (typeof c.training?.[k] === 'string') c.training[k] = portable(c.training[k] as string);
  fs.writeFileSync(file, JSON.stringify(c, null, 2));
}

/** The data paragraph of MODEL.md: SPIDER, its licence and the size of the folder trained on. */
export function spiderCredit(data: string): string {
  const pairs = listSlicePairs(data);
  return `Trained on the T2-SPACE PNG export of **SPIDER** (\`${path.relative(REPO_ROOT, data) || data}\`, ${pairs.length} slices of ${new Set(pairs.map((p) => parseSliceName(p.imageFile).patient)).size} patients) — J. W. van der Graaf et al., *Lumbar spine segmentation in MR images: a dataset and a public benchmark*, Scientific Data 11, 264 (2024), Zenodo record 10159290 (https://doi.org/10.5281/zenodo.10159290), licensed **CC BY 4.0**. The slices in \`test-subset/\` are SPIDER images and masks, redistributed under the same licence.`;
}

/**
 * Copies `size` full-resolution slices of the test patients, spread evenly over each patient's slices, to
 * stage/test-subset/{images,masks}; returns their names and bytes. With `changedByPostprocess` (image file names),
 * at least one of them is in the subset when any is.
 */
export function copyTestSubset(data: string, testPatients: readonly string[], size: number, stage: string, changedByPostprocess?: ReadonlySet<string>): { names: string[]; bytes: number; patients: string[] } {
  const pairs = listSlicePairs(data).filter((p) => testPatients.includes(parseSliceName(p.imageFile).patient));
  const byPatient = testPatients.map((id) => pairs.filter((p) => parseSliceName(p.imageFile).patient === id).sort((a, b) => parseSliceName(a.imageFile).slice - parseSliceName(b.imageFile).slice));
  const picked: typeof pairs = [];
  byPatient.forEach((list, k) => {
    const n = Math.floor(size / byPatient.length) + (k < size % byPatient.length ? 1 : 0);
    for (let i = 0; i < n && list.length; i++) picked.push(list[Math.floor(((i + 1) * list.length) / (n + 1))]!);
  });
  // at least one slice the post-processing changes, so that a test can tell it on from off: the nearest such slice
  // of a picked slice's patient takes that slice's place
  if (changedByPostprocess && changedByPostprocess.size > 0 && !picked.some((p) => changedByPostprocess.has(path.basename(p.imageFile)))) {
    const sliceOf = (p: (typeof pairs)[number]) => parseSliceName(p.imageFile);
    let best: { at: number; with: (typeof pairs)[number]; gap: number } | null = null;
    for (const [at, p] of picked.entries()) {
      for (const q of pairs.filter((q) => changedByPostprocess.has(path.basename(q.imageFile)) && sliceOf(q).patient === sliceOf(p).patient && !picked.includes(q))) {
        const gap = Math.abs(sliceOf(q).slice - sliceOf(p).slice);
        if (!best || gap < best.gap) best = { at, with: q, gap };
      }
    }
    if (best) picked[best.at] = best.with;
  }
  for (const dir of ['images', 'masks']) fs.mkdirSync(path.join(stage, 'test-subset', dir), { recursive: true });
  for (const p of picked) {
    for (const [from, dir] of [[p.imageFile, 'images'], [p.maskFile, 'masks']] as const) {
      const to = path.join(stage, 'test-subset', dir, p.name);
      fs.copyFileSync(from, to);
      fs.chmodSync(to, 0o644); // the source may be read-only
    }
  }
  return {
    names: picked.map((p) => p.name.replace(/\.png$/, '')),
    bytes: picked.reduce((a, p) => a + fs.statSync(p.imageFile).size + fs.statSync(p.maskFile).size, 0),
    patients: [...new Set(picked.map((p) => parseSliceName(p.imageFile).patient))],
  };
}

/** Swaps the staged folder in for `out`, whole: a failure before this leaves the previous model. */
export function swapIn(stage: string, out: string): void {
  const prev = `${out}.prev`;
  fs.rmSync(prev, { recursive: true, force: true });
  if (fs.existsSync(out)) fs.renameSync(out, prev);
  fs.renameSync(stage, out);
  fs.rmSync(prev, { recursive: true, force: true });
}

/** "vertebrae 0.9120 (0.8 points short of 0.92)" per foreground class. */
export function goalLine(rows: ReadonlyArray<{ label: string; dice: number | null }>): string {
  const f4 = (v: number | null) => (v === null ? 'n/a' : v.toFixed(4));
  return rows
    .slice(0, 3)
    .map((r) => `${r.label} ${f4(r.dice)} (${r.dice !== null && r.dice >= 0.92 ? 'meets 0.92' : `${((0.92 - (r.dice ?? 0)) * 100).toFixed(1)} points short of 0.92`})`)
    .join('; ');
}

// Level labelling and measurements (src/app/levels.ts, src/app/measurements.ts): the level phantoms' 3-class truth
// gives back their exact SPIDER codes in 3-D and 2-D, the measurements agree with the analytic values within one
// voxel, split discs and strays are handled, bad maps give empty levels with a flag or one clear error, and the
// committed real masks number as a consistent chain from L5/S1 up.
import { describe, it, expect } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { generateLevelPhantom, LEVEL_PHANTOM_NAMES, LEVEL_PHANTOM_SPACING, type LevelPhantom } from '../src/pipeline/phantom-levels.ts';
import { mapSpiderLabels, mapGreyLevels, spiderLabelClass } from '../src/pipeline/labels.ts';
import { reorientToSagittal } from '../src/pipeline/orientation.ts';
import { decodeGreyPng } from '../src/pipeline/dataset.ts';
import { LEVEL_CODES, levelName, levelShortName } from '../src/pipeline/level-codes.ts';
import { labelLevels, sagittalLabelGrid, type LabelGrid } from '../src/app/levels.ts';
import { measureLevels, type LevelMeasurement } from '../src/app/measurements.ts';

const [THICK, AP, SI] = LEVEL_PHANTOM_SPACING;
/** one voxel: the larger in-plane side (lengths run in any in-plane direction) */
const VOXEL = Math.max(AP, SI);

function sagittalCase(p: LevelPhantom) {
  const { volume } = reorientToSagittal(p.mask);
  return { truth: Uint8Array.from(volume.data as ArrayLike<number>), grid: sagittalLabelGrid(mapSpiderLabels(volume.data, p.name), volume) };
}

function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): string {
  let n = 0;
  let first = -1;
  for (let i = 0; i < a.length; i++)
    if (a[i] !== b[i]) {
      n++;
      if (first < 0) first = i;
    }
  return n ? `${n} voxels differ, first at ${first}: got ${a[first]}, want ${b[first]}` : 'same';
}

function expectMeasurementsClose(p: LevelPhantom, got: LevelMeasurement[], volumetric: boolean): void {
  for (const t of p.levels) {
    const m = got.find((l) => l.code === t.code);
    expect(m, `${p.name}: level ${t.code} measured`).toBeDefined();
    const where = `${p.name} ${t.name}`;
    if (t.heights) {
      for (const k of ['anterior', 'middle', 'posterior'] as const) expect(Math.abs(m!.heights![k] - t.heights[k]), `${where} ${k} height ${m!.heights![k]} vs ${t.heights[k]}`).toBeLessThanOrEqual(VOXEL);
      expect(Math.abs(m!.depth! - t.depth!), `${where} depth ${m!.depth} vs ${t.depth}`).toBeLessThanOrEqual(VOXEL);
      // an area is right within a one-voxel band around half its outline
      const band = ((2 * (t.depth! + t.heights.middle)) / 2) * VOXEL;
      expect(Math.abs(m!.midSagittalArea - t.midSagittalArea!), `${where} mid-sagittal area ${m!.midSagittalArea} vs ${t.midSagittalArea}`).toBeLessThanOrEqual(band);
      if (volumetric) expect(Math.abs(m!.volume! / t.volume! - 1), `${where} volume ${m!.volume} vs ${t.volume}`).toBeLessThan(0.05);
    } else expect(m!.heights, `${where}: cut by the field of view, no heights`).toBeNull();
    expect(Math.abs(m!.canalDiameter! - t.canalDiameter), `${where} canal diameter ${m!.canalDiameter} vs ${t.canalDiameter}`).toBeLessThanOrEqual(VOXEL);
    expect(Math.abs(m!.canalWidth! - t.canalWidth), `${where} canal width ${m!.canalWidth} vs ${t.canalWidth}`).toBeLessThanOrEqual(VOXEL);
    if (volumetric) expect(Math.abs(m!.canalLateralWidth! - t.canalLateralWidth), `${where} canal lateral width`).toBeLessThanOrEqual(THICK);
  }
}

describe('level codes', () => {
  it('names every SPIDER code as a spine report and a DICOM SEG segment would', () => {
    expect(LEVEL_CODES).toHaveLength(76);
    expect([1, 5, 6, 202, 201, 206, 100, 106].map(levelName)).toEqual(['L5 vertebra', 'L1 vertebra', 'T12 vertebra', 'L4/L5 intervertebral disc', 'L5/S1 intervertebral disc', 'T12/L1 intervertebral disc', 'spinal canal', 'T12 vertebra (partly visible)']);
    expect(LEVEL_CODES.every((e) => spiderLabelClass(e.code) === e.semanticClass)).toBe(true);
    expect(() => levelShortName(150)).toThrow('label code 150 is not a SPIDER level code');
  });
});

describe('level phantoms (3-D)', () => {
  for (const name of LEVEL_PHANTOM_NAMES) {
    it(`${name}: exact codes, flags and measurements within one voxel`, () => {
      const p = generateLevelPhantom(name);
      const { truth, grid } = sagittalCase(p);
      const lab = labelLevels(grid);
      expect(firstDifference(lab.codes, truth)).toBe('same');
      expect(lab.flags.map((f) => f.kind).sort()).toEqual([...p.expectedFlags].sort());
      expect(lab.vertebraCount).toBe(p.vertebraCount);
      expect(lab.levels.filter((l) => l.kind !== 'canal').map((l) => l.code)).toEqual(p.levels.map((l) => l.code));
      expectMeasurementsClose(p, measureLevels(grid, lab).levels, true);
    });
  }
  it('the oblique phantom is tilted in its image rows, so a row-wise height would be wrong', () => {
    const p = generateLevelPhantom('oblique');
    const { grid } = sagittalCase(p);
    const lab = labelLevels(grid);
    const normal = lab.discPlanes[2]!.normal;
    expect(Math.abs(Math.atan2(normal[1], -normal[0]) * (180 / Math.PI))).toBeGreaterThan(10);
  });
});

describe('level phantoms (2-D, the mid-sagittal slice)', () => {
  for (const name of ['lordotic', 'oblique', 'cut-top'] as const) {
    it(`${name}: exact codes and measurements within one voxel on one slice`, () => {
      const p = generateLevelPhantom(name);
      const { truth, grid } = sagittalCase(p);
      const [D, H, W] = grid.dims;
      const mid = (D - 1) / 2;
      const slice: LabelGrid = { labels: grid.labels.slice(mid * H * W, (mid + 1) * H * W), dims: [1, H, W], spacing: grid.spacing, unit: 'mm' };
      const lab = labelLevels(slice);
      expect(firstDifference(lab.codes, truth.subarray(mid * H * W, (mid + 1) * H * W))).toBe('same');
      expectMeasurementsClose(p, measureLevels(slice, lab).levels, false);
    });
  }
});

/** The straight phantom's mid-sagittal slice as a 2-D grid. */
function straightSlice(): { grid: LabelGrid; truth: Uint8Array } {
  const { truth, grid } = sagittalCase(generateLevelPhantom('straight'));
  const [D, H, W] = grid.dims;
  const mid = (D - 1) / 2;
  return { grid: { labels: grid.labels.slice(mid * H * W, (mid + 1) * H * W), dims: [1, H, W], spacing: grid.spacing, unit: 'mm' }, truth: truth.slice(mid * H * W, (mid + 1) * H * W) };
}

describe('level labelling: split components, strays, missing discs', () => {
  it('a disc cut in two keeps one code; a stray blob off the chain is dropped and counted', () => {
    const { grid, truth } = straightSlice();
    const [, H, W] = grid.dims;
    const labels = grid.labels;
    // cut L3/L4 (203) by a background column through its middle
    const cols = new Set<number>();
    for (let i = 0; i < truth.length; i++) if (truth[i] === 203) cols.add(i % W);
    const mid = Math.round([...cols].reduce((a, b) => a + b, 0) / cols.size);
    for (let y = 0; y < H; y++) for (const x of [mid - 1, mid, mid + 1]) if (truth[y * W + x] === 203) labels[y * W + x] = 0;
    // a 3x3 vertebra blob in front of the spine
    for (let y = 20; y < 23; y++) for (let x = 2; x < 5; x++) labels[y * W + x] = 1;
    const lab = labelLevels(grid);
    expect(lab.dropped).toEqual({ components: 1, voxels: 9 });
    expect(lab.flags.map((f) => f.kind)).toEqual(['strays']);
    for (let i = 0; i < labels.length; i++) if (labels[i] === 3) expect(lab.codes[i], `disc pixel ${i}`).toBe(truth[i]);
    expect(lab.levels.filter((l) => l.kind === 'disc')).toHaveLength(7);
  });

  it('a disc painted as vertebra is flagged as missing between two vertebrae', () => {
    const { grid, truth } = straightSlice();
    for (let i = 0; i < truth.length; i++) if (truth[i] === 203) grid.labels[i] = 1;
    const lab = labelLevels(grid);
    expect(lab.flags.map((f) => f.kind)).toContain('missing-disc');
    expect(lab.levels.filter((l) => l.kind === 'disc')).toHaveLength(6);
  });
});

describe('level labelling: bad label maps', () => {
  const H = 40;
  const W = 30;
  const grid = (paint: (y: number, x: number) => number): LabelGrid => {
    const labels = new Uint8Array(H * W);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) labels[y * W + x] = paint(y, x);
    return { labels, dims: [1, H, W], spacing: [1, 1, 1], unit: 'px' };
  };
  it('an empty prediction gives empty levels and the flag empty', () => {
    const lab = labelLevels(grid(() => 0));
    expect(lab.levels).toEqual([]);
    expect(lab.flags.map((f) => f.kind)).toEqual(['empty']);
    expect(measureLevels(grid(() => 0), lab).levels).toEqual([]);
  });
  it('only a canal: the canal (100) and the flag no-discs', () => {
    const g = grid((_, x) => (x >= 20 && x < 25 ? 2 : 0));
    const lab = labelLevels(g);
    expect(lab.levels.map((l) => l.code)).toEqual([100]);
    expect(lab.flags.map((f) => f.kind)).toEqual(['no-discs']);
    expect(new Set(lab.codes)).toEqual(new Set([0, 100]));
  });
  it('a single disc is L5/S1 with the vertebra above it L5, and an unusual count', () => {
    const g = grid((y, x) => (x < 5 || x >= 15 ? 0 : y >= 20 && y < 24 ? 3 : y >= 5 && y < 20 ? 1 : 0));
    const lab = labelLevels(g);
    expect(lab.levels.map((l) => l.code)).toEqual([201, 1]);
    expect(lab.flags.map((f) => f.kind)).toEqual(['unusual-count']);
    const m = measureLevels(g, lab);
    expect(m.anterior).toBe('assumed-left');
    const disc = m.levels.find((l) => l.code === 201)!;
    for (const h of Object.values(disc.heights!)) expect(h).toBeCloseTo(4, 2);
    expect(disc.depth).toBeCloseTo(10, 2);
  });
  it('classes out of range: one error naming the value and where it is', () => {
    const g = grid((y, x) => (y === 3 && x === 7 ? 201 : 0));
    expect(() => labelLevels(g)).toThrow('label map: value 201 at slice 0, row 3, column 7 is not a class 0-3');
  });
});

describe('real masks (the committed test subset)', () => {
  const dir = 'models/default/test-subset/masks';
  for (const file of readdirSync(dir).sort()) {
    it(`${file}: discs and vertebrae alternate from L5/S1 up, ordered caudal to cranial`, () => {
      const png = decodeGreyPng(join(dir, file));
      const lab = labelLevels({ labels: mapGreyLevels(png.data, file), dims: [1, png.height, png.width], spacing: [1, 1, 1], unit: 'px' });
      const chain = lab.levels.filter((l) => l.kind !== 'canal');
      // every slice of the export shows L5/S1 up to at least T12/L1
      expect(chain.length).toBeGreaterThanOrEqual(12);
      chain.forEach((l, k) => {
        const n = Math.floor(k / 2) + 1;
        expect(l.code, `${file} level ${k}`).toBe(k % 2 === 0 ? 200 + n : l.complete ? n : 100 + n);
        if (k > 0) expect(l.centroidIndex[1], `${file}: ${l.shortName} above ${chain[k - 1]!.shortName}`).toBeLessThan(chain[k - 1]!.centroidIndex[1]);
      });
      expect(lab.flags.map((f) => f.kind)).not.toContain('missing-disc');
      // the canal lies behind the bodies on one side for the whole slice
      const m = measureLevels({ labels: mapGreyLevels(png.data, file), dims: [1, png.height, png.width], spacing: [1, 1, 1], unit: 'px' }, lab);
      expect(m.anterior).not.toBe('assumed-left');
      for (const l of m.levels.filter((x) => x.heights)) expect(l.heights!.middle, `${file} ${l.shortName} middle height`).toBeGreaterThan(0);
      for (const l of m.levels.filter((x) => x.kind === 'disc' && x.heights)) expect(l.heights!.middle, `${file} ${l.shortName} thinner than deep`).toBeLessThan(l.depth!);
    });
  }
});

describe('predict --levels writes the level files', () => {
  it('a PNG slice and an oblique volume: code maps in the input geometry, levels.json/.csv, a levels overlay', async () => {
    const { mkdtempSync, rmSync, existsSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { writeImage, readImage } = await import('../src/pipeline/io.ts');
    const { UNet, makeConfig } = await import('../src/model/unet.ts');
    const { predictFiles } = await import('../src/app/predict-files.ts');
    const dir = mkdtempSync(join(tmpdir(), 'spineseg-levels-'));
    try {
      const volume = join(dir, 'oblique.mha');
      const phantom = generateLevelPhantom('oblique');
      await writeImage(phantom.image, volume, { compress: true });
      const png = 'data/sample/images/' + readdirSync('data/sample/images').sort()[0];
      const model = new UNet(makeConfig({ width: 64, height: 80, widthMult: 0.125, seed: 4 }));
      const out = join(dir, 'out');
      const results = await predictFiles(model, [volume, png], { output: out, overlay: false, batchSize: 4, levels: true });
      model.dispose();
      for (const [r, name, stem] of [[results[0]!, 'oblique.mha', 'oblique'], [results[1]!, png.split('/').pop()!, png.split('/').pop()!.replace('.png', '')]] as const) {
        for (const f of [join(out, 'levels', name), join(out, `${stem}.levels.json`), join(out, `${stem}.levels.csv`), join(out, 'overlays', `${stem}_levels.png`)]) expect(existsSync(f), f).toBe(true);
        const report = JSON.parse(readFileSync(join(out, `${stem}.levels.json`), 'utf8'));
        expect(report.unit).toBe(name.endsWith('.mha') ? 'mm' : 'px');
        expect(report.levels).toEqual(r.levels!.levels);
        const csv = readFileSync(join(out, `${stem}.levels.csv`), 'utf8').trim().split('\n');
        expect(csv).toHaveLength(1 + report.levels.length);
        expect(csv[0]).toContain(name.endsWith('.mha') ? 'anterior_height_mm' : 'anterior_height_px');
        // the confidence per level: one network without TTA disputes nothing, so every level agrees fully
        expect(csv[0]!.split(',').pop()).toBe('agreement');
        expect(report.levels.map((l: { agreement: number | null }) => l.agreement), `${name}: agreement per level`).toEqual(report.levels.map(() => 1));
      }
      // the volume's level map has the input's geometry, and every coded voxel keeps the class the prediction gave it
      const codes = await readImage(join(out, 'levels', 'oblique.mha'));
      const labels = await readImage(results[0]!.output);
      expect(codes.size).toEqual(phantom.image.size);
      expect(codes.direction.map((v) => +v.toFixed(6))).toEqual(phantom.image.direction.map((v) => +v.toFixed(6)));
      expect(codes.origin.map((v) => +v.toFixed(4))).toEqual(phantom.image.origin.map((v) => +v.toFixed(4)));
      let mismatched = 0;
      for (let i = 0; i < codes.data.length; i++) if (codes.data[i] && spiderLabelClass(codes.data[i]!) !== labels.data[i]) mismatched++;
      expect(mismatched).toBe(0);
      expect(new Set(labels.data).size).toBeGreaterThan(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('real masks against the shipped model (the MODEL.md level figures)', () => {
  it('the k-th disc and vertebra of the prediction overlap the truth\'s on every test-subset slice; heights and canal within 3 px (median)', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { loadPredictor, checkpointDirsOrDefault } = await import('../src/app/checkpoints.ts');
    const { listInputs, predictFiles } = await import('../src/app/predict-files.ts');
    const { compareLevels, median } = await import('../src/app/levels-compare.ts');
    const subset = 'models/default/test-subset';
    const predictor = await loadPredictor(checkpointDirsOrDefault(undefined));
    const out = mkdtempSync(join(tmpdir(), 'spineseg-levels-real-'));
    try {
      await predictFiles(predictor.nets, listInputs(join(subset, 'images')), { output: out, overlay: false, batchSize: 1, postprocess: predictor.postprocess });
      const grid = (file: string): LabelGrid => {
        const png = decodeGreyPng(file);
        return { labels: mapGreyLevels(png.data, file), dims: [1, png.height, png.width], spacing: [1, 1, 1], unit: 'px' };
      };
      const all = [];
      for (const f of readdirSync(join(subset, 'masks')).sort()) {
        const tg = grid(join(subset, 'masks', f));
        const pg = grid(join(out, f));
        const tl = labelLevels(tg);
        const pl = labelLevels(pg);
        all.push(...compareLevels(tl, measureLevels(tg, tl), pl, measureLevels(pg, pl)).map((c) => ({ ...c, file: f })));
      }
      const missed = all.filter((c) => !c.overlaps).map((c) => `${c.file} ${levelShortName(c.code)}`);
      expect(missed, 'truth levels the same-numbered predicted level does not overlap').toEqual([]);
      expect(all.filter((c) => c.kind === 'vertebra' && c.dice < 0.5).map((c) => `${c.file} ${levelShortName(c.code)} Dice ${c.dice.toFixed(2)}`)).toEqual([]);
      const heights = median(all.flatMap((c) => c.heightDifferences));
      const canal = median(all.flatMap((c) => (c.canalDifference === null ? [] : [c.canalDifference])));
      console.log(`[levels] ${all.length} truth levels, all overlapped; median |disc height difference| ${heights.toFixed(2)} px, |canal diameter difference| ${canal.toFixed(2)} px`);
      expect(heights).toBeLessThan(3);
      expect(canal).toBeLessThan(3);
    } finally {
      rmSync(out, { recursive: true, force: true });
      predictor.dispose();
    }
  });
});

describe('spineseg phantom --levels', () => {
  it('writes the six phantoms with SPIDER codes and their analytic truth, and refuses an existing folder', async () => {
    const { mkdtempSync, rmSync, readFileSync, readdirSync: list } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { readImage } = await import('../src/pipeline/io.ts');
    const { writeLevelPhantoms } = await import('../src/pipeline/phantom-levels.ts');
    const dir = mkdtempSync(join(tmpdir(), 'spineseg-level-phantoms-'));
    try {
      const out = join(dir, 'phantoms');
      expect(await writeLevelPhantoms(out)).toEqual(LEVEL_PHANTOM_NAMES);
      expect(list(join(out, 'masks')).sort()).toEqual(LEVEL_PHANTOM_NAMES.map((n) => `${n}.mha`).sort());
      const truth = JSON.parse(readFileSync(join(out, 'levels.json'), 'utf8'));
      const cut = truth.cases.find((c: { name: string }) => c.name === 'cut-top');
      expect(cut.expectedFlags).toEqual(['fov-cut']);
      expect(cut.levels.at(-1)).toMatchObject({ code: 106, name: 'T12 vertebra (partly visible)', complete: false, heights: null });
      const mask = await readImage(join(out, 'masks', 'oblique.mha'));
      const p = generateLevelPhantom('oblique');
      expect(firstDifference(mask.data, p.mask.data)).toBe('same');
      mask.direction.forEach((v, i) => expect(v).toBeCloseTo(p.mask.direction[i]!, 6));
      await expect(writeLevelPhantoms(out)).rejects.toThrow('output folder already exists');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

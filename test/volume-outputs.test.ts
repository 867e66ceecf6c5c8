// predict's outputs for any volume input (src/app/volume-outputs.ts, src/app/stats.ts): --format changes the label
// map's format and keeps the input's geometry; --save-probabilities writes a 4-D float image on the input grid whose
// argmax is the label map (no post-processing), in the input's array order even when the volume was reoriented;
// the statistics count what the label map holds (mm³ for volumes, mm² for a 2-D input with a spacing, nothing
// for PNG slices); --format seg without DICOM is refused.
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readImageNode } from '@itk-wasm/image-io';
import { generatePhantom } from '../src/pipeline/phantom.ts';
import { readImage, writeImage } from '../src/pipeline/io.ts';
import { UNet, makeConfig } from '../src/model/unet.ts';
import { predictFiles } from '../src/app/predict-files.ts';
import { formatStats, labelStats } from '../src/app/stats.ts';

const dir = mkdtempSync(join(tmpdir(), 'spineseg-outputs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('volume outputs', () => {
  it('--format nii.gz on a reoriented .mha: same geometry; probabilities 4-D with argmax = labels; stats in mm³', async () => {
    const model = new UNet(makeConfig({ width: 64, height: 80, widthMult: 0.125, seed: 4 }));
    try {
      const input = join(dir, 'case_permuted.mha');
      await writeImage(generatePhantom({ seed: 12, sequence: 't2', variant: 'permuted-flipped', sizeLrApSi: [5, 40, 48] }).image, input);
      const out = join(dir, 'out');
      const [r] = await predictFiles(model, [input], { output: out, overlay: false, batchSize: 4, format: 'nii.gz', saveProbabilities: true });
      expect(r!.output).toBe(join(out, 'case_permuted.nii.gz'));
      const vol = await readImage(input);
      const labels = await readImage(r!.output);
      expect(labels.size).toEqual(vol.size);
      labels.origin.forEach((v, i) => expect(Math.abs(v - vol.origin[i]!)).toBeLessThan(1e-4));
      labels.direction.forEach((v, i) => expect(Math.abs(v - vol.direction[i]!)).toBeLessThan(1e-6));
      const probs = await readImageNode(join(out, 'case_permuted_probabilities.nii.gz'));
      expect([...probs.size]).toEqual([...vol.size, 4]);
      [...probs.spacing].slice(0, 3).forEach((v, i) => expect(Math.abs(v - vol.spacing[i]!)).toBeLessThan(1e-4));
      [...probs.origin].slice(0, 3).forEach((v, i) => expect(Math.abs(v - vol.origin[i]!)).toBeLessThan(1e-4));
      const p = probs.data as Float32Array;
      const n = labels.data.length;
      let differ = 0;
      for (let i = 0; i < n; i++) {
        let best = 0;
        for (let c = 1; c < 4; c++) if (p[c * n + i]! > p[best * n + i]!) best = c;
        if (best !== labels.data[i]) differ++;
      }
      expect(differ, `${differ} of ${n} voxels: argmax of the probabilities differs from the label map`).toBe(0);
      expect(new Set(labels.data).size, 'a random model still gives several classes, so the comparison means something').toBeGreaterThan(1);
      const voxel = vol.spacing[0] * vol.spacing[1] * vol.spacing[2];
      r!.stats.forEach((c) => {
        expect(c.voxels).toBe(labels.data.filter((v) => v === c.class).length);
        expect(c.unit).toBe('mm3');
        expect(c.measure!).toBeCloseTo(c.voxels * voxel, 6);
      });
      const json = JSON.parse(formatStats('s.json', [{ input, output: r!.output, classes: r!.stats }], { model: 'random', postprocess: 'off' }));
      expect(json).toHaveLength(4);
      expect(json[0].model).toBe('random');
      // --format mha writes .mha; --format seg needs DICOM
      const [m] = await predictFiles(model, [input], { output: join(dir, 'out-mha'), overlay: false, batchSize: 4, format: 'mha' });
      expect(existsSync(m!.output) && m!.output.endsWith('case_permuted.mha')).toBe(true);
      await expect(predictFiles(model, [input], { output: join(dir, 'out-seg'), overlay: false, batchSize: 4, format: 'seg' })).rejects.toThrow(/--format seg needs DICOM input/);
    } finally {
      model.dispose();
    }
  }, 240_000);

  it('statistics: slices as ranges, area in mm² for 2-D with a spacing, no measure without one', () => {
    // 3 x 2 pixels, 4 slices: class 1 on slices 0, 1 and 3
    const labels = new Uint8Array(24);
    labels[0] = 1;
    labels[6] = 1;
    labels[7] = 1;
    labels[18] = 1;
    labels[19] = 2;
    const s = labelStats(labels, [3, 2, 4], [0.5, 0.5, 2]);
    expect(s[1]).toMatchObject({ voxels: 4, measure: 2, unit: 'mm3', slices: '0-1 3' });
    expect(s[2]).toMatchObject({ voxels: 1, slices: '3' });
    expect(s[3]).toMatchObject({ voxels: 0, measure: 0, slices: '' });
    const flat = labelStats(labels.subarray(0, 6), [3, 2, 1], [0.5, 0.4]);
    expect(flat[1]).toMatchObject({ voxels: 1, unit: 'mm2' });
    expect(flat[1]!.measure).toBeCloseTo(0.2, 10);
    expect(labelStats(labels.subarray(0, 6), [3, 2, 1], null)[1]).toMatchObject({ measure: null, unit: null });
    const csv = formatStats('x.csv', [{ input: 'a', output: 'b', classes: flat }], { model: 'm', postprocess: 'off' }).split('\n');
    expect(csv[2]).toBe('a,b,1,vertebrae,1,,0.2,0,,,m,off,none');
    expect(() => formatStats('x.txt', [], { model: 'm', postprocess: 'off' })).toThrow(/must be \.json or \.csv/);
  });
});

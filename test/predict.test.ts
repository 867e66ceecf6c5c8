// spineseg predict on volumes: labels come back in the input's own array order and geometry, so the same
// anatomy stored with another direction matrix gets the same labels at the same physical places.
import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatePhantom } from '../src/pipeline/phantom.ts';
import { readImage, writeImage } from '../src/pipeline/io.ts';
import { reorientToSagittal } from '../src/pipeline/orientation.ts';
import { UNet, makeConfig } from '../src/model/unet.ts';
import { predictFiles } from '../src/app/predict-files.ts';

describe('predict on volumes', () => {
  it('keeps size, origin, spacing and direction, and labels follow the anatomy through any direction matrix', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spineseg-predict-'));
    try {
      const model = new UNet(makeConfig({ width: 64, height: 80, widthMult: 0.125, seed: 4 }));
      const variants = ['identity', 'permuted', 'flipped', 'permuted-flipped'] as const;
      const inputs = [];
      for (const variant of variants) {
        const file = join(dir, `case_${variant}_t2.mha`);
        await writeImage(generatePhantom({ seed: 12, sequence: 't2', variant, sizeLrApSi: [6, 40, 48] }).image, file, { compress: true });
        inputs.push(file);
      }
      const out = join(dir, 'out');
      const results = await predictFiles(model, inputs, { output: out, overlay: true, batchSize: 4 });
      const sagittalLabels: Uint8Array[] = [];
      for (const [i, r] of results.entries()) {
        const input = await readImage(inputs[i]);
        const labels = await readImage(r.output);
        expect(labels.size, `${r.output} size`).toEqual(input.size);
        expect(labels.spacing.map((v) => +v.toFixed(5))).toEqual(input.spacing.map((v) => +v.toFixed(5)));
        expect(labels.origin.map((v) => +v.toFixed(4))).toEqual(input.origin.map((v) => +v.toFixed(4)));
        expect(labels.direction.map((v) => +v.toFixed(6))).toEqual(input.direction.map((v) => +v.toFixed(6)));
        expect(r.counts.reduce((a, b) => a + b, 0)).toBe(input.data.length);
        // the same physical layout for every variant once reoriented
        sagittalLabels.push(Uint8Array.from(reorientToSagittal(labels).volume.data as ArrayLike<number>));
      }
      // a random model still gives a non-trivial label map, so the comparison means something
      expect(new Set(sagittalLabels[0]).size).toBeGreaterThan(1);
      for (let v = 1; v < variants.length; v++) {
        let differ = 0;
        for (let i = 0; i < sagittalLabels[0].length; i++) if (sagittalLabels[v][i] !== sagittalLabels[0][i]) differ++;
        expect(differ, `${variants[v]} vs identity: ${differ} of ${sagittalLabels[0].length} voxels differ`).toBe(0);
      }
      model.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

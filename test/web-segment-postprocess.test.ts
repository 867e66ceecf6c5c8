// The web page's segmentation (web/src/segment.ts, what the page runs on a dropped volume) applies a
// checkpoint's post-processing block in 3-D on volumes, exactly as `spineseg predict` (predictFiles) does:
// a phantom volume and a small model, a block with keep-largest, a size threshold and hole filling for
// every class, label maps compared voxel for voxel. The same block applied per slice (2-D) must differ on
// this fixture, so the comparison can tell 3-D from 2-D.
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UNet, makeConfig } from '../src/model/unet.ts';
import { predictFiles } from '../src/app/predict-files.ts';
import { generatePhantom } from '../src/pipeline/phantom.ts';
import { readImage, writeImage } from '../src/pipeline/io.ts';
import { applyPostprocess, type PostprocessBlock } from '../src/pipeline/postprocess.ts';
import { thresholdSpacing } from '../src/model/predict.ts';
import { volumeInput, segment, labelVolume } from '../src/app/segment.ts';

const work = mkdtempSync(join(tmpdir(), 'spineseg-web-pp-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const steps = { keepLargest: true, minSize: 4, fillHoles: true };
const block: PostprocessBlock = { version: 1, unit: 'grid-px', classes: { '1': steps, '2': steps, '3': steps } };

function differing(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

describe("web page's volume post-processing", () => {
  it('is 3-D and equals predictFiles voxel for voxel (phantom volume, permuted axes, keep-largest + size + holes for every class)', async () => {
    const ph = generatePhantom({ seed: 5, sequence: 't2', variant: 'permuted', sizeLrApSi: [8, 48, 60], spacingLrApSi: [3.3, 1.6, 1.6] });
    const file = join(work, 'phantom.mha');
    await writeImage(ph.image, file, { compress: true });
    const model = new UNet(makeConfig({ width: 64, height: 80, widthMult: 0.125, seed: 3 }));
    try {
      const [node] = await predictFiles(model, [file], { output: join(work, 'node'), overlay: false, batchSize: 4, postprocess: block });
      const fromNode = (await readImage(node.output)).data;
      const input = volumeInput('phantom.mha', await readImage(file));
      const seg = await segment(model, input, { batchSize: 4, postprocess: block });
      const fromPage = labelVolume(seg).data;
      expect(fromPage.length).toBe(fromNode.length);
      const diff = differing(fromPage, fromNode);
      expect(diff, `page vs predictFiles with the same block: ${diff} of ${fromNode.length} voxels differ (counts page ${seg.counts}, node ${node.counts})`).toBe(0);

      // the fixture tells 3-D from 2-D and on from off
      const raw = await segment(model, input, { batchSize: 4 });
      const { col, row, thickness } = input.spacing!;
      const perSlice = raw.labels.map((l, k) => {
        const s = input.slices[k]!;
        const px = thresholdSpacing('grid-px', s, 64, 80, [row, col]);
        return applyPostprocess(l, [1, s.height, s.width], [thickness, px[0], px[1]], block, false);
      });
      const joined = (ls: Uint8Array[]) => Uint8Array.from(ls.flatMap((l) => Array.from(l)));
      expect(differing(joined(perSlice), joined(seg.labels)), 'the block applied per slice (2-D) differs from 3-D on this fixture').toBeGreaterThan(0);
      expect(differing(joined(raw.labels), joined(seg.labels)), 'the block changes the prediction').toBeGreaterThan(0);
      expect(raw.counts.filter((n) => n > 0).length, `raw counts ${raw.counts}`).toBeGreaterThan(1);
    } finally {
      model.dispose();
    }
  });
});

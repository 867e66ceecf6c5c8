import { describe, expect, it } from 'vitest';
import { generatePhantom, PHANTOM_VARIANTS } from '../src/pipeline/phantom.js';
import { planSagittalReorientation, reorientToSagittal, sagittalAxis, permuteFlipVolume } from '../src/pipeline/orientation.js';
import { extractSagittalSlices } from '../src/pipeline/extract.js';
import { mapSpiderLabels, spiderLabelClass, classesToGreyLevels, mapGreyLevels } from '../src/pipeline/labels.js';
import { indexToPhysical, type Volume } from '../src/pipeline/volume.js';

const SMALL: [number, number, number] = [8, 40, 48];

describe('SPIDER label map', () => {
  it('maps every SPIDER code range and nothing else', () => {
    expect([0, 1, 25, 101, 125, 100, 201, 225].map(spiderLabelClass)).toEqual([0, 1, 1, 1, 1, 2, 3, 3]);
    expect([26, 99, 126, 200, 226, 255, -1, 1.5].map(spiderLabelClass)).toEqual([-1, -1, -1, -1, -1, -1, -1, -1]);
  });
  it('unknown label: error naming file and value, or background with a warning', () => {
    expect(() => mapSpiderLabels([0, 5, 150], 'masks/7_t2.mha')).toThrow('masks/7_t2.mha: unknown label 150 at voxel 2');
    const warnings: string[] = [];
    const mapped = mapSpiderLabels([0, 5, 150, 150], 'masks/7_t2.mha', { unknownLabels: 'background', warn: (m) => warnings.push(m) });
    expect(Array.from(mapped)).toEqual([0, 1, 0, 0]);
    expect(warnings).toEqual(['masks/7_t2.mha: unknown label 150 in 2 voxels mapped to background']);
  });
  it('PNG grey levels round-trip', () => {
    expect(Array.from(mapGreyLevels([0, 76, 150, 29], 'm.png'))).toEqual([0, 1, 2, 3]);
    expect(Array.from(classesToGreyLevels([0, 1, 2, 3]))).toEqual([0, 76, 150, 29]);
  });
});

describe('orientation', () => {
  it('sagittalAxis finds the left-right axis whatever the array order', () => {
    expect(sagittalAxis([1, 0, 0, 0, 1, 0, 0, 0, 1])).toBe(0);
    expect(sagittalAxis([0, 0, 1, 1, 0, 0, 0, 1, 0])).toBe(2);
    expect(sagittalAxis([0, -1, 0, 0, 0, 1, 1, 0, 0])).toBe(1);
    // 20 degrees oblique: still the nearest axis
    const c = Math.cos(0.35), s = Math.sin(0.35);
    expect(sagittalAxis([s, 0, c, c, 0, -s, 0, 1, 0])).toBe(2);
  });

  it('permuteFlipVolume keeps every voxel at its physical position', () => {
    const vol: Volume<Int16Array> = { data: new Int16Array(2 * 3 * 4).map((_, i) => i), size: [2, 3, 4], spacing: [1, 2, 3], origin: [5, 6, 7], direction: [0, 0, 1, 1, 0, 0, 0, -1, 0] };
    const out = permuteFlipVolume(vol, [2, 0, 1], [true, false, true]);
    expect(out.size).toEqual([4, 2, 3]);
    for (let i = 0; i < out.data.length; i++) {
      const idx = [i % 4, Math.floor(i / 4) % 2, Math.floor(i / 8)];
      const src = vol.data[out.data[i]!]!;
      const sIdx = [src % 2, Math.floor(src / 2) % 3, Math.floor(src / 6)];
      const a = indexToPhysical(out, idx);
      const b = indexToPhysical(vol, sIdx);
      a.forEach((v, k) => expect(v).toBeCloseTo(b[k]!, 9));
    }
  });

  it('the phantom is deterministic from its seed', () => {
    const a = generatePhantom({ seed: 5, sizeLrApSi: SMALL });
    const b = generatePhantom({ seed: 5, sizeLrApSi: SMALL });
    const c = generatePhantom({ seed: 6, sizeLrApSi: SMALL });
    expect(Buffer.from(a.image.data.buffer).equals(Buffer.from(b.image.data.buffer))).toBe(true);
    expect(Buffer.from(a.image.data.buffer).equals(Buffer.from(c.image.data.buffer))).toBe(false);
  });

  it('the phantom uses SPIDER codes: vertebrae 1.., one partial 101+, discs 201+, canal 100', () => {
    const p = generatePhantom({ seed: 2, sizeLrApSi: SMALL });
    const codes = new Set(p.mask.data);
    for (let v = 1; v < p.numVertebrae; v++) expect(codes.has(v)).toBe(true);
    expect(codes.has(100 + p.numVertebrae)).toBe(true);
    for (let d = 0; d < p.numDiscs; d++) expect(codes.has(201 + d)).toBe(true);
    expect(codes.has(100)).toBe(true);
    expect(p.image.data).toBeInstanceOf(Int16Array);
  });

  // identity is the reference; every other sagittal variant must give the same slices after reorientation
  const reference = generatePhantom({ seed: 9, sizeLrApSi: SMALL, variant: 'identity' });
  const refSlices = extractSagittalSlices(reference.image, reference.mask, { imageFile: 'i', maskFile: 'm', width: 40, height: 48 });
  for (const variant of PHANTOM_VARIANTS) {
    it(`variant ${variant}: reoriented to rows superior->inferior, columns anterior->posterior`, () => {
      const p = generatePhantom({ seed: 9, sizeLrApSi: SMALL, variant });
      const plan = planSagittalReorientation(p.image.direction, p.image.spacing);
      expect(plan.acquisitionPlane).toBe(variant === 'axial' ? 'axial' : 'sagittal');
      expect(plan.changed).toBe(variant !== 'identity' || plan.flips[1]);
      const { volume } = reorientToSagittal(p.mask);
      // direction after reorientation: columns +y (posterior), rows -z (inferior), slices +x (left)
      expect(volume.direction.map((v) => Math.round(v))).toEqual([0, 0, 1, 1, 0, 0, 0, -1, 0]);
      const res = extractSagittalSlices(p.image, p.mask, { imageFile: 'i', maskFile: 'm', width: 40, height: 48, renderMask: true });
      const mid = res.slices[Math.floor(res.slices.length / 2)]!;
      // the partial vertebra (101+) is at the top: first rows rendered grey > 100 and < 126
      const topRow = Array.from(mid.renderedMask!.subarray(0, 40));
      expect(topRow.some((g) => g > 100 && g < 126)).toBe(true);
      // the canal (class 2) lies posterior (larger column) to the vertebra (class 1) in every row holding both
      for (let r = 0; r < 48; r++) {
        const row = Array.from(mid.labels.subarray(r * 40, r * 40 + 40));
        const v = row.lastIndexOf(1);
        const c = row.indexOf(2);
        if (v >= 0 && c >= 0) expect(c).toBeGreaterThan(v);
      }
      if (variant !== 'axial') {
        expect(res.slices.length).toBe(refSlices.slices.length);
        res.slices.forEach((s, k) => {
          expect(Array.from(s.labels)).toEqual(Array.from(refSlices.slices[k]!.labels));
          s.origin.forEach((v, i) => expect(v).toBeCloseTo(refSlices.slices[k]!.origin[i]!, 6));
        });
      }
    });
  }

  it('extraction normalises to [0,1] with the 0.5/99.5 percentiles and reports mm spacing', () => {
    const res = refSlices;
    const s = res.slices[3]!;
    expect(Math.min(...s.image)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...s.image)).toBeLessThanOrEqual(1);
    expect(res.intensityWindow[0]).toBeLessThan(res.intensityWindow[1]);
    // 40 AP voxels of 0.6 mm over 40 columns; 48 SI voxels of 0.6 mm over 48 rows
    expect(s.spacing[0]).toBeCloseTo(0.6, 9);
    expect(s.spacing[1]).toBeCloseTo(0.6, 9);
    expect(s.sliceThicknessMm).toBeCloseTo(3.3, 9);
    expect(s.source).toEqual({ imageFile: 'i', maskFile: 'm', sagittalIndex: 3, sagittalCount: 8 });
  });

  it('mask/image geometry mismatch names both files', () => {
    const p = generatePhantom({ seed: 1, sizeLrApSi: SMALL });
    const moved = { ...p.mask, origin: [p.mask.origin[0] + 5, p.mask.origin[1], p.mask.origin[2]] as [number, number, number] };
    expect(() => extractSagittalSlices(p.image, moved, { imageFile: 'img.mha', maskFile: 'msk.mha' })).toThrow(/^msk\.mha: origin .* does not match img\.mha origin/);
  });
});

import { describe, expect, it } from 'vitest';
import { generatePhantom, PHANTOM_VARIANTS } from '../src/pipeline/phantom.ts';
import { planSagittalReorientation, reorientToSagittal, sagittalAxis, permuteFlipVolume } from '../src/pipeline/orientation.ts';
import { extractSagittalSlices } from '../src/pipeline/extract.ts';
import { mapSpiderLabels, spiderLabelClass, classesToGreyLevels, mapGreyLevels } from '../src/pipeline/labels.ts';
import { indexToPhysical, type Volume } from '../src/pipeline/volume.ts';

const SMALL: [number, number, number] = [8, 40, 48];

/**
 * The reorientation each variant needs. The stored array axes of a variant are (phantom.ts VARIANT_LAYOUT):
 * identity +x,+y,+z; permuted +y,+z,+x; flipped +x,-y,-z; axial -x,-y,+z; permuted-flipped -z,+y,-x.
 * Output columns take the +-y axis (flipped when it runs -y), rows the +-z axis (flipped when +z), slices the +-x axis.
 */
const EXPECTED_PLAN: Record<string, { permutation: number[]; flips: boolean[]; changed: boolean }> = {
  identity: { permutation: [1, 2, 0], flips: [false, true, false], changed: true },
  permuted: { permutation: [0, 1, 2], flips: [false, true, false], changed: true },
  flipped: { permutation: [1, 2, 0], flips: [true, false, false], changed: true },
  axial: { permutation: [1, 2, 0], flips: [true, true, true], changed: true },
  'permuted-flipped': { permutation: [1, 0, 2], flips: [false, false, true], changed: true },
};

/**
 * The axial phantom (stored axes -x, -y, +z) brought to the sagittal layout with plain loops: slice s, row r,
 * column c come from stored voxel (nx-1-s, ny-1-c, nz-1-r); then extracted as a volume needing no reorientation.
 */
function axialByHand(p: ReturnType<typeof generatePhantom>) {
  const [nx, ny, nz] = p.image.size;
  const sagittal = <T extends Int16Array | Uint8Array>(vol: Volume<T>): Volume<T> => {
    const data = new (vol.data.constructor as new (n: number) => T)(vol.data.length);
    for (let s = 0; s < nx; s++)
      for (let r = 0; r < nz; r++)
        for (let c = 0; c < ny; c++) data[(s * nz + r) * ny + c] = vol.data[((nz - 1 - r) * ny + (ny - 1 - c)) * nx + (nx - 1 - s)]!;
    const origin = indexToPhysical(vol, [nx - 1, ny - 1, nz - 1]) as [number, number, number];
    return { data, size: [ny, nz, nx], spacing: [vol.spacing[1], vol.spacing[2], vol.spacing[0]], origin, direction: [0, 0, 1, 1, 0, 0, 0, -1, 0] };
  };
  return extractSagittalSlices(sagittal(p.image), sagittal(p.mask), { imageFile: 'i', maskFile: 'm', width: 40, height: 48 });
}

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
  // built on first use inside a test, not while the file is collected (Stryker counts code run at collection as static)
  let refCache: ReturnType<typeof extractSagittalSlices> | undefined;
  const refSlicesOf = () => {
    if (!refCache) {
      const reference = generatePhantom({ seed: 9, sizeLrApSi: SMALL, variant: 'identity' });
      refCache = extractSagittalSlices(reference.image, reference.mask, { imageFile: 'i', maskFile: 'm', width: 40, height: 48 });
    }
    return refCache;
  };
  for (const variant of PHANTOM_VARIANTS) {
    it(`variant ${variant}: reoriented to rows superior->inferior, columns anterior->posterior`, () => {
      const p = generatePhantom({ seed: 9, sizeLrApSi: SMALL, variant });
      const plan = planSagittalReorientation(p.image.direction, p.image.spacing);
      expect(plan.acquisitionPlane).toBe(variant === 'axial' ? 'axial' : 'sagittal');
      // worked out by hand from VARIANT_LAYOUT (phantom.ts) and the target: columns +y (A->P), rows -z (S->I), slices +x
      expect({ permutation: plan.permutation, flips: plan.flips, changed: plan.changed }).toEqual(EXPECTED_PLAN[variant]);
      const { volume } = reorientToSagittal(p.mask);
      // direction after reorientation: columns +y (posterior), rows -z (inferior), slices +x (left)
      expect(volume.direction.map((v) => Math.round(v))).toEqual([0, 0, 1, 1, 0, 0, 0, -1, 0]);
      const res = extractSagittalSlices(p.image, p.mask, { imageFile: 'i', maskFile: 'm', width: 40, height: 48, renderMask: true });
      const mid = res.slices[Math.floor(res.slices.length / 2)]!;
      // the partial vertebra (101+) is at the top: first rows rendered grey > 100 and < 126
      const topRow = Array.from(mid.renderedMask!.subarray(0, 40));
      expect(topRow.some((g) => g > 100 && g < 126)).toBe(true);
      // the canal (class 2) lies posterior (larger column) to the vertebra (class 1) in every row holding both
      const rowsWithBoth: number[] = [];
      const canalInFront: number[] = [];
      for (let r = 0; r < 48; r++) {
        const row = Array.from(mid.labels.subarray(r * 40, r * 40 + 40));
        const v = row.lastIndexOf(1);
        const c = row.indexOf(2);
        if (v >= 0 && c >= 0) rowsWithBoth.push(r);
        if (v >= 0 && c >= 0 && c <= v) canalInFront.push(r);
      }
      expect(rowsWithBoth.length, 'rows holding both vertebra and canal').toBeGreaterThanOrEqual(10);
      expect(canalInFront, 'rows where the canal is not posterior to the vertebra').toEqual([]);
      // identity is the reference for the sagittal variants; the axial one (another grid) is compared with its own
      // volume brought to the sagittal layout by hand below
      const want = variant === 'axial' ? axialByHand(p) : refSlicesOf();
      expect(res.slices.length).toBe(want.slices.length);
      res.slices.forEach((s, k) => {
        expect(Array.from(s.labels)).toEqual(Array.from(want.slices[k]!.labels));
        expect(Array.from(s.image)).toEqual(Array.from(want.slices[k]!.image));
        s.origin.forEach((v, i) => expect(v).toBeCloseTo(want.slices[k]!.origin[i]!, 6));
      });
    });
  }

  it('a volume already in the sagittal layout is left unchanged', () => {
    const plan = planSagittalReorientation([0, 0, 1, 1, 0, 0, 0, -1, 0], [0.6, 0.6, 3.3]);
    expect({ permutation: plan.permutation, flips: plan.flips, changed: plan.changed }).toEqual({ permutation: [0, 1, 2], flips: [false, false, false], changed: false });
  });

  it('extraction normalises to [0,1] with the 0.5/99.5 percentiles and reports mm spacing', () => {
    const res = refSlicesOf();
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

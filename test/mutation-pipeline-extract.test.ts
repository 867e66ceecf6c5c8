// Exact-value tests of slice extraction and itk-wasm image conversion (src/pipeline/extract.ts,
// src/pipeline/itk-volume.ts), written against Stryker's survivors (docs/MUTATION.md).
import { describe, expect, it } from 'vitest';
import { PixelTypes, type Image } from 'itk-wasm';
import {
  DEFAULT_SLICE_HEIGHT, DEFAULT_SLICE_WIDTH, MIN_IN_PLANE_VOXELS, checkSameGeometry, extractPngSlice, extractSagittalSlices, nonzeroPercentileWindow, normaliseIntensity,
  percentileOfSorted, renderGreyCodes,
} from '../src/pipeline/extract.ts';
import { itkImageToVolume } from '../src/pipeline/itk-volume.ts';
import type { Vec3, Volume } from '../src/pipeline/volume.ts';
import { thrown } from './helpers/thrown.ts';


describe('percentiles and intensity window', () => {
  it('linear-interpolated percentiles of a sorted array', () => {
    expect(percentileOfSorted([], 50)).toBe(0);
    expect(percentileOfSorted([7], 99)).toBe(7);
    expect(percentileOfSorted([0, 10, 20, 30], 0)).toBe(0);
    expect(percentileOfSorted([0, 10, 20, 30], 100)).toBe(30);
    expect(percentileOfSorted([0, 10, 20, 30], 50)).toBe(15);
    expect(percentileOfSorted([0, 10, 20, 40], 90)).toBeCloseTo(34, 10);
  });
  it('the window ignores zeros; default 0.5 and 99.5 percentiles', () => {
    const data = [0, 0, 5, 1, 0, 3, 2, 4, 0];
    expect(nonzeroPercentileWindow(data, 0, 100)).toEqual([1, 5]);
    expect(nonzeroPercentileWindow(data, 25, 75)).toEqual([2, 4]);
    const ramp = Array.from({ length: 201 }, (_, i) => i); // nonzero 1..200
    const [lo, hi] = nonzeroPercentileWindow(ramp);
    expect(lo).toBeCloseTo(1 + 0.005 * 199, 5);
    expect(hi).toBeCloseTo(1 + 0.995 * 199, 5);
    expect(nonzeroPercentileWindow([0, 0], 0, 100)).toEqual([0, 0]);
    expect(nonzeroPercentileWindow([-3, 0, 2], 0, 100), 'negative values count').toEqual([-3, 2]);
  });
  it('normalise clips to the window and scales; a flat window gives zeros', () => {
    expect([...normaliseIntensity(Float32Array.from([0, 2, 3, 4, 9]), [2, 4])]).toEqual([0, 0, 0.5, 1, 1]);
    expect([...normaliseIntensity(Float32Array.from([1, 5, 9]), [5, 5])]).toEqual([0, 0, 0]);
    expect([...normaliseIntensity(Float32Array.from([1, 5, 9]), [6, 5])]).toEqual([0, 0, 0]);
  });
  it('grey rendering of codes: rounded, clamped to 0-255', () => {
    expect([...renderGreyCodes([0, 1.4, 1.6, 100, 201, 300, -4])]).toEqual([0, 1, 2, 100, 201, 255, 0]);
  });
});

const vol = (over: Partial<Volume> = {}): Volume => ({ data: new Int16Array(2 * 3 * 4), size: [2, 3, 4], spacing: [1, 2, 3], origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1], ...over });

describe('checkSameGeometry', () => {
  it('accepts tiny differences, names the first field that differs with both values', () => {
    expect(() => checkSameGeometry(vol(), vol({ spacing: [1.00005, 2, 3], origin: [0.0029, 0, 0], direction: [1, 0.00005, 0, 0, 1, 0, 0, 0, 1] }), 'i.mha', 'm.mha')).not.toThrow();
    const size = thrown(() => checkSameGeometry(vol(), vol({ size: [2, 3, 5] }), 'i.mha', 'm.mha'));
    expect(size.message).toBe('m.mha: size [2 3 5] does not match i.mha size [2 3 4]');
    expect({ file: size.file, field: size.field, value: size.value }).toEqual({ file: 'm.mha', field: 'size', value: [2, 3, 5] });
    expect(thrown(() => checkSameGeometry(vol(), vol({ spacing: [1, 2.001, 3] }), 'i', 'm')).message).toBe('m: spacing [1 2.001 3] does not match i spacing [1 2 3]');
    expect(() => checkSameGeometry(vol({ spacing: [0.1, 0.1, 0.1] }), vol({ spacing: [0.10005, 0.1, 0.1] }), 'i', 'm'), 'spacing tolerance at least 1e-4 absolute').not.toThrow();
    expect(thrown(() => checkSameGeometry(vol({ spacing: [0.1, 0.1, 0.1] }), vol({ spacing: [0.10011, 0.1, 0.1] }), 'i', 'm')).field).toBe('spacing');
    expect(() => checkSameGeometry(vol({ spacing: [20, 20, 20] }), vol({ spacing: [20.0015, 20, 20] }), 'i', 'm'), 'relative 1e-4 for large spacings').not.toThrow();
    expect(thrown(() => checkSameGeometry(vol(), vol({ origin: [0, 0.004, 0] }), 'i', 'm')).message, 'origin within 1e-3 of the largest spacing (3 mm)').toBe('m: origin [0 0.004 0] does not match i origin [0 0 0]');
    expect(thrown(() => checkSameGeometry(vol(), vol({ direction: [1, 0, 0, 0, 1, 0, 0, 0.0002, 1] }), 'i', 'm')).message).toBe('m: direction [1 0 0 0 1 0 0 0.0002 1] does not match i direction [1 0 0 0 1 0 0 0 1]');
    expect(thrown(() => checkSameGeometry(vol(), vol({ direction: [1, 0, 0, 0, 1, 0, 0, 0, 1 - 0.0002] }), 'i', 'm')).field).toBe('direction');
    expect(thrown(() => checkSameGeometry(vol(), vol({ origin: [-0.004, 0, 0] }), 'i', 'm')).field, 'either side').toBe('origin');
    expect(thrown(() => checkSameGeometry(vol(), vol({ spacing: [0.998, 2, 3] }), 'i', 'm')).field).toBe('spacing');
    expect(thrown(() => checkSameGeometry(vol(), vol({ origin: [1 / 3, 0, 0] }), 'i', 'm')).message, 'six decimals').toBe('m: origin [0.333333 0 0] does not match i origin [0 0 0]');
  });
});

/** A sagittal-layout volume (axis 0 A->P columns, 1 S->I rows, 2 R->L slices): value = 1 + x + 10 y + 100 z. */
function sagittal(size: Vec3, over: Partial<Volume> = {}): { image: Volume; mask: Volume } {
  const n = size[0] * size[1] * size[2];
  const image = { data: Float32Array.from({ length: n }, (_, i) => 1 + (i % size[0]) + 10 * (Math.floor(i / size[0]) % size[1]) + 100 * Math.floor(i / (size[0] * size[1]))), size, spacing: [0.5, 0.75, 3] as Vec3, origin: [10, 20, 30] as Vec3, direction: [0, 0, 1, 1, 0, 0, 0, -1, 0], ...over };
  const codes = new Int16Array(n).map((_, i) => [0, 1, 100, 201, 102][i % 5]!);
  return { image, mask: { ...image, data: codes } };
}

describe('extractSagittalSlices', () => {
  it('one slice per sagittal index at the requested size, with spacing, thickness, origin and source', () => {
    const { image, mask } = sagittal([8, 8, 2]);
    const r = extractSagittalSlices(image, mask, { imageFile: 'i.mha', maskFile: 'm.mha', width: 16, height: 4, lowPercentile: 0, highPercentile: 100 });
    expect(r.slices.length).toBe(2);
    expect(r.intensityWindow).toEqual([1, 178]);
    expect(r.orientation.changed).toBe(false);
    const [s0, s1] = r.slices;
    expect({ w: s0!.width, h: s0!.height, spacing: s0!.spacing, thick: s0!.sliceThicknessMm }).toEqual({ w: 16, h: 4, spacing: [(0.75 * 8) / 4, (0.5 * 8) / 16], thick: 3 });
    expect(s0!.source).toEqual({ imageFile: 'i.mha', maskFile: 'm.mha', sagittalIndex: 0, sagittalCount: 2 });
    expect(s1!.source.sagittalIndex).toBe(1);
    expect(s0!.image.length).toBe(64);
    expect(s0!.labels.length).toBe(64);
    expect(s0!.renderedMask).toBeUndefined();
    // centre of output pixel (0,0): index (-0.5 + 0.5 * 8/16, -0.5 + 0.5 * 8/4, k) in the input; x = 10 + 3 k, y = 20 + 0.5 i, z = 30 - 0.75 j
    expect(s0!.origin).toEqual([10, 20 + 0.5 * -0.25, 30 - 0.75 * 0.5]);
    expect(s1!.origin).toEqual([13, 20 + 0.5 * -0.25, 30 - 0.75 * 0.5]);
    expect(s0!.direction).toEqual(image.direction);
    // slice 1 is the second plane: its values run 101 + x + 10 y, normalised by (v - 1) / 177; 8 -> 4 rows samples
    // rows 0.5 .. 6.5, 8 -> 16 columns clamps to columns 0 .. 7
    expect(Math.min(...s1!.image)).toBeCloseTo(105 / 177, 5);
    expect(Math.max(...s0!.image)).toBeCloseTo(72 / 177, 5);
    expect([...new Set(s0!.labels)].sort()).toEqual([0, 1, 2, 3]);
  });
  it('same size: slices are the planes, normalised; labels mapped; the grey codes on request', () => {
    const { image, mask } = sagittal([8, 9, 2]);
    const r = extractSagittalSlices(image, mask, { imageFile: 'i', maskFile: 'm', width: 8, height: 9, lowPercentile: 0, highPercentile: 100, renderMask: true });
    const s1 = r.slices[1]!;
    for (const i of [0, 7, 8, 71]) expect(s1.image[i]!, `pixel ${i}`).toBeCloseTo((image.data[72 + i]! - 1) / (r.intensityWindow[1] - 1), 5);
    expect([...s1.labels.subarray(0, 5)]).toEqual([2, 0, 1, 2, 3].map((_, i) => [0, 1, 2, 3, 1][(72 + i) % 5]!));
    expect([...s1.renderedMask!.subarray(0, 5)]).toEqual([0, 1, 100, 201, 102].map((_, i) => [0, 1, 100, 201, 102][(72 + i) % 5]!));
    const def = extractSagittalSlices(image, mask, { imageFile: 'i', maskFile: 'm' });
    expect([def.slices[0]!.width, def.slices[0]!.height]).toEqual([DEFAULT_SLICE_WIDTH, DEFAULT_SLICE_HEIGHT]);
    expect([DEFAULT_SLICE_WIDTH, DEFAULT_SLICE_HEIGHT, MIN_IN_PLANE_VOXELS]).toEqual([512, 640, 8]);
    expect(def.intensityWindow[0], 'default low percentile 0.5').toBeCloseTo(1 + 0.005 * 143, 3);
    expect(def.intensityWindow[1], 'default high percentile 99.5').toBeCloseTo(1 + 0.995 * 143 + (188 - 144), -1);
  });
  it('a volume in another layout is reoriented first; unknown labels follow the option', () => {
    const { image, mask } = sagittal([8, 8, 2]);
    const axial = { ...image, direction: [1, 0, 0, 0, 1, 0, 0, 0, 1], size: [2, 8, 8] as Vec3 };
    const r = extractSagittalSlices(axial, { ...mask, direction: axial.direction, size: axial.size }, { imageFile: 'i', maskFile: 'm', width: 8, height: 8 });
    expect(r.orientation.changed).toBe(true);
    expect(r.slices.length).toBe(2);
    const bad = { ...mask, data: Int16Array.from(mask.data, (v, i) => (i === 3 ? 77 : v)) };
    expect(() => extractSagittalSlices(image, bad, { imageFile: 'i', maskFile: 'm', width: 8, height: 8 })).toThrow('m: unknown label 77 at voxel 3');
    const warned: string[] = [];
    extractSagittalSlices(image, bad, { imageFile: 'i', maskFile: 'm', width: 8, height: 8, unknownLabels: 'background', warn: (w) => warned.push(w) });
    expect(warned).toEqual(['m: unknown label 77 in 1 voxels mapped to background']);
  });
  it('slices under 8 x 8 voxels are refused naming the file; 8 x 8 is enough', () => {
    for (const size of [[7, 8, 2], [8, 7, 2]] as Vec3[]) {
      const { image, mask } = sagittal(size);
      const e = thrown(() => extractSagittalSlices(image, mask, { imageFile: 'i.mha', maskFile: 'm.mha', width: 8, height: 8 }));
      expect(e.message).toBe(`i.mha: size [${size.join(' ')}] gives sagittal slices of ${size[0]}x${size[1]} voxels, below the 8x8 minimum`);
      expect({ file: e.file, field: e.field, value: e.value }).toEqual({ file: 'i.mha', field: 'size', value: size });
    }
    const { image, mask } = sagittal([8, 8, 1]);
    expect(extractSagittalSlices(image, mask, { imageFile: 'i', maskFile: 'm', width: 8, height: 8 }).slices.length).toBe(1);
    expect(() => extractSagittalSlices(image, { ...mask, spacing: [1, 1, 1] }, { imageFile: 'i', maskFile: 'm' })).toThrow('m: spacing');
  });
});

describe('extractPngSlice', () => {
  const png = (w: number, h: number, over: Partial<Volume> = {}) => {
    const image: Volume = { data: Uint8Array.from({ length: w * h }, (_, i) => (i * 37) % 256), size: [w, h, 1], spacing: [1, 1, 1], origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1], ...over };
    const classes: Volume<Uint8Array> = { ...image, data: Uint8Array.from({ length: w * h }, (_, i) => i % 4) };
    return { image, classes };
  };
  it('grey / 255, resized, clamped to [0, 1]; classes nearest; spacing in source pixels; geometry copied', () => {
    const { image, classes } = png(8, 10, { spacing: [0.5, 2, 4], origin: [1, 2, 3] });
    const same = extractPngSlice(image, classes, { imageFile: 'i.png', maskFile: 'm.png', width: 8, height: 10 });
    same.image.forEach((v, i) => expect(v, `pixel ${i}`).toBeCloseTo(image.data[i]! / 255, 6));
    expect([...same.labels]).toEqual([...classes.data]);
    expect({ spacing: same.spacing, thick: same.sliceThicknessMm, origin: same.origin, dir: same.direction }).toEqual({ spacing: [2, 0.5], thick: 4, origin: [1, 2, 3], dir: [1, 0, 0, 0, 1, 0, 0, 0, 1] });
    expect(same.source).toEqual({ imageFile: 'i.png', maskFile: 'm.png', sagittalIndex: 0, sagittalCount: 1 });
    const half = extractPngSlice(image, classes, { imageFile: 'i.png', maskFile: 'm.png', width: 4, height: 20 });
    expect({ w: half.width, h: half.height, spacing: half.spacing }).toEqual({ w: 4, h: 20, spacing: [1, 1] });
    expect(half.image.every((v) => v >= 0 && v <= 1)).toBe(true);
    const def = extractPngSlice(image, classes, { imageFile: 'i', maskFile: 'm' });
    expect([def.width, def.height, def.image.length]).toEqual([512, 640, 512 * 640]);
    const white = png(8, 8);
    white.image.data.fill(255);
    expect(Math.max(...extractPngSlice(white.image, white.classes, { imageFile: 'i', maskFile: 'm', width: 13, height: 11 }).image)).toBe(1);
  });
  it('refuses a slice under 8 x 8 or a stack, and a mask of another size', () => {
    for (const [w, h] of [[7, 8], [8, 7]]) {
      const { image, classes } = png(w!, h!);
      const e = thrown(() => extractPngSlice(image, classes, { imageFile: 'i.png', maskFile: 'm.png' }));
      expect(e.message).toBe(`i.png: size [${w} ${h} 1] is not a 2-D slice of at least 8x8 pixels`);
      expect({ file: e.file, field: e.field, value: e.value }).toEqual({ file: 'i.png', field: 'size', value: [w, h, 1] });
    }
    const { image, classes } = png(8, 8);
    const stack = { ...image, size: [8, 4, 2] as Vec3 };
    expect(() => extractPngSlice(stack, { ...classes, size: stack.size }, { imageFile: 'i.png', maskFile: 'm.png' })).toThrow('i.png: size [8 4 2] is not a 2-D slice');
    expect(() => extractPngSlice({ ...image, size: [8, 8, 2] }, { ...classes, size: [8, 8, 2] }, { imageFile: 'i.png', maskFile: 'm.png' })).toThrow('is not a 2-D slice');
    expect(() => extractPngSlice(image, { ...classes, size: [8, 9, 1] }, { imageFile: 'i.png', maskFile: 'm.png' })).toThrow('m.png: size [8 9 1] does not match i.png size [8 8 1]');
  });
});

/** An itk-wasm Image as its readers return it. */
function itkImage(over: { dimension?: number; pixelType?: string; components?: number; size?: number[]; spacing?: number[]; origin?: number[]; direction?: number[]; data?: unknown } = {}): Image {
  const dimension = over.dimension ?? 3;
  const size = over.size ?? [2, 3, 4].slice(0, dimension);
  const n = size.reduce((a, b) => a * b, 1);
  return {
    imageType: { dimension, componentType: 'int16', pixelType: over.pixelType ?? PixelTypes.Scalar, components: over.components ?? 1 },
    name: 'x', origin: over.origin ?? [1, 2, 3].slice(0, dimension), spacing: over.spacing ?? [0.5, 0.6, 0.7].slice(0, dimension),
    direction: Float64Array.from(over.direction ?? (dimension === 3 ? [0, 0, 1, 1, 0, 0, 0, -1, 0] : [0, 1, -1, 0])),
    size, metadata: new Map(), data: over.data === undefined ? Int16Array.from({ length: n }, (_, i) => i) : over.data,
  } as unknown as Image;
}

describe('itkImageToVolume', () => {
  it('3-D: size, spacing, origin and the row-major direction copied; the data kept', () => {
    const v = itkImageToVolume('v.mha', itkImage());
    expect({ size: v.size, spacing: v.spacing, origin: v.origin, direction: v.direction }).toEqual({ size: [2, 3, 4], spacing: [0.5, 0.6, 0.7], origin: [1, 2, 3], direction: [0, 0, 1, 1, 0, 0, 0, -1, 0] });
    expect(v.data).toBeInstanceOf(Int16Array);
    expect(v.data.length).toBe(24);
  });
  it('2-D: the third axis of size 1, spacing 1, origin 0, the 2x2 direction in the top-left corner', () => {
    const v = itkImageToVolume('s.png', itkImage({ dimension: 2 }));
    expect({ size: v.size, spacing: v.spacing, origin: v.origin, direction: v.direction }).toEqual({ size: [2, 3, 1], spacing: [0.5, 0.6, 1], origin: [1, 2, 0], direction: [0, 1, 0, -1, 0, 0, 0, 0, 1] });
  });
  it('refuses other pixel types, dimensions, sizes, spacings, missing or short data, non-finite floats', () => {
    const msg = (over: Parameters<typeof itkImage>[0]) => thrown(() => itkImageToVolume('v.mha', itkImage(over))).message;
    expect(msg({ pixelType: PixelTypes.RGB, components: 3 })).toBe('v.mha: pixelType = "RGB x3": only scalar single-component images are supported');
    expect(msg({ components: 2 })).toBe('v.mha: pixelType = "Scalar x2": only scalar single-component images are supported');
    expect(msg({ pixelType: PixelTypes.Vector })).toBe('v.mha: pixelType = "Vector x1": only scalar single-component images are supported');
    expect(msg({ dimension: 4, size: [1, 1, 1, 1] })).toBe('v.mha: dimension = 4: must be 2 or 3');
    expect(msg({ dimension: 1, size: [3] })).toBe('v.mha: dimension = 1: must be 2 or 3');
    expect(msg({ size: [2, 0, 4], data: new Int16Array(0) })).toBe('v.mha: size = [2 0 4]: dimension 1 is not a positive integer');
    expect(msg({ size: [2, 3, 1.5], data: new Int16Array(9) })).toBe('v.mha: size = [2 3 1.5]: dimension 2 is not a positive integer');
    expect(msg({ spacing: [0.5, 0, 0.7] })).toBe('v.mha: spacing = [0.5 0 0.7]: spacing 1 must be positive');
    expect(msg({ spacing: [-1, 1, 1] })).toBe('v.mha: spacing = [-1 1 1]: spacing 0 must be positive');
    expect(msg({ spacing: [1, 1, NaN] })).toBe('v.mha: spacing = [1 1 NaN]: spacing 2 must be positive');
    const none = thrown(() => itkImageToVolume('v.mha', itkImage({ data: null })));
    expect(none.message).toBe('v.mha: itk-wasm returned no pixel data');
    expect({ file: none.file, field: none.field }).toEqual({ file: 'v.mha', field: 'data' });
    expect(msg({ data: new Int16Array(23) })).toBe('v.mha: size = [2 3 4]: needs 24 voxels but itk-wasm returned 23');
    const f = Float32Array.from({ length: 24 }, (_, i) => i);
    f[2 + 2 * 3 * 1 + 2 * 1] = NaN; // x 0? index 10: x 0, y 2, z 1
    expect(msg({ data: f })).toBe('v.mha: pixel = NaN: at voxel 10 (x 0, y 2, z 1) is not finite');
    const d = Float64Array.from({ length: 24 }, (_, i) => i);
    d[23] = Infinity;
    expect(msg({ data: d })).toBe('v.mha: pixel = Infinity: at voxel 23 (x 1, y 2, z 3) is not finite');
    expect(itkImageToVolume('v.mha', itkImage({ data: Float32Array.from({ length: 24 }, (_, i) => -i) })).data[23]).toBe(-23);
  });
});

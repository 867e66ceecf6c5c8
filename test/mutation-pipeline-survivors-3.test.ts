// Tests written against the fourth pass's survivors left without a test (docs/MUTATION.md): extract.ts's tolerances
// and low percentile, io.ts's failure details, signature check, budgets and write failures, dataset.ts's listing
// order, empty-folder error and slice limit. Each case names the survivor it targets. Nothing runs at collection.
// itk-wasm's reader and writer are the real ones unless a case sets a failure for them (io.ts's describeFailure and
// its rethrow of a PipelineError are reachable no other way).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { encode } from 'fast-png';
import { PipelineError } from '../src/pipeline/errors.ts';
import type { Volume } from '../src/pipeline/volume.ts';
import { rejection, thrown } from './helpers/thrown.ts';

const itkFailure = vi.hoisted(() => ({ read: undefined as unknown, write: undefined as unknown }));
vi.mock('@itk-wasm/image-io', async (importOriginal) => {
  const real = await importOriginal<typeof import('@itk-wasm/image-io')>();
  return {
    ...real,
    readImageNode: (...args: Parameters<typeof real.readImageNode>) => (itkFailure.read !== undefined ? Promise.reject(itkFailure.read) : real.readImageNode(...args)),
    writeImageNode: (...args: Parameters<typeof real.writeImageNode>) => (itkFailure.write !== undefined ? Promise.reject(itkFailure.write) : real.writeImageNode(...args)),
  };
});
afterEach(() => {
  itkFailure.read = undefined;
  itkFailure.write = undefined;
});

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spineseg-survivors-3-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const at = (name: string) => path.join(dir, name);
const grey = (w: number, h: number, f: (i: number) => number) => encode({ width: w, height: h, channels: 1, depth: 8, data: Uint8Array.from({ length: w * h }, (_, i) => f(i)) });
const identity = [1, 0, 0, 0, 1, 0, 0, 0, 1];

describe('extract.ts survivors', () => {
  const vol = (over: Partial<Volume> = {}): Volume => ({ data: new Int16Array(8), size: [2, 2, 2], spacing: [0.5, 0.75, 3], origin: [0, 0, 0], direction: identity, ...over });
  it('a mask off by exactly the tolerance still matches: spacing 1e-4 x spacing, origin 1e-3 x the largest spacing, direction 1e-4 (extract.ts:99, 101, 102)', async () => {
    const { checkSameGeometry } = await import('../src/pipeline/extract.ts');
    // each difference is exact in binary: |2500 - 2500.25| = 1e-4 * 2500, |0 - 0.003| = 1e-3 * 3, |0 - 1e-4| = 1e-4
    expect(Math.abs(2500 - 2500.25) === 1e-4 * 2500 && Math.abs(0 - 0.003) === 1e-3 * 3 && Math.abs(0 - 1e-4) === 1e-4).toBe(true);
    const check = (image: Volume, mask: Volume) => () => checkSameGeometry(image, mask, 'i.mha', 'm.mha');
    expect(check(vol({ spacing: [2500, 0.75, 3] }), vol({ spacing: [2500.25, 0.75, 3] })), 'spacing off by exactly its tolerance').not.toThrow();
    expect(check(vol(), vol({ origin: [0.003, 0, 0] })), 'origin off by exactly its tolerance').not.toThrow();
    expect(check(vol(), vol({ direction: [1, 1e-4, 0, 0, 1, 0, 0, 0, 1] })), 'direction off by exactly its tolerance').not.toThrow();
    // and just past each tolerance they are refused
    expect(check(vol({ spacing: [2500, 0.75, 3] }), vol({ spacing: [2500.26, 0.75, 3] }))).toThrow('m.mha: spacing');
    expect(check(vol(), vol({ origin: [0.0031, 0, 0] }))).toThrow('m.mha: origin');
    expect(check(vol(), vol({ direction: [1, 1.01e-4, 0, 0, 1, 0, 0, 0, 1] }))).toThrow('m.mha: direction');
  });
  it('a low percentile given is the one used for the intensity window (extract.ts:124)', async () => {
    const { extractSagittalSlices } = await import('../src/pipeline/extract.ts');
    const image = vol({ data: Int16Array.from({ length: 512 }, (_, i) => i + 1), size: [8, 8, 8], spacing: [1, 1, 1] });
    const mask = vol({ data: new Int16Array(512), size: [8, 8, 8], spacing: [1, 1, 1] });
    const r = extractSagittalSlices(image, mask, { imageFile: 'i.mha', maskFile: 'm.mha', width: 8, height: 8, lowPercentile: 10, highPercentile: 100 });
    // values 1..512: the 10th percentile sits at position 0.1 * 511 = 51.1, between 52 and 53
    expect(r.intensityWindow[0], 'lowPercentile 10, not the default 0.5 (3.555)').toBeCloseTo(52.1, 6);
    expect(r.intensityWindow[1]).toBe(512);
  });
});

describe('io.ts survivors', () => {
  it('what itk-wasm throws becomes one line: a numeric abort code is named as one, an Error by its first line (io.ts:37, 38)', async () => {
    const { readImage } = await import('../src/pipeline/io.ts');
    fs.writeFileSync(at('x.nii'), 'not really a NIfTI file');
    itkFailure.read = 42;
    expect((await rejection(readImage(at('x.nii')))).message).toBe(`${at('x.nii')}: itk-wasm could not read the image (itk-wasm aborted with code 42)`);
    itkFailure.read = new Error('first line\nsecond line');
    const e = await rejection(readImage(at('x.nii')));
    expect(e.message, 'only the first line of a multi-line failure').toBe(`${at('x.nii')}: itk-wasm could not read the image (first line)`);
    expect({ file: e.file, field: e.field }).toEqual({ file: at('x.nii'), field: 'file' });
  });
  it('a folder where an image should be names the file and the field "path" (io.ts:57)', async () => {
    const { readImage } = await import('../src/pipeline/io.ts');
    fs.mkdirSync(at('folder.png'));
    const e = await rejection(readImage(at('folder.png')));
    expect({ message: e.message, file: e.file, field: e.field }).toEqual({ message: `${at('folder.png')}: is not a regular file`, file: at('folder.png'), field: 'path' });
  });
  it('compressed data that would inflate past the header\'s size stops at one byte over it (io.ts:80)', async () => {
    const { checkMetaImageFile } = await import('../src/pipeline/io.ts');
    const stream = zlib.deflateSync(Buffer.alloc(100000));
    const head = `ObjectType = Image\nNDims = 3\nDimSize = 2 3 4\nElementType = MET_UCHAR\nCompressedData = True\nCompressedDataSize = ${stream.length}\nElementDataFile = LOCAL\n`;
    fs.writeFileSync(at('bomb.mha'), Buffer.concat([Buffer.from(head), stream]));
    const e = thrown(() => checkMetaImageFile(at('bomb.mha')));
    // inflating all 100000 bytes before comparing would report "inflates to 100000 bytes"
    expect(e.message, 'the inflation must be capped at DimSize x ElementType + 1 bytes').toMatch(/CompressedData = "True": pixel data does not inflate \(.*25.*\): corrupt compressed data$/);
  });
  it('a PNG signature wrong after its first byte is refused, naming all 8 bytes in two hex digits each (io.ts:99, 100)', async () => {
    const { readImage } = await import('../src/pipeline/io.ts');
    fs.writeFileSync(at('almost.png'), Uint8Array.of(0x89, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0, 0, 0, 0));
    const e = await rejection(readImage(at('almost.png')));
    expect({ message: e.message, field: e.field, value: e.value }).toEqual({ message: `${at('almost.png')}: signature = "8901020304050607": not a PNG file`, field: 'signature', value: '8901020304050607' });
  });
  it('a PNG is held to the size budget before its voxels are read, as .mha and NIfTI are (io.ts:137)', async () => {
    const { readImage } = await import('../src/pipeline/io.ts');
    fs.writeFileSync(at('four.png'), grey(4, 4, (i) => i));
    expect((await readImage(at('four.png'), { sizeBudgetBytes: 16 })).size).toEqual([4, 4, 1]);
    const e = await rejection(readImage(at('four.png'), { sizeBudgetBytes: 15 }));
    expect(e, 'a 4x4 8-bit PNG is 16 bytes of voxels, over a budget of 15').toBeInstanceOf(PipelineError);
    expect(e.message).toBe(`${at('four.png')}: dim = [4 4]: 16 bytes of voxel data exceed the size budget of 15 bytes`);
  });
  it("a PNG's budget is read from its IHDR: samples per pixel of its colour type, 2 bytes at depth 16; a bad IHDR (png.ts's header check) or colour type is named", async () => {
    const { readImage } = await import('../src/pipeline/io.ts');
    const write = (name: string, bytes: Uint8Array) => (fs.writeFileSync(at(name), bytes), at(name));
    const rgb = write('rgb.png', encode({ width: 3, height: 2, channels: 3, depth: 8, data: new Uint8Array(18) }));
    expect((await rejection(readImage(rgb, { sizeBudgetBytes: 17 }))).message).toBe(`${rgb}: dim = [3 2]: 18 bytes of voxel data exceed the size budget of 17 bytes`);
    const grey16 = write('grey16.png', encode({ width: 3, height: 2, channels: 1, depth: 16, data: new Uint16Array(6) }));
    expect((await rejection(readImage(grey16, { sizeBudgetBytes: 11 }))).message).toBe(`${grey16}: dim = [3 2]: 12 bytes of voxel data exceed the size budget of 11 bytes`);
    const ga = write('ga.png', encode({ width: 3, height: 2, channels: 2, depth: 8, data: new Uint8Array(12) }));
    expect((await rejection(readImage(ga, { sizeBudgetBytes: 11 }))).message).toBe(`${ga}: dim = [3 2]: 12 bytes of voxel data exceed the size budget of 11 bytes`);
    // colour type 5 does not exist
    const odd = Uint8Array.from(encode({ width: 3, height: 2, channels: 1, depth: 8, data: new Uint8Array(6) }));
    odd[25] = 5;
    expect((await rejection(readImage(write('odd.png', odd)))).message).toBe(`${at('odd.png')}: colour type = 5: expected 0, 2, 3, 4 or 6`);
    // the signature alone, and a signature followed by another chunk
    const sig = odd.subarray(0, 8);
    expect((await rejection(readImage(write('sig.png', sig)))).message).toBe(`${at('sig.png')}: file size = 8: truncated PNG (too short for its IHDR header)`);
    const other = Uint8Array.from(odd);
    other.set([0x74, 0x45, 0x58, 0x74], 12); // tEXt
    expect((await rejection(readImage(write('other.png', other)))).message).toBe(`${at('other.png')}: first chunk = "tEXt": expected IHDR (damaged PNG)`);
  });
  it('a NIfTI of 3-component voxels counts every component against the budget (io.ts:139)', async () => {
    const { readImage } = await import('../src/pipeline/io.ts');
    const { writeImageNode } = await import('@itk-wasm/image-io');
    const { Image, ImageType, IntTypes, PixelTypes } = await import('itk-wasm');
    const rgb = new Image(new ImageType(3, IntTypes.UInt8, PixelTypes.RGB, 3));
    rgb.size = [2, 2, 2];
    rgb.spacing = [1, 1, 1];
    rgb.origin = [0, 0, 0];
    rgb.direction = Float64Array.from(identity);
    rgb.data = new Uint8Array(24);
    await writeImageNode(rgb, at('rgb.nii.gz'));
    const e = await rejection(readImage(at('rgb.nii.gz'), { sizeBudgetBytes: 23 }));
    expect(e.message, '8 voxels x 3 components x 1 byte').toBe(`${at('rgb.nii.gz')}: dim = [2 2 2]: 24 bytes of voxel data exceed the size budget of 23 bytes`);
  });
  it('a write that fails is one line naming the file; a PipelineError from inside passes through unchanged (io.ts:207-209)', async () => {
    const { writeImage } = await import('../src/pipeline/io.ts');
    const v: Volume = { data: new Uint8Array(8), size: [2, 2, 2], spacing: [1, 1, 1], origin: [0, 0, 0], direction: identity };
    // the folder cannot be made: a file stands where it should be
    fs.writeFileSync(at('plain-file'), 'x');
    const target = path.join(at('plain-file'), 'v.mha');
    const e = await rejection(writeImage(v, target));
    expect(e, 'an fs error is wrapped as a PipelineError').toBeInstanceOf(PipelineError);
    expect({ file: e.file, field: e.field }).toEqual({ file: target, field: 'file' });
    expect(e.message.startsWith(`${target}: could not write the image (E`), e.message).toBe(true);
    expect(e.message).toMatch(/mkdir '[^']+'\)$/);
    const inner = new PipelineError('inner: already a pipeline error', { file: 'inner', field: 'x' });
    itkFailure.write = inner;
    expect(await rejection(writeImage(v, at('w.mha'))), 'rethrown as it is').toBe(inner);
    itkFailure.write = new Error('disk full\ndetails');
    expect((await rejection(writeImage(v, at('w.mha')))).message).toBe(`${at('w.mha')}: could not write the image (disk full)`);
  });
});

describe('dataset.ts survivors', () => {
  function folder(name: string, files: string[]): string {
    const root = at(name);
    for (const sub of ['images', 'masks']) fs.mkdirSync(path.join(root, sub), { recursive: true });
    for (const f of files) {
      fs.writeFileSync(path.join(root, 'images', f), grey(8, 8, (i) => i));
      fs.writeFileSync(path.join(root, 'masks', f), grey(8, 8, () => 0));
    }
    return root;
  }
  it('pairs come in JavaScript\'s sort order, not the file system\'s (dataset.ts:89)', async () => {
    const { listSlicePairs } = await import('../src/pipeline/dataset.ts');
    // UTF-16 order puts U+1F600 (a surrogate pair, 0xD83D...) before U+FF41; byte (UTF-8) order, which libuv's
    // directory listing sorts by, puts U+FF41 (0xEF...) first
    const names = ['\u{FF41}_t2_slice1.png', '\u{1F600}_t2_slice1.png', 'b_t2_slice1.png'];
    const root = folder('order', names);
    expect(listSlicePairs(root).map((p) => p.name)).toEqual(['b_t2_slice1.png', '\u{1F600}_t2_slice1.png', '\u{FF41}_t2_slice1.png']);
  });
  it('an images folder with no images names the folder and the field (dataset.ts:91)', async () => {
    const { listSlicePairs } = await import('../src/pipeline/dataset.ts');
    const root = folder('none', []);
    fs.writeFileSync(path.join(root, 'images', '.hidden'), 'x');
    const e = thrown(() => listSlicePairs(root));
    expect({ message: e.message, file: e.file, field: e.field }).toEqual({ message: `${path.join(root, 'images')}: folder holds no images`, file: path.join(root, 'images'), field: 'folder' });
  });
  it('a patient with fewer slices than maxSlicesPerPatient keeps each slice once (dataset.ts:159)', async () => {
    const { loadSliceDataset } = await import('../src/pipeline/dataset.ts');
    const root = folder('limit', ['1_t2_slice1.png', '1_t2_slice2.png', '2_t2_slice1.png', '2_t2_slice2.png', '2_t2_slice3.png', '2_t2_slice4.png']);
    const files = loadSliceDataset(root, { maxSlicesPerPatient: 3, canvas: null }).map((s) => path.basename(s.file));
    // patient 1 (2 slices, under the limit): both once; patient 2 (4 slices): 3 picked at (i + 0.5) * 4 / 3
    expect(files).toEqual(['1_t2_slice1.png', '1_t2_slice2.png', '2_t2_slice1.png', '2_t2_slice3.png', '2_t2_slice4.png']);
  });
});

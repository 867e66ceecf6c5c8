// Exact-value tests of image reading and writing (src/pipeline/io.ts) on files the test writes, written against
// Stryker's survivors (docs/MUTATION.md): formats, the checks before itk-wasm, every voxel type, PNG rules.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { encode } from 'fast-png';
import { checkMetaImageFile, imageFormat, readImage, readLabels, writeImage, writeTextAtomic } from '../src/pipeline/io.ts';
import { PipelineError } from '../src/pipeline/errors.ts';
import type { Volume, VoxelArray } from '../src/pipeline/volume.ts';
import { rejection } from './helpers/thrown.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spineseg-io-mut-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const at = (name: string) => path.join(dir, name);

const header = (type: string, extra = '') => `ObjectType = Image\nNDims = 3\nDimSize = 2 3 4\nElementType = ${type}\n${extra}ElementDataFile = LOCAL\n`;
const mha = (name: string, head: string, data: Uint8Array) => {
  fs.writeFileSync(at(name), Buffer.concat([Buffer.from(head), Buffer.from(data)]));
  return at(name);
};
const volume = <T extends VoxelArray>(data: T, size: [number, number, number] = [2, 3, 4]): Volume<T> => ({ data, size, spacing: [0.5, 0.75, 3], origin: [1, -2, 3], direction: [0, 0, 1, 1, 0, 0, 0, -1, 0] });

describe('formats', () => {
  it('by extension, any case', () => {
    expect(['a.mha', 'A.MHA', 'b.nii', 'c.nii.gz', 'C.NII.GZ', 'd.png', 'e.PNG', 'f.jpg', 'g.gz', 'mha', 'x.mha.bak'].map(imageFormat)).toEqual(['mha', 'mha', 'nifti', 'nifti', 'nifti', 'png', 'png', undefined, undefined, undefined, undefined]);
  });
});

describe('checks before itk-wasm', () => {
  it('an unsupported extension, a missing path, a folder, an empty file', async () => {
    const ext = await rejection(readImage(at('x.jpg')));
    expect(ext.message).toBe(`${at('x.jpg')}: extension = ".jpg": unsupported image file; expected .mha, .nii, .nii.gz or .png`);
    const missing = await rejection(readImage(at('none.mha')));
    expect(missing.message).toBe(`${at('none.mha')}: file does not exist`);
    expect(missing.field).toBe('path');
    fs.mkdirSync(at('folder.mha'));
    expect((await rejection(readImage(at('folder.mha')))).message).toBe(`${at('folder.mha')}: is not a regular file`);
    fs.writeFileSync(at('empty.png'), '');
    const empty = await rejection(readImage(at('empty.png')));
    expect(empty.message).toBe(`${at('empty.png')}: file is empty (0 bytes)`);
    expect({ field: empty.field, value: empty.value }).toEqual({ field: 'size', value: 0 });
  });
  it('a PNG without its signature names the bytes it found', async () => {
    fs.writeFileSync(at('fake.png'), 'GIF89a-not-a-png');
    expect((await rejection(readImage(at('fake.png')))).message).toBe(`${at('fake.png')}: signature = "4749463839612d6e": not a PNG file`);
  });
  it('MetaImage: the header from the first 64 KiB, the budget, and compressed data that must inflate to the right size', async () => {
    const raw = mha('raw.mha', header('MET_UCHAR'), new Uint8Array(24));
    expect(checkMetaImageFile(raw).dataBytes).toBe(24);
    expect(() => checkMetaImageFile(raw, { sizeBudgetBytes: 23 })).toThrow('exceeds the size budget of 23 bytes');
    expect((await rejection(readImage(raw, { sizeBudgetBytes: 23 }))).message).toContain('24 bytes exceeds the size budget of 23 bytes');
    const deflated = zlib.deflateSync(Buffer.from(Uint8Array.from({ length: 24 }, (_, i) => i)));
    const good = mha('z.mha', header('MET_UCHAR', `CompressedData = True\nCompressedDataSize = ${deflated.length}\n`), deflated);
    expect(checkMetaImageFile(good).compressed).toBe(true);
    expect([...(await readImage(good)).data]).toEqual(Array.from({ length: 24 }, (_, i) => i));
    const short = zlib.deflateSync(Buffer.alloc(23));
    const s = mha('zshort.mha', header('MET_UCHAR', `CompressedData = True\nCompressedDataSize = ${short.length}\n`), short);
    expect(() => checkMetaImageFile(s)).toThrow(`${s}: CompressedData = "True": pixel data inflates to 23 bytes, DimSize and ElementType need 24`);
    const long = zlib.deflateSync(Buffer.alloc(25));
    const l = mha('zlong.mha', header('MET_UCHAR', `CompressedData = True\nCompressedDataSize = ${long.length}\n`), long);
    expect(() => checkMetaImageFile(l), 'inflating stops one byte past the need').toThrow(/pixel data (inflates to 25 bytes|does not inflate)/);
    const junk = mha('zjunk.mha', header('MET_UCHAR', 'CompressedData = True\nCompressedDataSize = 10\n'), Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    expect(() => checkMetaImageFile(junk)).toThrow(new RegExp(`^${junk.replace(/[.\\/-]/g, '\\$&')}: CompressedData = "True": pixel data does not inflate \\(.+\\): corrupt compressed data$`));
    // the stream is cut at CompressedDataSize: trailing bytes after it are not inflated
    const trailing = mha('ztrail.mha', header('MET_UCHAR', `CompressedData = True\nCompressedDataSize = ${deflated.length}\n`), Uint8Array.from([...deflated, 9, 9, 9]));
    expect(checkMetaImageFile(trailing).compressedDataSize).toBe(deflated.length);
    const bigHeader = mha('bighead.mha', `Comment = ${'x'.repeat(70 * 1024)}\n${header('MET_UCHAR')}`, new Uint8Array(24));
    expect(() => checkMetaImageFile(bigHeader), 'only the first 64 KiB are read').toThrow(`${bigHeader}: header ends before an ElementDataFile line`);
  });
});

describe('round trips', () => {
  const types: Array<[string, () => VoxelArray]> = [
    ['Uint8', () => Uint8Array.from({ length: 24 }, (_, i) => i * 10)],
    ['Int8', () => Int8Array.from({ length: 24 }, (_, i) => i - 12)],
    ['Int16', () => Int16Array.from({ length: 24 }, (_, i) => i * 1000 - 9000)],
    ['Uint16', () => Uint16Array.from({ length: 24 }, (_, i) => i * 2000)],
    ['Int32', () => Int32Array.from({ length: 24 }, (_, i) => i * 100000 - 7)],
    ['Uint32', () => Uint32Array.from({ length: 24 }, (_, i) => i * 100000000)],
    ['Float32', () => Float32Array.from({ length: 24 }, (_, i) => i / 3)],
    ['Float64', () => Float64Array.from({ length: 24 }, (_, i) => i / 7)],
  ];
  it('every voxel type through .mha keeps its type, values and geometry; compression on request', async () => {
    for (const [name, make] of types) {
      const v = volume(make());
      for (const compress of name === 'Int16' || name === 'Float64' ? [false, true] : [false]) {
        const file = at(`rt-${name}-${compress}.mha`);
        await writeImage(v, file, { compress });
        expect(fs.readFileSync(file, 'latin1').includes('CompressedData = True'), `${name} compressed ${compress}`).toBe(compress);
        const back = await readImage(file);
        expect(back.data.constructor.name, name).toBe(v.data.constructor.name);
        expect([...back.data], name).toEqual([...v.data]);
        expect({ size: back.size, spacing: back.spacing, origin: back.origin, direction: back.direction }, name).toEqual({ size: v.size, spacing: v.spacing, origin: v.origin, direction: v.direction });
      }
    }
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('.tmp-')), 'no temp files left').toEqual([]);
    expect(fs.readFileSync(at('rt-Int16-false.mha'), 'latin1').includes('CompressedData = False'), 'no compression by default is written as such').toBe(true);
    await writeImage(volume(Uint8Array.from({ length: 24 })), at('default.mha'));
    expect(fs.readFileSync(at('default.mha'), 'latin1').includes('CompressedData = True')).toBe(false);
  });
  it('.nii.gz round trip; its budget is checked from the header before the voxels', async () => {
    const v = volume(Int16Array.from({ length: 24 }, (_, i) => i));
    await writeImage(v, at('v.nii.gz'));
    expect([...(await readImage(at('v.nii.gz'))).data]).toEqual([...v.data]);
    expect((await readImage(at('v.nii.gz'), { sizeBudgetBytes: 48 })).size).toEqual([2, 3, 4]);
    expect((await rejection(readImage(at('v.nii.gz'), { sizeBudgetBytes: 47 }))).message).toBe(`${at('v.nii.gz')}: dim = [2 3 4]: 48 bytes of voxel data exceed the size budget of 47 bytes`);
    await writeImage(volume(Float64Array.from({ length: 24 })), at('f.nii.gz'));
    expect((await rejection(readImage(at('f.nii.gz'), { sizeBudgetBytes: 191 }))).message).toContain('192 bytes of voxel data exceed');
  });
  it('PNG: a 2-D 8-bit volume only; written and read back with size z = 1', async () => {
    const v = volume(Uint8Array.from({ length: 6 }, (_, i) => i * 40), [2, 3, 1]);
    await writeImage(v, at('s.png'));
    const back = await readImage(at('s.png'));
    expect({ size: back.size, data: [...back.data] }).toEqual({ size: [2, 3, 1], data: [0, 40, 80, 120, 160, 200] });
    expect((await rejection(writeImage(volume(Uint8Array.from({ length: 24 })), at('t.png')))).message).toBe(`${at('t.png')}: size = [2 3 4]: a .png must be a 2-D (z = 1) 8-bit image`);
    expect((await rejection(writeImage(volume(Uint16Array.from({ length: 6 }), [2, 3, 1]), at('u.png')))).message).toContain('a .png must be a 2-D (z = 1) 8-bit image');
    expect((await rejection(writeImage(v, at('x.tif')))).message).toBe(`${at('x.tif')}: extension = ".tif": cannot write; expected .mha, .nii.gz or .png`);
    expect((await rejection(writeImage(volume(new Uint8Array(23)), at('short.mha')))).message).toBe(`${at('short.mha')}: size = [2 3 4]: needs 24 voxels but the data holds 23`);
    expect((await rejection(writeImage(v, at('nofolder-file')))).message).toContain('cannot write');
  });
  it('an RGB PNG whose channels agree is grey; a colour one is refused naming the pixel', async () => {
    fs.writeFileSync(at('rgb.png'), encode({ width: 2, height: 1, channels: 3, depth: 8, data: Uint8Array.from([7, 7, 7, 9, 9, 9]) }));
    expect([...(await readImage(at('rgb.png'))).data]).toEqual([7, 9]);
    fs.writeFileSync(at('rgba.png'), encode({ width: 2, height: 1, channels: 4, depth: 8, data: Uint8Array.from([7, 7, 7, 255, 9, 9, 9, 0]) }));
    expect([...(await readImage(at('rgba.png'))).data]).toEqual([7, 9]);
    for (const [name, data] of [['c1.png', [7, 7, 7, 9, 8, 9]], ['c2.png', [7, 7, 7, 9, 9, 8]]] as const) {
      fs.writeFileSync(at(name), encode({ width: 2, height: 1, channels: 3, depth: 8, data: Uint8Array.from(data) }));
      expect((await rejection(readImage(at(name)))).message).toMatch(new RegExp(`: pixel = 1: colour \\w+ image \\(R, G, B differ\\); expected a grey image$`));
    }
    fs.writeFileSync(at('g16.png'), encode({ width: 2, height: 1, channels: 1, depth: 16, data: Uint16Array.from([1000, 2000]) }));
    expect([...(await readImage(at('g16.png'))).data], '16-bit grey passes unchanged').toEqual([1000, 2000]);
  });
  it('an image itk-wasm cannot read is one line naming it', async () => {
    fs.writeFileSync(at('bad.nii'), 'not a nifti file at all, just text that is long enough '.repeat(10));
    const e = await rejection(readImage(at('bad.nii')));
    expect(e.message).toMatch(new RegExp(`^${at('bad.nii').replace(/[.\\/-]/g, '\\$&')}: itk-wasm could not read the image \\(.+\\)$`));
    expect(e.field).toBe('file');
  });
});

describe('labels', () => {
  it('PNG masks read as grey levels, volumes as SPIDER codes, or as asked', async () => {
    await writeImage(volume(Uint8Array.from([0, 76, 150, 29, 0, 0]), [2, 3, 1]), at('m.png'));
    expect([...(await readLabels(at('m.png'))).data]).toEqual([0, 1, 2, 3, 0, 0]);
    expect([...(await readLabels(at('m.png'), { encoding: 'auto' })).data]).toEqual([0, 1, 2, 3, 0, 0]);
    await expect(readLabels(at('m.png'), { encoding: 'spider' })).rejects.toThrow('m.png: unknown label 76 at voxel 1');
    await writeImage(volume(Uint8Array.from([0, 1, 100, 201, 0, 0]), [2, 3, 1]), at('s.mha'));
    const spider = await readLabels(at('s.mha'));
    expect([...spider.data]).toEqual([0, 1, 2, 3, 0, 0]);
    expect(spider.spacing).toEqual([0.5, 0.75, 3]);
    await expect(readLabels(at('s.mha'), { encoding: 'grey' })).rejects.toThrow('unknown mask grey level 1 at voxel 1');
    expect([...(await readLabels(at('s.mha'), { encoding: 'grey', unknownLabels: 'background' })).data], 'codes 1, 100, 201 are no grey level').toEqual([0, 0, 0, 0, 0, 0]);
  });
  it('text written atomically', () => {
    writeTextAtomic(at('sub/t.txt'), 'hello');
    expect(fs.readFileSync(at('sub/t.txt'), 'utf8')).toBe('hello');
  });
});

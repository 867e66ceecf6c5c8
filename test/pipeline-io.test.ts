import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readImageNode } from '@itk-wasm/image-io';
import { readImage, readLabels, writeImage } from '../src/pipeline/io.ts';
import { directionFromTransformMatrix, parseMetaImageHeader } from '../src/pipeline/mha.ts';
import { PipelineError } from '../src/pipeline/errors.ts';
import type { Volume } from '../src/pipeline/volume.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spineseg-io-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function mhaBytes(header: string, data: ArrayBufferView): Buffer {
  return Buffer.concat([Buffer.from(header), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

const HEADER = (extra = '') => `ObjectType = Image
NDims = 3
BinaryData = True
BinaryDataByteOrderMSB = False
CompressedData = False
TransformMatrix = 0 1 0 0 0 1 1 0 0
Offset = 1.5 -2 3
ElementSpacing = 3.3 0.6 0.7
DimSize = 2 3 4
ElementType = MET_SHORT
${extra}ElementDataFile = LOCAL
`;

describe('MetaImage header', () => {
  it('parses a valid header and its data offset', () => {
    const bytes = mhaBytes(HEADER(), new Int16Array(24));
    const h = parseMetaImageHeader('a.mha', bytes);
    expect(h.dimSize).toEqual([2, 3, 4]);
    expect(h.elementType).toBe('MET_SHORT');
    expect(h.spacing).toEqual([3.3, 0.6, 0.7]);
    expect(h.origin).toEqual([1.5, -2, 3]);
    expect(h.dataOffset).toBe(HEADER().length);
    expect(h.dataBytes).toBe(48);
  });

  it('rejects a non-orthonormal TransformMatrix naming file, field and value', () => {
    const bytes = mhaBytes(HEADER().replace('TransformMatrix = 0 1 0 0 0 1 1 0 0', 'TransformMatrix = 1 1 0 0 1 0 0 0 1'), new Int16Array(24));
    expect(() => parseMetaImageHeader('skew.mha', bytes)).toThrow(/skew\.mha: TransformMatrix = "1 1 0 0 1 0 0 0 1": is not orthonormal/);
  });

  it('checks DimSize against the size budget before any allocation', () => {
    const bytes = mhaBytes(HEADER().replace('DimSize = 2 3 4', 'DimSize = 10000 10000 10000'), new Int16Array(24));
    expect(() => parseMetaImageHeader('huge.mha', bytes)).toThrow(/huge\.mha: DimSize = "10000 10000 10000": 1000000000000 voxels x 2 bytes/);
    expect(() => parseMetaImageHeader('small-budget.mha', mhaBytes(HEADER(), new Int16Array(24)), undefined, { sizeBudgetBytes: 40 })).toThrow(/exceeds the size budget of 40 bytes/);
  });
});

describe('readImage / writeImage', () => {
  it('MetaImage TransformMatrix is the transpose of the direction itk-wasm reports', async () => {
    const file = path.join(dir, 'transpose.mha');
    const data = new Int16Array(24).map((_, i) => i);
    fs.writeFileSync(file, mhaBytes(HEADER(), data));
    const itk = await readImageNode(file);
    const matrix = [0, 1, 0, 0, 0, 1, 1, 0, 0];
    // row i of TransformMatrix is the direction of array axis i; itk-wasm's row-major direction has it as column i
    expect(Array.from(itk.direction as Float64Array)).toEqual(directionFromTransformMatrix(matrix, 3));
    expect(Array.from(itk.direction as Float64Array)).not.toEqual(matrix);
    const vol = await readImage(file);
    expect(vol.direction).toEqual([0, 0, 1, 1, 0, 0, 0, 1, 0]);
    expect(vol.size).toEqual([2, 3, 4]);
    expect(Array.from(vol.data)).toEqual(Array.from(data));
  });

  for (const [ext, compress] of [['.mha', false], ['.mha', true], ['.nii.gz', false]] as const) {
    it(`round trip ${ext}${compress ? ' compressed' : ''} keeps data, origin, spacing and direction`, async () => {
      const c = Math.SQRT1_2;
      // a rotated, permuted frame: axis 0 -> (0, c, c), axis 1 -> (0, c, -c), axis 2 -> (-1, 0, 0)
      const direction = [0, 0, -1, c, c, 0, c, -c, 0];
      const vol: Volume<Int16Array> = { data: new Int16Array(5 * 6 * 7).map((_, i) => (i * 37) % 1000 - 300), size: [5, 6, 7], spacing: [0.6, 0.7, 3.3], origin: [-10.5, 20.25, 3], direction };
      const file = path.join(dir, `rt-${compress}${ext}`);
      await writeImage(vol, file, { compress });
      const back = await readImage(file);
      expect(back.size).toEqual(vol.size);
      expect(Array.from(back.data)).toEqual(Array.from(vol.data));
      back.spacing.forEach((s, i) => expect(s).toBeCloseTo(vol.spacing[i]!, 5));
      back.origin.forEach((s, i) => expect(s).toBeCloseTo(vol.origin[i]!, 4));
      back.direction.forEach((s, i) => expect(s).toBeCloseTo(direction[i]!, 5));
      expect(fs.readdirSync(dir).filter((f) => f.startsWith('.tmp-'))).toEqual([]);
      if (ext === '.mha') {
        const text = fs.readFileSync(file).subarray(0, 400).toString('latin1');
        expect(text).toContain(`CompressedData = ${compress ? 'True' : 'False'}`);
        const tm = /TransformMatrix = ([^\n]+)/.exec(text)![1]!.split(' ').map(Number);
        directionFromTransformMatrix(tm, 3).forEach((v, i) => expect(v).toBeCloseTo(direction[i]!, 5));
      }
    });
  }

  it('reads a PNG mask as classes and rejects an unknown grey level naming the file', async () => {
    const file = path.join(dir, 'mask.png');
    const grey = new Uint8Array([0, 76, 150, 29, 0, 76, 150, 29, 0, 0, 0, 0, 76, 76, 76, 76]);
    await writeImage({ data: grey, size: [4, 4, 1], spacing: [1, 1, 1], origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] }, file);
    const labels = await readLabels(file);
    expect(Array.from(labels.data.subarray(0, 4))).toEqual([0, 1, 2, 3]);
    const bad = path.join(dir, 'bad-mask.png');
    grey[5] = 77;
    await writeImage({ data: grey, size: [4, 4, 1], spacing: [1, 1, 1], origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] }, bad);
    await expect(readLabels(bad)).rejects.toThrow(/bad-mask\.png: unknown mask grey level 77 at voxel 5/);
  });

  it('reads an RGBA export of a grey PNG as scalar and rejects a colour PNG naming the file', async () => {
    const { encode } = await import('fast-png');
    const rgba = new Uint8Array(4 * 4 * 4);
    for (let i = 0; i < 16; i++) rgba.set([i * 10, i * 10, i * 10, 255], i * 4);
    const file = path.join(dir, 'rgba.png');
    fs.writeFileSync(file, encode({ width: 4, height: 4, data: rgba, channels: 4, depth: 8 }));
    const vol = await readImage(file);
    expect(vol.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(vol.data.subarray(0, 4))).toEqual([0, 10, 20, 30]);
    rgba[4 * 5 + 1] = 7;
    const colour = path.join(dir, 'colour.png');
    fs.writeFileSync(colour, encode({ width: 4, height: 4, data: rgba, channels: 4, depth: 8 }));
    await expect(readImage(colour)).rejects.toThrow(/colour\.png: pixel = 5: colour/);
  });

  it('turns an itk-wasm abort into a PipelineError naming the file', async () => {
    const file = path.join(dir, 'garbage.nii.gz');
    fs.writeFileSync(file, 'not a nifti file at all');
    const err = await readImage(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PipelineError);
    expect((err as Error).message).toContain('garbage.nii.gz: itk-wasm could not read the image');
  });
});

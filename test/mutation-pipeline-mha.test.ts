// Exact-value tests of the MetaImage header parser (src/pipeline/mha.ts), written against Stryker's survivors
// (docs/MUTATION.md): every field's rule, its edges and its error naming file, field and value.
import { describe, expect, it } from 'vitest';
import { DEFAULT_SIZE_BUDGET_BYTES, METAIMAGE_ELEMENT_BYTES, directionFromTransformMatrix, parseMetaImageHeader } from '../src/pipeline/mha.ts';
import { thrown } from './helpers/thrown.ts';

const enc = (s: string) => new TextEncoder().encode(s);
/** A header of `lines` (ElementDataFile last) followed by `data` bytes. */
function mha(lines: string[], data = 24, eol = '\n'): Uint8Array {
  const head = enc(lines.join(eol) + eol);
  const out = new Uint8Array(head.length + data);
  out.set(head);
  return out;
}
const base = ['ObjectType = Image', 'NDims = 3', 'DimSize = 2 3 4', 'ElementType = MET_UCHAR'];
const parse = (lines: string[], data = 24, options = {}) => parseMetaImageHeader('v.mha', mha([...lines, 'ElementDataFile = LOCAL'], data), undefined, options);
const message = (lines: string[], data = 24, options = {}) => thrown(() => parse(lines, data, options)).message;

describe('MetaImage header', () => {
  it('a minimal header: defaults for spacing, origin, matrix, byte order and compression', () => {
    const h = parse(base);
    expect({ ...h, fields: undefined }).toEqual({
      nDims: 3, dimSize: [2, 3, 4], elementType: 'MET_UCHAR', elementBytes: 1, spacing: [1, 1, 1], origin: [0, 0, 0], transformMatrix: [1, 0, 0, 0, 1, 0, 0, 0, 1],
      compressed: false, compressedDataSize: undefined, byteOrderMSB: false, dataOffset: mha([...base, 'ElementDataFile = LOCAL'], 0).length, dataBytes: 24, fields: undefined,
    });
    expect(h.fields.get('DimSize')).toBe('2 3 4');
    expect(parse(['NDims = 2', 'DimSize = 4 6', 'ElementType = MET_UCHAR']).transformMatrix).toEqual([1, 0, 0, 1]);
    expect(DEFAULT_SIZE_BUDGET_BYTES).toBe(512 * 2 ** 20);
    expect(METAIMAGE_ELEMENT_BYTES).toEqual({ MET_UCHAR: 1, MET_CHAR: 1, MET_SHORT: 2, MET_USHORT: 2, MET_INT: 4, MET_UINT: 4, MET_FLOAT: 4, MET_DOUBLE: 8 });
  });
  it('CRLF line ends, tabs, blank lines and padding around keys and values; the data starts after the ElementDataFile line', () => {
    const bytes = mha(['', '  NDims\t=\t3  ', 'DimSize = 2 3 4', '', 'ElementType=MET_SHORT', 'ElementDataFile = LOCAL'], 48, '\r\n');
    const h = parseMetaImageHeader('v.mha', bytes);
    expect([h.nDims, h.elementBytes, h.dataBytes, h.dataOffset]).toEqual([3, 2, 48, bytes.length - 48]);
    // a line after ElementDataFile is pixel data, not header
    const after = enc('NDims = 2\nDimSize = 2 1\nElementType = MET_UCHAR\nElementDataFile = LOCAL\n\u0001\u0002');
    expect(parseMetaImageHeader('v.mha', after).dataOffset).toBe(after.length - 2);
  });
  it('every element type and its size; the budget counts voxels x bytes', () => {
    for (const [t, b] of Object.entries(METAIMAGE_ELEMENT_BYTES)) expect(parse(['NDims = 3', 'DimSize = 2 3 4', `ElementType = ${t}`], 24 * b).elementBytes, t).toBe(b);
    expect(message(['NDims = 3', 'DimSize = 2 3 4', 'ElementType = MET_LONG'])).toBe('v.mha: ElementType = "MET_LONG": unsupported; expected one of MET_UCHAR, MET_CHAR, MET_SHORT, MET_USHORT, MET_INT, MET_UINT, MET_FLOAT, MET_DOUBLE');
    expect(message(['NDims = 3', 'DimSize = 2 3 4', 'ElementType = toString']), 'an Object key is not a type').toContain('ElementType = "toString": unsupported');
    expect(parse(['NDims = 3', 'DimSize = 2 3 4', 'ElementType = MET_SHORT'], 48, { sizeBudgetBytes: 48 }).dataBytes, 'exactly the budget').toBe(48);
    expect(message(['NDims = 3', 'DimSize = 2 3 4', 'ElementType = MET_SHORT'], 48, { sizeBudgetBytes: 47 })).toBe('v.mha: DimSize = "2 3 4": 24 voxels x 2 bytes = 48 bytes exceeds the size budget of 47 bytes');
    expect(message(['NDims = 3', 'DimSize = 2048 2048 129', 'ElementType = MET_FLOAT'])).toBe(`v.mha: DimSize = "2048 2048 129": ${2048 * 2048 * 129} voxels x 4 bytes = ${2048 * 2048 * 129 * 4} bytes exceeds the size budget of ${512 * 2 ** 20} bytes`);
  });
  it('ObjectType, NDims and DimSize', () => {
    expect(parse(['ObjectType = image', ...base.slice(1)]).nDims).toBe(3);
    expect(message(['ObjectType = Mesh', ...base.slice(1)])).toBe('v.mha: ObjectType = "Mesh": only Image is supported');
    const missing = thrown(() => parse(['DimSize = 2 3 4', 'ElementType = MET_UCHAR']));
    expect(missing.message).toBe('v.mha: NDims is missing');
    expect({ file: missing.file, field: missing.field }).toEqual({ file: 'v.mha', field: 'NDims' });
    for (const n of ['1', '4', '2.5', 'x']) expect(message([`NDims = ${n}`, 'DimSize = 2 3 4', 'ElementType = MET_UCHAR']), n).toBe(`v.mha: NDims = "${n}": must be 2 or 3`);
    expect(thrown(() => parse(['NDims = 3', 'ElementType = MET_UCHAR'])).field).toBe('DimSize');
    expect(message(['NDims = 3', 'ElementType = MET_UCHAR'])).toBe('v.mha: DimSize is missing');
    expect(message(['NDims = 3', 'DimSize = 2 3', 'ElementType = MET_UCHAR'])).toBe('v.mha: DimSize = "2 3": expected 3 numbers, found 2');
    expect(message(['NDims = 3', 'DimSize = 2 3 4 5', 'ElementType = MET_UCHAR'])).toBe('v.mha: DimSize = "2 3 4 5": expected 3 numbers, found 4');
    expect(message(['NDims = 3', 'DimSize = 2 x 4', 'ElementType = MET_UCHAR'])).toBe('v.mha: DimSize = "2 x 4": element 1 ("x") is not a finite number');
    expect(message(['NDims = 3', 'DimSize = 2 3 Infinity', 'ElementType = MET_UCHAR'])).toBe('v.mha: DimSize = "2 3 Infinity": element 2 ("Infinity") is not a finite number');
    expect(message(['NDims = 3', 'DimSize = 2 0 4', 'ElementType = MET_UCHAR'])).toBe('v.mha: DimSize = "2 0 4": dimension 1 (0) is not a positive integer');
    expect(message(['NDims = 3', 'DimSize = 2.5 1 4', 'ElementType = MET_UCHAR'])).toBe('v.mha: DimSize = "2.5 1 4": dimension 0 (2.5) is not a positive integer');
    expect(parse(['NDims = 3', 'DimSize = 1 1 1', 'ElementType = MET_UCHAR'], 1).dimSize).toEqual([1, 1, 1]);
    expect(message(['NDims = 3', 'DimSize = 2 3 4'])).toBe('v.mha: ElementType is missing');
  });
  it('channels, spacing (or ElementSize), origin (Offset, Origin or Position)', () => {
    expect(parse([...base, 'ElementNumberOfChannels = 1']).nDims).toBe(3);
    expect(message([...base, 'ElementNumberOfChannels = 3'])).toBe('v.mha: ElementNumberOfChannels = "3": only scalar (1-channel) images are supported');
    expect(parse([...base, 'ElementSpacing = 0.5 0.6 3']).spacing).toEqual([0.5, 0.6, 3]);
    expect(parse([...base, 'ElementSize = 0.7 0.8 2']).spacing).toEqual([0.7, 0.8, 2]);
    expect(parse([...base, 'ElementSpacing = 1 2 3', 'ElementSize = 4 5 6']).spacing, 'ElementSpacing first').toEqual([1, 2, 3]);
    expect(message([...base, 'ElementSpacing = 1 0 3'])).toBe('v.mha: ElementSpacing = "1 0 3": spacing 1 (0) must be positive');
    expect(message([...base, 'ElementSpacing = -1 1 3'])).toBe('v.mha: ElementSpacing = "-1 1 3": spacing 0 (-1) must be positive');
    expect(message([...base, 'ElementSpacing = 1 1'])).toBe('v.mha: ElementSpacing = "1 1": expected 3 numbers, found 2');
    expect(parse([...base, 'Offset = 1 2 3']).origin).toEqual([1, 2, 3]);
    expect(parse([...base, 'Origin = -1 -2 -3']).origin).toEqual([-1, -2, -3]);
    expect(parse([...base, 'Position = 4 5 6']).origin).toEqual([4, 5, 6]);
    expect(parse([...base, 'Position = 4 5 6', 'Offset = 1 2 3']).origin, 'Offset first').toEqual([1, 2, 3]);
    expect(message([...base, 'Origin = 1 2'])).toBe('v.mha: Origin = "1 2": expected 3 numbers, found 2');
  });
  it('TransformMatrix (or Rotation, Orientation), checked orthonormal within the tolerance', () => {
    expect(parse([...base, 'TransformMatrix = 0 1 0 0 0 -1 -1 0 0']).transformMatrix).toEqual([0, 1, 0, 0, 0, -1, -1, 0, 0]);
    expect(parse([...base, 'Rotation = 0 1 0 1 0 0 0 0 1']).transformMatrix).toEqual([0, 1, 0, 1, 0, 0, 0, 0, 1]);
    expect(parse([...base, 'Orientation = 1 0 0 0 0 1 0 1 0']).transformMatrix).toEqual([1, 0, 0, 0, 0, 1, 0, 1, 0]);
    expect(parse([...base, 'Orientation = 1 0 0 0 0 1 0 1 0', 'TransformMatrix = 0 1 0 1 0 0 0 0 1']).transformMatrix, 'TransformMatrix first').toEqual([0, 1, 0, 1, 0, 0, 0, 0, 1]);
    expect(message([...base, 'TransformMatrix = 1 0 0 0 1 0 0 0'])).toBe('v.mha: TransformMatrix = "1 0 0 0 1 0 0 0": expected 9 numbers, found 8');
    expect(message([...base, 'TransformMatrix = 2 0 0 0 1 0 0 0 1'])).toBe('v.mha: TransformMatrix = "2 0 0 0 1 0 0 0 1": is not orthonormal: row 0 . row 0 = 4.0000, expected 1');
    expect(message([...base, 'TransformMatrix = 1 0 0 1 0 0 0 0 1'])).toBe('v.mha: TransformMatrix = "1 0 0 1 0 0 0 0 1": is not orthonormal: row 0 . row 1 = 1.0000, expected 0');
    expect(message([...base, 'Rotation = 1 0 0 0 1 0 0 0.7071 0.7071'])).toBe('v.mha: Rotation = "1 0 0 0 1 0 0 0.7071 0.7071": is not orthonormal: row 1 . row 2 = 0.7071, expected 0');
    expect(message([...base, 'TransformMatrix = 1 0 0 0 1 0 0 0 0.5'])).toBe('v.mha: TransformMatrix = "1 0 0 0 1 0 0 0 0.5": is not orthonormal: row 2 . row 2 = 0.2500, expected 1');
    expect(parse([...base, 'TransformMatrix = 1 0 0 0 1 0 0 0 1.0004']).transformMatrix[8], 'within 1e-3').toBe(1.0004);
    expect(message([...base, 'TransformMatrix = 1 0 0 0 1 0 0 0 1.0006'])).toContain('row 2 . row 2 = 1.0012, expected 1');
    expect(parse([...base, 'TransformMatrix = 1 0 0 0 1 0 0 0 1.01'], 24, { orthonormalTolerance: 0.05 }).transformMatrix[8]).toBe(1.01);
    expect(message(['NDims = 2', 'DimSize = 4 6', 'ElementType = MET_UCHAR', 'TransformMatrix = 1 1 0 1'], 24)).toBe('v.mha: TransformMatrix = "1 1 0 1": is not orthonormal: row 0 . row 0 = 2.0000, expected 1');
  });
  it('booleans: compression, byte order, binary data', () => {
    for (const [t, v] of [['True', true], ['true', true], ['1', true], ['False', false], ['0', false], [' FALSE ', false]] as const) expect(parse([...base, `BinaryDataByteOrderMSB = ${t}`]).byteOrderMSB, t).toBe(v);
    expect(parse([...base, 'ElementByteOrderMSB = True']).byteOrderMSB).toBe(true);
    expect(parse([...base, 'BinaryDataByteOrderMSB = False', 'ElementByteOrderMSB = True']).byteOrderMSB, 'BinaryDataByteOrderMSB first').toBe(false);
    expect(message([...base, 'BinaryDataByteOrderMSB = yes'])).toBe('v.mha: BinaryDataByteOrderMSB = "yes": expected True or False');
    expect(message([...base, 'ElementByteOrderMSB = 2'])).toBe('v.mha: ElementByteOrderMSB = "2": expected True or False');
    expect(parse([...base, 'BinaryData = True']).nDims).toBe(3);
    expect(message([...base, 'BinaryData = False'])).toBe('v.mha: BinaryData = "False": ASCII pixel data is not supported');
    expect(parse([...base, 'CompressedData = False']).compressed).toBe(false);
    expect(message([...base, 'CompressedData = maybe'])).toBe('v.mha: CompressedData = "maybe": expected True or False');
  });
  it('compressed data: its size is needed, positive, and within the file; uncompressed data must fill the file exactly', () => {
    const c = parse([...base, 'CompressedData = True', 'CompressedDataSize = 10'], 10);
    expect([c.compressed, c.compressedDataSize, c.dataBytes]).toEqual([true, 10, 24]);
    expect(parse([...base, 'CompressedData = True', 'CompressedDataSize = 10'], 12).compressedDataSize, 'trailing bytes are fine').toBe(10);
    const missing = thrown(() => parse([...base, 'CompressedData = True'], 10));
    expect(missing.message).toBe('v.mha: CompressedData = True but CompressedDataSize is missing');
    expect(missing.field).toBe('CompressedDataSize');
    for (const s of ['0', '-3', '2.5', 'x']) expect(message([...base, 'CompressedData = True', `CompressedDataSize = ${s}`], 10), s).toBe(`v.mha: CompressedDataSize = "${s}": must be a positive integer`);
    expect(parse([...base, 'CompressedData = True', 'CompressedDataSize = 1'], 1).compressedDataSize).toBe(1);
    expect(message([...base, 'CompressedData = True', 'CompressedDataSize = 11'], 10)).toBe('v.mha: CompressedDataSize = "11": but only 10 bytes follow the header (truncated file)');
    expect(message(base, 23)).toBe('v.mha: DimSize = "2 3 4": with MET_UCHAR needs 24 bytes of pixel data but 23 bytes follow the header (truncated file)');
    expect(message(base, 25)).toBe('v.mha: DimSize = "2 3 4": with MET_UCHAR needs 24 bytes of pixel data but 25 bytes follow the header (trailing bytes)');
    // only the header read so far: the file size on disk decides
    const head = mha([...base, 'ElementDataFile = LOCAL'], 0);
    expect(parseMetaImageHeader('v.mha', head, head.length + 24).dataBytes).toBe(24);
    expect(() => parseMetaImageHeader('v.mha', head, head.length + 23)).toThrow('23 bytes follow the header (truncated file)');
  });
  it('ElementDataFile: LOCAL only; the header must reach it', () => {
    const other = thrown(() => parseMetaImageHeader('v.mha', mha([...base, 'ElementDataFile = v.raw'])));
    expect(other.message).toBe('v.mha: ElementDataFile = "v.raw": only LOCAL (pixel data inside the .mha) is supported');
    const cut = thrown(() => parseMetaImageHeader('v.mha', enc('NDims = 3\nDimSize = 2 3 4')));
    expect(cut.message).toBe('v.mha: header ends before an ElementDataFile line (truncated file or not a MetaImage)');
    expect({ file: cut.file, field: cut.field }).toEqual({ file: 'v.mha', field: 'ElementDataFile' });
    expect(thrown(() => parseMetaImageHeader('v.mha', enc(''))).message, 'empty file').toBe('v.mha: no ElementDataFile field within the first 0 bytes (missing field or not a MetaImage)');
    const long = enc(`${'Comment = x\n'.repeat(6000)}NDims = 3\n`);
    const none = thrown(() => parseMetaImageHeader('v.mha', long));
    expect(none.message).toBe('v.mha: no ElementDataFile field within the first 65536 bytes (missing field or not a MetaImage)');
    expect(none.field).toBe('ElementDataFile');
    const short = enc('NDims = 3\nComment = x\n');
    expect(thrown(() => parseMetaImageHeader('v.mha', short)).message).toBe(`v.mha: no ElementDataFile field within the first ${short.length} bytes (missing field or not a MetaImage)`);
  });
  it('binary bytes or a line without "=" in the header: not a MetaImage', () => {
    const bin = thrown(() => parseMetaImageHeader('v.mha', Uint8Array.from([...enc('NDims = 3\nDim'), 0x89, ...enc('Size = 1\n')])));
    expect(bin.message).toBe('v.mha: header line at byte 10 holds binary byte 0x89: not a MetaImage file');
    expect({ field: bin.field, value: bin.value }).toEqual({ field: 'header', value: 0x89 });
    expect(thrown(() => parseMetaImageHeader('v.mha', Uint8Array.from([0x41, 0x1f, 0x0a]))).message).toBe('v.mha: header line at byte 0 holds binary byte 0x1f: not a MetaImage file');
    expect(thrown(() => parseMetaImageHeader('v.mha', Uint8Array.from([0x41, 0x7f, 0x0a]))).message).toBe('v.mha: header line at byte 0 holds binary byte 0x7f: not a MetaImage file');
    expect(thrown(() => parseMetaImageHeader('v.mha', Uint8Array.from([...enc('A = ~ '), 0x20, 0x0a, ...enc('B\n')]))).message).toBe('v.mha: header = "B": line is not "Key = Value": not a MetaImage file');
    expect(() => parseMetaImageHeader('v.mha', mha([...base, 'Comment =\tkeep ~ tabs', 'ElementDataFile = LOCAL']))).not.toThrow();
  });
  it('a header line with nothing before "=" is refused, naming the line (it was accepted as an empty key)', () => {
    const e = thrown(() => parseMetaImageHeader('v.mha', enc('NDims = 3\n = 5\nElementDataFile = LOCAL\n')));
    expect(e.message).toBe('v.mha: header = "= 5": line has no key before "=": not a MetaImage file');
    expect({ field: e.field, value: e.value }).toEqual({ field: 'header', value: '= 5' });
  });
  it('directionFromTransformMatrix transposes', () => {
    expect(directionFromTransformMatrix([1, 2, 3, 4, 5, 6, 7, 8, 9], 3)).toEqual([1, 4, 7, 2, 5, 8, 3, 6, 9]);
    expect(directionFromTransformMatrix([0, 1, -1, 0], 2)).toEqual([0, -1, 1, 0]);
  });
});

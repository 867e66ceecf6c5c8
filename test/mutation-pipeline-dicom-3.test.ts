// Mutation tests of src/pipeline/dicom.ts, third pass (docs/MUTATION.md): what the sixth pass's Stryker run over lines
// 1-200 left alive. The SOP-class patterns are anchored at both ends; the implicit-VR sniffing counts the length's
// top byte as 2^24; string values are trimmed and multi-valued ones give their first value; an empty numeric value
// falls back to the default; a transfer syntax padded with a space (not the NUL the standard asks for) is still read.
// Data sets are encoded here with dcmjs, as in test/mutation-pipeline-dicom-2.test.ts. Nothing runs at collection.
import { describe, expect, it } from 'vitest';
import { EXPLICIT_LE, encodeDicom, mrSliceDataset } from './helpers/dicom-series.ts';

const load = () => import('../src/pipeline/dicom.ts');
const SERIES = '1.2.3.4.5';

const dataset = (over: Record<string, unknown> = {}) => mrSliceDataset(over);

describe('dicom.ts, third pass', () => {
  it('a non-image SOP class is named only when its UID starts with the pattern', async () => {
    const { parseDicom, groupSeries, describeSeries } = await load();
    const noImage = (sop: string) => dataset({ SOPClassUID: sop, Rows: undefined, PixelData: undefined, _vrMap: {} });
    for (const [root, kind] of [
      ['1.2.840.10008.5.1.4.1.1.11.1', 'presentation state'],
      ['1.2.840.10008.5.1.4.1.1.66.4', 'segmentation'],
      ['1.2.840.10008.5.1.4.1.1.481.3', 'RT object'],
      ['1.2.840.10008.5.1.4.1.1.104.1', 'encapsulated document'],
    ] as const) {
      const line = (sop: string) => describeSeries(groupSeries([parseDicom('n.dcm', encodeDicom(noImage(sop)))])[0]!);
      expect(line(root)).toBe(`series 5  ${SERIES}  "T2 AX"  MR  no images (1 ${kind})`);
      // the same digits inside another root are not that kind
      expect(line(`9.${root}`)).toBe(`series 5  ${SERIES}  "T2 AX"  MR  no images (1 non-image object 9.${root})`);
    }
  });

  it("sniffDicom: the length's top byte counts 2^24", async () => {
    const { sniffDicom } = await load();
    // (0008,0005), implicit VR, length 2^24 + 2: a file of exactly 8 + 2^24 + 2 bytes holds it
    const bytes = new Uint8Array(8 + 2 ** 24 + 2);
    bytes.set([0x08, 0x00, 0x05, 0x00, 0x02, 0x00, 0x00, 0x01]);
    expect(sniffDicom(bytes)).toBe('implicit');
    expect(sniffDicom(bytes.subarray(0, bytes.length - 2))).toBe(null);
  });

  it('string values: the first of several, none of an empty list, trimmed', async () => {
    const { parseDicom } = await load();
    const read = (over: Record<string, unknown>) => parseDicom('s.dcm', encodeDicom(dataset(over)));
    expect(read({ SeriesDescription: ['T2', 'AX'] }).seriesDescription).toBe('T2');
    expect(read({ SeriesDescription: [] }).seriesDescription).toBe('');
    expect(read({ SeriesDescription: ' T2 AX ' }).seriesDescription).toBe('T2 AX');
    expect(read({ Modality: ['MR', 'OT'] }).modality).toBe('MR');
  });

  it('an empty numeric value takes the default', async () => {
    const { parseDicom } = await load();
    const o = parseDicom('s.dcm', encodeDicom(dataset({ RescaleSlope: '', RescaleIntercept: '' })));
    expect([o.image!.slope, o.image!.intercept]).toEqual([1, 0]);
  });

  it('a transfer syntax UID padded with a space is read as the syntax', async () => {
    const { parseDicom } = await load();
    const bytes = encodeDicom(dataset());
    // EXPLICIT_LE has 19 characters: the writer pads it to 20 with a NUL; a space there is a common non-conformance
    const uid = new TextEncoder().encode(EXPLICIT_LE);
    const at = bytes.findIndex((_, i) => uid.every((v, k) => bytes[i + k] === v));
    expect(at).toBeGreaterThan(132);
    expect(bytes[at + uid.length]).toBe(0);
    bytes[at + uid.length] = 0x20;
    const o = parseDicom('s.dcm', bytes);
    expect(o.transferSyntax).toBe(EXPLICIT_LE);
    expect(o.image!.rows).toBe(2);
  });

  it('the pixel data header is looked for byte by byte: an element after the pixel data is not read as one', async () => {
    const { parseDicom } = await load();
    const bytes = encodeDicom(dataset());
    // a trailing (FFFC,FFFC) OB element whose value starts where a PixelData header would sit 12 bytes before the
    // last 12 (the pixel value's length): the header bytes E0 7F 10 00, then a length of 0x7FFF0000
    const trailing = (content: number[]) => {
      const el = new Uint8Array(12 + content.length);
      el.set([0xfc, 0xff, 0xfc, 0xff, 0x4f, 0x42, 0, 0]);
      new DataView(el.buffer).setUint32(8, content.length, true);
      el.set(content, 12);
      const out = new Uint8Array(bytes.length + el.length);
      out.set(bytes);
      out.set(el, bytes.length);
      return out;
    };
    const header = [0xe0, 0x7f, 0x10, 0x00, 1, 2, 3, 4, 0, 0, 0xff, 0x7f, ...new Array(12).fill(0)];
    // with all four bytes there, it is taken for a header and its length exceeds the file
    expect(() => parseDicom('t.dcm', trailing(header))).toThrow(/PixelData = "2147418112 bytes declared": the file ends after 12 of them/);
    // one byte off, at any of the four, and it is not a header: the file reads
    for (const k of [0, 1, 2, 3]) {
      const c = header.slice();
      c[k] ^= 0x01;
      expect(parseDicom('t.dcm', trailing(c)).image!.rows, `byte ${k}`).toBe(2);
    }
    // the header's last byte is checked at its own place: here the byte 3 before the tag (in RescaleSlope's "12.5") is not 0
    const cut = encodeDicom(dataset({ RescaleSlope: 12.5 }));
    expect(() => parseDicom('c.dcm', cut.slice(0, cut.length - 2))).toThrow(/^c\.dcm: PixelData = "12 bytes declared": the file ends after 10 of them: a truncated file$/);
  });

  it('a bare data set cut inside an element is a damaged file', async () => {
    const { parseDicom } = await load();
    const bare = encodeDicom(dataset(), EXPLICIT_LE, true);
    for (const n of [40, 100]) expect(() => parseDicom('b', bare.slice(0, n)), `${n} bytes`).toThrow(/^b: the DICOM data set does not parse \(.+\): a truncated or damaged file$/);
  });
});

describe('dicom.ts lines 201-439, third pass', () => {
  const read = async (over: Record<string, unknown>, options = {}) => {
    const { parseDicom } = await load();
    return parseDicom('f.dcm', encodeDicom(dataset(over)), options);
  };
  const series = async (zs: number[]) => {
    const { parseDicom, groupSeries } = await load();
    return groupSeries(zs.map((z, k) => parseDicom(`s${k}.dcm`, encodeDicom(dataset({ SOPInstanceUID: `1.2.3.9.${k}`, ImagePositionPatient: [0, 0, z] })))))[0]!;
  };

  it('the memory budget counts every frame before the frame count is refused', async () => {
    // 2 frames of 2x3: 48 bytes of float32 exceed 47, so the budget speaks first
    await expect(read({ NumberOfFrames: 2 }, { sizeBudgetBytes: 47 })).rejects.toThrow('f.dcm: Rows x Columns x NumberOfFrames = "2x3x2": 48 bytes of float32 voxels exceed the memory budget of 47 bytes');
    await expect(read({ NumberOfFrames: 2 }, { sizeBudgetBytes: 48 })).rejects.toThrow(/NumberOfFrames = 2: multi-frame/);
  });

  it('one stored bit is a valid BitsStored', async () => {
    expect((await read({ BitsStored: 1, HighBit: 0, PixelRepresentation: 0 })).image!.bitsStored).toBe(1);
  });

  it('unit row and column directions that are not perpendicular are refused', async () => {
    await expect(read({ ImageOrientationPatient: [1, 0, 0, 0.6, 0.8, 0] })).rejects.toThrow('f.dcm: ImageOrientationPatient = [1 0 0 0.6 0.8 0]: row and column directions must be orthonormal');
  });

  it('a missing slice is named where it is, also when a later step is smaller', async () => {
    const { seriesGeometry } = await load();
    const s = await series([0, 10, 13, 16, 19]);
    const s2 = await series([0, 1, 4, 5, 6]);
    expect(() => seriesGeometry(s)).toThrow('s1.dcm: ImagePositionPatient = [0 0 10]: a missing slice: 10.00 mm from the previous slice at (0, 0, 0) (s0.dcm), more than 1.5x the median spacing 3.00 mm');
    // the median is of the sorted steps (1, 1, 1, 3), not the middle of the steps in slice order (1, 3, 1, 1)
    expect(() => seriesGeometry(s2)).toThrow('s2.dcm: ImagePositionPatient = [0 0 4]: a missing slice: 3.00 mm from the previous slice at (0, 0, 1) (s1.dcm), more than 1.5x the median spacing 1.00 mm');
  });
});

/** `bytes` with the first occurrence of `from` (ASCII) replaced by `to`, of the same length. */
function patch(bytes: Uint8Array, from: string, to: string): Uint8Array {
  const f = new TextEncoder().encode(from);
  const at = bytes.findIndex((_, i) => f.every((v, k) => bytes[i + k] === v));
  if (at < 0 || to.length !== from.length) throw new Error(`patch: "${from}" not found`);
  const out = bytes.slice();
  out.set(new TextEncoder().encode(to), at);
  return out;
}

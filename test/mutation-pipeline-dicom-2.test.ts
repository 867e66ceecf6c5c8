// Mutation tests of src/pipeline/dicom.ts (docs/MUTATION.md), in process: single data sets encoded here with one
// fault each and read by parseDicom (the exact message), the content sniffing at its byte bounds, pixel decoding at
// 8, 16 and 32 bits (signed, BitsStored below BitsAllocated, rescale), grouping, geometry refusals, the series
// listing and the choice. test/dicom-bad-input.test.ts runs such files through the CLI in a child process, which
// Stryker cannot see. Nothing runs at collection.
import { describe, expect, it } from 'vitest';
import dcmjs from 'dcmjs';
import { thrown } from './helpers/thrown.ts';
import { EXPLICIT_LE, MR_IMAGE_STORAGE, encodeDicom, mrSliceDataset } from './helpers/dicom-series.ts';

const load = () => import('../src/pipeline/dicom.ts');
const SERIES = '1.2.3.4.5';

/** A valid 3-column x 2-row 16-bit signed MR slice at position z along +z (axial: row +x, column +y). */
const dataset = (over: Record<string, unknown> = {}, z = 0) => mrSliceDataset(over, z);
const encode = (over: Record<string, unknown> = {}, z = 0, syntax = EXPLICIT_LE, bare = false) => encodeDicom(dataset(over, z), syntax, bare);
async function parsed(over: Record<string, unknown> = {}, z = 0, options = {}) {
  const { parseDicom } = await load();
  return parseDicom(`s${z}.dcm`, encode(over, z), options);
}
async function refusal(over: Record<string, unknown>, options = {}): Promise<string> {
  const { parseDicom } = await load();
  const bytes = encode(over);
  return thrown(() => parseDicom('f.dcm', bytes, options)).message;
}
async function series(slices: Array<Record<string, unknown> & { z?: number }>) {
  const { parseDicom, groupSeries } = await load();
  return groupSeries(slices.map(({ z = 0, ...over }, k) => parseDicom(`s${k}.dcm`, encode({ SOPInstanceUID: `1.2.3.9.${k}`, ...over }, z))));
}

describe('sniffDicom', () => {
  it('part 10 by the DICM magic at 128; a bare implicit-VR data set from group 0008; else null', async () => {
    const { sniffDicom } = await load();
    const part10 = new Uint8Array(132);
    part10.set([0x44, 0x49, 0x43, 0x4d], 128);
    expect(sniffDicom(part10)).toBe('part10');
    for (const k of [128, 129, 130, 131]) {
      const bad = part10.slice();
      bad[k] = 0x20;
      expect(sniffDicom(bad)).toBe(null);
    }
    expect(sniffDicom(part10.slice(0, 131))).toBe(null);
    // (0008,0005) implicit VR, length 2, value "IS"... : 8 + 2 bytes
    const bare = Uint8Array.from([0x08, 0x00, 0x05, 0x00, 0x02, 0x00, 0x00, 0x00, 0x31, 0x20]);
    expect(sniffDicom(bare)).toBe('implicit');
    expect(sniffDicom(bare.slice(0, 9))).toBe(null); // the value does not fit
    expect(sniffDicom(Uint8Array.from([0x08, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00]))).toBe('implicit'); // length 0, 8 bytes
    expect(sniffDicom(Uint8Array.from([0x08, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00]))).toBe(null); // under 8 bytes
    expect(sniffDicom(Uint8Array.from([0x08, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00, 0x31, 0x20]))).toBe(null); // odd length
    expect(sniffDicom(Uint8Array.from([0x10, 0x00, 0x05, 0x00, 0x02, 0x00, 0x00, 0x00, 0x31, 0x20]))).toBe(null); // group 0010
    expect(sniffDicom(Uint8Array.from([0x08, 0x08, 0x05, 0x00, 0x02, 0x00, 0x00, 0x00, 0x31, 0x20]))).toBe(null); // group 0808
    // explicit VR: capital letters at bytes 4-5 (a VR); byte 4 is also the low byte of the length, which must be even
    for (const [a, b, want] of [[0x42, 0x53, null], [0x40, 0x53, 'implicit'], [0x5a, 0x53, null], [0x5c, 0x53, 'implicit'], [0x42, 0x41, null], [0x42, 0x40, 'implicit'], [0x42, 0x5a, null], [0x42, 0x5b, 'implicit']] as const) {
      const bytes = new Uint8Array(8 + 0x5c5c);
      bytes.set([0x08, 0x00, 0x05, 0x00, a, b, 0x00, 0x00]);
      expect(sniffDicom(bytes), `${a.toString(16)} ${b.toString(16)}`).toBe(want);
    }
    // the length's upper bytes count (2^16, 2^24); it must fit the file
    const long = new Uint8Array(200);
    long.set([0x08, 0x00, 0x05, 0x00, 0x02, 0x00, 0x01, 0x00]);
    expect(sniffDicom(long)).toBe(null);
    long.set([0x02, 0x00, 0x00, 0x01], 4);
    expect(sniffDicom(long)).toBe(null);
    long.set([0x02, 0x01, 0x00, 0x00], 4);
    expect(sniffDicom(long)).toBe(null); // 258 + 8 > 200
    long.set([0xc0, 0x00, 0x00, 0x00], 4);
    expect(sniffDicom(long)).toBe('implicit'); // 192 + 8 = 200
    long.set([0xc2, 0x00, 0x00, 0x00], 4);
    expect(sniffDicom(long)).toBe(null); // 194 + 8 = 202
  });
});

describe('parseDicom', () => {
  it('reads the identity and image attributes of a slice, part 10 or bare', async () => {
    const { parseDicom } = await load();
    const o = await parsed();
    expect({ ...o, dataset: undefined, image: { ...o.image, pixelData: Array.from(o.image!.pixelData) } }).toEqual({
      file: 's0.dcm', sopClassUID: MR_IMAGE_STORAGE, sopInstanceUID: '1.2.3.9.1', seriesUID: SERIES, seriesNumber: '5', seriesDescription: 'T2 AX',
      modality: 'MR', transferSyntax: EXPLICIT_LE, dataset: undefined,
      image: {
        rows: 2, columns: 3, frames: 1, bitsAllocated: 16, bitsStored: 16, signed: true, slope: 1, intercept: 0, pixelSpacing: [0.5, 0.25],
        position: [0, 0, 0], orientation: [1, 0, 0, 0, 1, 0], frameOfReferenceUID: '1.2.3.7', pixelData: [1, 0, 254, 255, 3, 0, 144, 1, 12, 254, 255, 127],
      },
    });
    expect(o.dataset.PatientID).toBe('P1');
    const bare = parseDicom('b', encode({}, 0, EXPLICIT_LE, true));
    expect([bare.transferSyntax, bare.seriesUID, bare.image?.rows]).toEqual(['1.2.840.10008.1.2', SERIES, 2]);
    // trailing bytes after the pixel data are not voxels
    const long = await parsed({ PixelData: Int16Array.from([1, 2, 3, 4, 5, 6, 7, 8]).buffer });
    expect(long.image!.pixelData.length).toBe(12);
    const unsigned = await parsed({ PixelRepresentation: 0, RescaleSlope: 2, RescaleIntercept: -3, BitsStored: 12 });
    expect([unsigned.image!.signed, unsigned.image!.slope, unsigned.image!.intercept, unsigned.image!.bitsStored]).toEqual([false, 2, -3, 12]);
  });

  it('a segmentation, or an object without Rows or PixelData, is listed without image attributes', async () => {
    expect((await parsed({ SOPClassUID: '1.2.840.10008.5.1.4.1.1.66.4' })).image).toBeUndefined();
    expect((await parsed({ Rows: undefined })).image).toBeUndefined();
    expect((await parsed({ PixelData: undefined, _vrMap: {} })).image).toBeUndefined();
  });

  it('refuses what it cannot read, naming the file, the field and the value', async () => {
    const { parseDicom } = await load();
    expect(thrown(() => parseDicom('x.bin', new Uint8Array(10))).message).toBe('x.bin: not a DICOM file (no DICM preamble, not an implicit-VR dataset)');
    expect(thrown(() => parseDicom('x.bin', new Uint8Array(10)))).toMatchObject({ file: 'x.bin', field: 'preamble' });
    const cut = encode().slice(0, 200);
    const damaged = thrown(() => parseDicom('cut.dcm', cut));
    expect(damaged.message).toMatch(/^cut\.dcm: the DICOM data set does not parse \([^\n)]+\): a truncated or damaged file$/);
    expect(damaged).toMatchObject({ file: 'cut.dcm', field: 'file' });
    expect(await refusal({ SeriesInstanceUID: undefined })).toBe('f.dcm: SeriesInstanceUID = "": missing: the file cannot be put in a series');
    expect(thrown(() => parseDicom('j.dcm', encode({}, 0, '1.2.840.10008.1.2.4.50'))).message).toBe(
      'j.dcm: TransferSyntaxUID = "1.2.840.10008.1.2.4.50": JPEG Baseline (Process 1) is not supported; this reader takes Implicit VR Little Endian, Explicit VR Little Endian, Deflated Explicit VR Little Endian (decompress first, e.g. gdcmconv --raw or dcmdjpeg)',
    );
    expect(thrown(() => parseDicom('j.dcm', encode({}, 0, '1.2.840.10008.1.2.4.201'))).message).toMatch(/= "1\.2\.840\.10008\.1\.2\.4\.201": High-Throughput JPEG 2000 \(Lossless Only\) is not supported;/);
    expect(thrown(() => parseDicom('j.dcm', encode({}, 0, '1.2.3.4'))).message).toMatch(/^j\.dcm: TransferSyntaxUID = "1\.2\.3\.4": unknown is not supported;/);
    // every compressed or big-endian syntax is refused by its PS3.6 name, so the user knows what to convert
    const named: Array<[string, string]> = [
      ['1.2.840.10008.1.2.2', 'Explicit VR Big Endian'],
      ['1.2.840.10008.1.2.4.50', 'JPEG Baseline (Process 1)'],
      ['1.2.840.10008.1.2.4.51', 'JPEG Extended (Process 2 & 4)'],
      ['1.2.840.10008.1.2.4.57', 'JPEG Lossless, Non-Hierarchical (Process 14)'],
      ['1.2.840.10008.1.2.4.70', 'JPEG Lossless, Non-Hierarchical, First-Order Prediction'],
      ['1.2.840.10008.1.2.4.80', 'JPEG-LS Lossless'],
      ['1.2.840.10008.1.2.4.81', 'JPEG-LS Near-Lossless'],
      ['1.2.840.10008.1.2.4.90', 'JPEG 2000 Image Compression (Lossless Only)'],
      ['1.2.840.10008.1.2.4.91', 'JPEG 2000 Image Compression'],
      ['1.2.840.10008.1.2.4.201', 'High-Throughput JPEG 2000 (Lossless Only)'],
      ['1.2.840.10008.1.2.4.203', 'High-Throughput JPEG 2000'],
      ['1.2.840.10008.1.2.5', 'RLE Lossless'],
    ];
    for (const [uid, name] of named) expect(thrown(() => parseDicom('j.dcm', encode({}, 0, uid))).message, uid).toContain(`j.dcm: TransferSyntaxUID = "${uid}": ${name} is not supported; this reader takes Implicit VR Little Endian, Explicit VR Little Endian, Deflated Explicit VR Little Endian (`);
    const cases: Array<[Record<string, unknown>, string, object?]> = [
      [{ Rows: 0 }, 'Rows = 0: must be a positive integer'],
      [{ Columns: 0 }, 'Columns = 0: must be a positive integer'],
      [{ NumberOfFrames: 0 }, 'NumberOfFrames = 0: must be a positive integer'],
      [{ NumberOfFrames: 2 }, 'NumberOfFrames = 2: multi-frame (enhanced) images are not read by this version; export the series as single-frame images'],
      [{ SamplesPerPixel: 3 }, 'SamplesPerPixel = 3: only grey (1 sample per pixel) images are read'],
      [{ BitsAllocated: 12 }, 'BitsAllocated = 12: must be 8, 16 or 32'],
      [{ BitsAllocated: undefined }, 'BitsAllocated = 0: must be 8, 16 or 32'],
      [{ BitsStored: 17 }, 'BitsStored = 17: must be 1-16'],
      [{ BitsStored: 0 }, 'BitsStored = 0: must be 1-16'],
      [{ PhotometricInterpretation: 'MONOCHROME1' }, 'PhotometricInterpretation = "MONOCHROME1": only MONOCHROME2 images are read'],
      [{ PixelData: new Int16Array(5).buffer }, 'PixelData = "10 bytes": shorter than Rows x Columns x frames x 2 = 2x3x1x2 = 12 bytes'],
      [{ PixelSpacing: [0, 1] }, 'PixelSpacing = [0 1]: must be positive'],
      [{ PixelSpacing: [1, -1] }, 'PixelSpacing = [1 -1]: must be positive'],
      [{ PixelSpacing: [1] }, 'PixelSpacing = "1": expected 2 finite numbers'],
      [{ PixelSpacing: undefined }, 'PixelSpacing = "missing": expected 2 finite numbers'],
      [{ ImageOrientationPatient: [1, 0, 0, 0.1, 1, 0] }, 'ImageOrientationPatient = [1 0 0 0.1 1 0]: row and column directions must be orthonormal'],
      [{ ImageOrientationPatient: [1.01, 0, 0, 0, 1, 0] }, 'ImageOrientationPatient = [1.01 0 0 0 1 0]: row and column directions must be orthonormal'],
      [{ ImageOrientationPatient: [1, 0, 0, 0, 0.99, 0] }, 'ImageOrientationPatient = [1 0 0 0 0.99 0]: row and column directions must be orthonormal'],
      [{ ImageOrientationPatient: [1, 0, 0, 0, 1] }, 'ImageOrientationPatient = [1 0 0 0 1]: expected 6 finite numbers'],
      [{ ImagePositionPatient: [0, 0] }, 'ImagePositionPatient = [0 0]: expected 3 finite numbers'],
    ];
    for (const [over, message, fields] of cases) expect(await refusal(over), message).toBe(`f.dcm: ${message}`);
    const e = thrown(() => parseDicom('f.dcm', encode({ Rows: 0 })));
    expect(e).toMatchObject({ file: 'f.dcm', field: 'Rows', value: 0 });
    // the budget: rows x columns x 4 bytes of float32
    expect(await refusal({}, { sizeBudgetBytes: 23 })).toBe('f.dcm: Rows x Columns x NumberOfFrames = "2x3x1": 24 bytes of float32 voxels exceed the memory budget of 23 bytes');
    expect((await parsed({}, 0, { sizeBudgetBytes: 24 })).image!.rows).toBe(2);
  });

  it('orthonormality within 1e-3', async () => {
    expect((await parsed({ ImageOrientationPatient: [0.6, 0.8, 0, -0.8, 0.6, 0] })).image!.orientation).toEqual([0.6, 0.8, 0, -0.8, 0.6, 0]);
    expect((await parsed({ ImageOrientationPatient: [1.0009, 0, 0, 0, 1, 0.0009] })).image!.rows).toBe(2);
  });

  it('a pixel data element that declares more bytes than the file holds is a truncated file', async () => {
    const { parseDicom } = await load();
    const bytes = encode();
    // the last 12 bytes are the pixel data; cut 2 of them
    const e = thrown(() => parseDicom('t.dcm', bytes.slice(0, bytes.length - 2)));
    expect(e.message).toBe('t.dcm: PixelData = "12 bytes declared": the file ends after 10 of them: a truncated file');
    expect(e).toMatchObject({ file: 't.dcm', field: 'PixelData' });
    // a bare implicit-VR data set: the element header is 8 bytes (tag, length)
    const bare = encode({}, 0, EXPLICIT_LE, true);
    expect(thrown(() => parseDicom('b', bare.slice(0, bare.length - 4))).message).toBe('b: PixelData = "12 bytes declared": the file ends after 8 of them: a truncated file');
    // cut inside an odd number of bytes: still named
    expect(thrown(() => parseDicom('t.dcm', bytes.slice(0, bytes.length - 1))).message).toMatch(/^t\.dcm: (PixelData = "12 bytes declared": the file ends after 11 of them|the DICOM data set does not parse)/);
  });
});

describe('series', () => {
  it('groupSeries: by UID, sorted by number (none as 0) then UID; description from the first that has one', async () => {
    const { parseDicom, groupSeries } = await load();
    const obj = (uid: string, number: string, k: number, over: Record<string, unknown> = {}) =>
      parseDicom(`f${k}`, encode({ SeriesInstanceUID: uid, SeriesNumber: number, SOPInstanceUID: `1.2.3.9.${k}`, ...over }, k));
    const all = groupSeries([
      obj('1.9', '10', 0), obj('1.2', '2', 1, { SeriesDescription: '', Modality: 'CT' }), obj('1.8', '', 2), obj('1.2', '2', 3, { SeriesDescription: 'second' }),
      obj('1.3', '2', 4, { Rows: undefined }), obj('1.1', '', 5),
    ]);
    expect(all.map((s) => [s.uid, s.number, s.description, s.modality, s.objects.map((o) => o.file), s.isImage])).toEqual([
      ['1.1', '', 'T2 AX', 'MR', ['f5'], true],
      ['1.8', '', 'T2 AX', 'MR', ['f2'], true],
      ['1.2', '2', 'second', 'CT', ['f1', 'f3'], true],
      ['1.3', '2', 'T2 AX', 'MR', ['f4'], false],
      ['1.9', '10', 'T2 AX', 'MR', ['f0'], true],
    ]);
    expect(groupSeries([obj('1.5', '1', 0, { SeriesDescription: '' })])[0]!.description).toBe('');
    expect(groupSeries([obj('1.5', '1', 0, { Rows: undefined }), obj('1.5', '1', 1)])[0]!.isImage).toBe(true);
  });

  it('seriesGeometry: sorted along the normal, mean step, ITK direction, plane; one slice takes the thickness', async () => {
    const { seriesGeometry } = await load();
    const [s] = await series([{ z: 6 }, { z: 0 }, { z: 3 }, { z: 9.5 }]);
    const g = seriesGeometry(s!);
    expect(g.slices.map((o) => o.file)).toEqual(['s1.dcm', 's2.dcm', 's0.dcm', 's3.dcm']);
    expect(g.size).toEqual([3, 2, 4]);
    expect(g.spacing).toEqual([0.25, 0.5, 9.5 / 3]);
    expect(g.origin).toEqual([0, 0, 0]);
    expect(g.direction).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(g.plane).toBe('axial');
    const one = (over: Record<string, unknown>) => series([{ z: 2, ...over }]).then(([x]) => seriesGeometry(x!).spacing[2]);
    expect(await one({})).toBe(3);
    expect(await one({ SpacingBetweenSlices: 4 })).toBe(4);
    expect(await one({ SliceThickness: undefined })).toBe(1);
    expect(await one({ SliceThickness: 0 })).toBe(1);
    expect(await one({ SliceThickness: -2 })).toBe(1);
    // sagittal (row +y, column -z: normal -x) and coronal, and the oblique plane's message
    const [sag] = await series([{ ImageOrientationPatient: [0, 1, 0, 0, 0, -1], ImagePositionPatient: [5, 0, 0] }, { ImageOrientationPatient: [0, 1, 0, 0, 0, -1], ImagePositionPatient: [2, 0, 0] }]);
    const gs = seriesGeometry(sag!);
    expect([gs.plane, gs.origin, gs.direction, gs.spacing[2]]).toEqual(['sagittal', [5, 0, 0], [0, 0, -1, 1, 0, 0, 0, -1, 0], 3]);
    const [cor] = await series([{ ImageOrientationPatient: [1, 0, 0, 0, 0, -1] }]);
    expect(seriesGeometry(cor!).plane).toBe('coronal');
    const [obl] = await series([{ ImageOrientationPatient: [0.8, 0.6, 0, -0.6, 0.8, 0] }]);
    expect(seriesGeometry(obl!).plane).toBe('axial');
    const [tilt] = await series([{ ImageOrientationPatient: [1, 0, 0, 0, 0.8, 0.6] }]);
    expect(seriesGeometry(tilt!).plane).toBe('oblique (nearest axial, 37°)');
    // oblique beyond 10 degrees off the nearest axis: acos(0.99) = 8.1, acos(0.98) = 11.5 degrees
    const [eight] = await series([{ ImageOrientationPatient: [1, 0, 0, 0, 0.99, 0.14106736] }]);
    expect(seriesGeometry(eight!).plane).toBe('axial');
    const [eleven] = await series([{ ImageOrientationPatient: [1, 0, 0, 0, 0.98, 0.19899749] }]);
    expect(seriesGeometry(eleven!).plane).toBe('oblique (nearest axial, 11°)');
  });
});

describe('geometry refusals', () => {
  it('mixed sizes, orientations or spacings, duplicate and missing slices, a series without images', async () => {
    const { seriesGeometry } = await load();
    const fail = async (slices: Array<Record<string, unknown> & { z?: number }>) => {
      const [s] = await series(slices);
      return thrown(() => seriesGeometry(s!));
    };
    expect((await fail([{ z: 0 }, { z: 3, Rows: 3, PixelData: new Int16Array(9).buffer }])).message).toBe('s1.dcm: Rows x Columns = "3x3": differs from 2x3 in s0.dcm of the same series');
    expect((await fail([{ z: 0 }, { z: 3, Columns: 2, PixelData: new Int16Array(4).buffer }])).message).toBe('s1.dcm: Rows x Columns = "2x2": differs from 2x3 in s0.dcm of the same series');
    expect((await fail([{ z: 0 }, { z: 3, ImageOrientationPatient: [1, 0, 0, 0, 0.6, 0.8] }])).message).toBe('s1.dcm: ImageOrientationPatient = [1 0 0 0 0.6 0.8]: differs from [1 0 0 0 1 0] in s0.dcm of the same series');
    expect((await fail([{ z: 0 }, { z: 3, PixelSpacing: [0.5, 0.2502] }])).message).toBe('s1.dcm: PixelSpacing = [0.5 0.2502]: differs from [0.5 0.25] in s0.dcm of the same series');
    expect((await fail([{ z: 0 }, { z: 3, PixelSpacing: [0.5002, 0.25] }])).message).toBe('s1.dcm: PixelSpacing = [0.5002 0.25]: differs from [0.5 0.25] in s0.dcm of the same series');
    const dup = await fail([{ z: 0 }, { z: 3 }, { z: 3.0005 }]);
    expect(dup.message).toBe('s2.dcm: ImagePositionPatient = [0 0 3.0005]: the same slice position as s1.dcm: duplicate slices in one series');
    expect(dup).toMatchObject({ file: 's2.dcm', field: 'ImagePositionPatient' });
    const gap = await fail([{ z: 0 }, { z: 2 }, { z: 4 }, { z: 7.1 }]);
    expect(gap.message).toBe('s3.dcm: ImagePositionPatient = [0 0 7.1]: a missing slice: 3.10 mm from the previous slice at (0, 0, 4) (s2.dcm), more than 1.5x the median spacing 2.00 mm');
    // 1.5 x the median exactly is accepted; the median of an even count is the lower middle step
    const [ok] = await series([{ z: 0 }, { z: 2 }, { z: 4 }, { z: 7 }]);
    expect(seriesGeometry(ok!).spacing[2]).toBe(7 / 3);
    const [lower] = await series([{ z: 0 }, { z: 2 }, { z: 5 }]);
    expect(seriesGeometry(lower!).spacing[2]).toBe(2.5);
    expect((await fail([{ z: 0 }, { z: 2 }, { z: 5.5 }])).message).toMatch(/3\.50 mm from the previous slice at \(0, 0, 2\) \(s1\.dcm\), more than 1\.5x the median spacing 2\.00 mm$/);
    // tolerances: 1e-4 in orientation and spacing
    const [near] = await series([{ z: 0 }, { z: 3, PixelSpacing: [0.50005, 0.25005], ImageOrientationPatient: [1, 0, 0, 0, 1, 0.00005] }]);
    expect(seriesGeometry(near!).size).toEqual([3, 2, 2]);
    const [none] = await series([{ Rows: undefined }]);
    const empty = thrown(() => seriesGeometry(none!));
    expect(empty.message).toBe(`series 5 (${SERIES}): holds no images`);
    expect(empty).toMatchObject({ field: 'series', value: SERIES });
    // non-image objects in an image series are left out
    const [mixed] = await series([{ z: 0 }, { z: 9, Rows: undefined }, { z: 3 }]);
    expect(seriesGeometry(mixed!).slices.map((o) => o.file)).toEqual(['s0.dcm', 's2.dcm']);
  });
});

describe('listing and choice', () => {
  const SR = '1.2.840.10008.5.1.4.1.1.88.22';
  const noImage = (sop: string, k = 0) => ({ SOPClassUID: sop, Rows: undefined, PixelData: undefined, _vrMap: {}, SOPInstanceUID: `1.2.3.8.${k}` });

  it('describeSeries: one line for an image series, a non-image series (by kind) and an unusable one', async () => {
    const { describeSeries } = await load();
    const [img] = await series([{ z: 0 }, { z: 3 }]);
    expect(describeSeries(img!)).toBe(`series 5  ${SERIES}  "T2 AX"  MR  axial  2x3x2  spacing 0.25 x 0.5 x 3 mm`);
    const [odd] = await series([{ z: 0, PixelSpacing: [0.3333333, 1], SeriesNumber: undefined, Modality: undefined }]);
    expect(describeSeries(odd!)).toBe(`series -  ${SERIES}  "T2 AX"  -  axial  2x3x1  spacing 1 x 0.333 x 3 mm`);
    const kinds = [
      [SR, 'structured report'], ['1.2.840.10008.5.1.4.1.1.11.1', 'presentation state'], ['1.2.840.10008.5.1.4.1.1.66.4', 'segmentation'],
      ['1.2.840.10008.5.1.4.1.1.481.3', 'RT object'], ['1.2.840.10008.5.1.4.1.1.104.1', 'encapsulated document'], ['1.2.840.10008.5.1.4.1.1.66.41', 'non-image object 1.2.840.10008.5.1.4.1.1.66.41'],
      ['9.1.2.840.10008.5.1.4.1.1.88.22', 'non-image object 9.1.2.840.10008.5.1.4.1.1.88.22'],
    ];
    for (const [sop, kind] of kinds) {
      const [s] = await series([noImage(sop!)]);
      expect(describeSeries(s!)).toBe(`series 5  ${SERIES}  "T2 AX"  MR  no images (1 ${kind})`);
    }
    const [two] = await series([noImage(SR, 1), noImage(SR, 2), noImage('1.2.840.10008.5.1.4.1.1.11.1', 3)]);
    expect(describeSeries(two!)).toBe(`series 5  ${SERIES}  "T2 AX"  MR  no images (3 structured report, presentation state)`);
    const [bad] = await series([{ z: 0 }, { z: 0 }]);
    expect(describeSeries(bad!)).toBe(`series 5  ${SERIES}  "T2 AX"  MR  2 files, unusable: s1.dcm: ImagePositionPatient = [0 0 0]: the same slice position as s0.dcm: duplicate slices in one series`);
  });

  it('chooseSeries: the only MR series, --series by number or UID, the refusals with the listing', async () => {
    const { chooseSeries } = await load();
    const make = (uid: string, number: string, modality = 'MR', k = 0) => ({ SeriesInstanceUID: uid, SeriesNumber: number, Modality: modality, SOPInstanceUID: `1.2.3.7.${k}` });
    const all = await series([make('1.1', '1', 'MR', 1), make('1.2', '2', 'CT', 2), { ...make('1.3', '3', 'MR', 3), ...noImage(SR, 3) }]);
    expect(chooseSeries(all, 'in').uid).toBe('1.1');
    expect(chooseSeries(all, 'in', { series: '1.2', allowModality: true }).uid).toBe('1.2');
    expect(chooseSeries(all, 'in', { series: '2', allowModality: true }).uid).toBe('1.2');
    const notMr = thrown(() => chooseSeries(all, 'in', { series: '2' }));
    expect(notMr.message).toBe('s1.dcm: Modality = "CT": series 2 is not MR; the model was trained on MRI (pass --allow-modality to segment it anyway)');
    expect(notMr).toMatchObject({ file: 's1.dcm', field: 'Modality' });
    const none = thrown(() => chooseSeries(all, 'in', { series: '3' }));
    expect(none.message).toBe(`in: --series 3 matches no image series; the series are:\n  series 1  1.1  "T2 AX"  MR  axial  2x3x1  spacing 0.25 x 0.5 x 3 mm\n  series 2  1.2  "T2 AX"  CT  axial  2x3x1  spacing 0.25 x 0.5 x 3 mm\n  series 3  1.3  "T2 AX"  MR  no images (1 structured report)`);
    expect(none).toMatchObject({ file: 'in', field: 'series', value: '3' });
    const twice = await series([make('1.1', '4', 'MR', 1), make('1.2', '4', 'MR', 2)]);
    const ambiguous = thrown(() => chooseSeries(twice, 'in', { series: '4' }));
    expect(ambiguous.message).toBe(`in: --series 4 matches 2 series; give the SeriesInstanceUID:\n  series 4  1.1  "T2 AX"  MR  axial  2x3x1  spacing 0.25 x 0.5 x 3 mm\n  series 4  1.2  "T2 AX"  MR  axial  2x3x1  spacing 0.25 x 0.5 x 3 mm`);
    expect(ambiguous).toMatchObject({ file: 'in', field: 'series', value: '4' });
    expect(thrown(() => chooseSeries(twice, 'in')).message).toMatch(/^in: 2 image series; choose one with --series NUMBER\|UID:\n {2}series 4 {2}1\.1 .*\n {2}series 4 {2}1\.2 /);
    const three = await series([make('1.1', '1', 'MR', 1), make('1.2', '2', 'MR', 2), make('1.3', '3', 'CT', 3)]);
    expect(thrown(() => chooseSeries(three, 'in')).message).toMatch(/^in: 2 image series; choose one/);
    const cts = await series([make('1.1', '1', 'CT', 1), make('1.2', '2', 'CT', 2)]);
    expect(thrown(() => chooseSeries(cts, 'in')).message).toMatch(/^in: 2 image series; choose one/);
    expect(thrown(() => chooseSeries(cts, 'in'))).toMatchObject({ file: 'in', field: 'series' });
    const ct = await series([make('1.2', '2', 'CT', 2)]);
    expect(thrown(() => chooseSeries(ct, 'in')).message).toMatch(/^s0\.dcm: Modality = "CT": series 2 is not MR/);
    expect(chooseSeries(ct, 'in', { allowModality: true }).uid).toBe('1.2');
    const reports = await series([{ ...make('1.5', '1'), ...noImage(SR, 1) }, { ...make('1.5', '1'), ...noImage(SR, 2) }, { ...make('1.6', '2'), ...noImage('1.2.840.10008.5.1.4.1.1.11.1', 3) }]);
    const empty = thrown(() => chooseSeries(reports, 'dir'));
    expect(empty.message).toBe('dir: no DICOM image series, only 3 non-image objects (structured report, presentation state)');
    expect(empty).toMatchObject({ file: 'dir', field: 'series' });
  });
});

describe('seriesToVolume', () => {
  const one = async (over: Record<string, unknown>, options = {}) => {
    const { seriesToVolume } = await load();
    const [s] = await series([over]);
    return seriesToVolume(s!, options);
  };
  it('decodes 8, 16 and 32 bits, signed (sign-extended from BitsStored) or not (bits above it dropped), then rescales', async () => {
    const bits = (allocated: number, stored: number, signed: number, data: ArrayBufferView, extra: Record<string, unknown> = {}) =>
      one({ BitsAllocated: allocated, BitsStored: stored, HighBit: stored - 1, PixelRepresentation: signed, PixelData: data.buffer, _vrMap: { PixelData: allocated === 8 ? 'OB' : 'OW' }, ...extra }).then((r) => Array.from(r.volume.data));
    expect(await bits(8, 8, 0, Uint8Array.from([0, 1, 127, 128, 200, 255]))).toEqual([0, 1, 127, 128, 200, 255]);
    expect(await bits(8, 8, 1, Uint8Array.from([0, 1, 127, 128, 200, 255]))).toEqual([0, 1, 127, -128, -56, -1]);
    expect(await bits(8, 6, 0, Uint8Array.from([0, 1, 63, 64, 200, 255]))).toEqual([0, 1, 63, 0, 8, 63]);
    expect(await bits(16, 12, 1, Uint16Array.from([0x0fff, 0x0800, 0x07ff, 0xf001, 0, 5]))).toEqual([-1, -2048, 2047, 1, 0, 5]);
    expect(await bits(16, 12, 0, Uint16Array.from([0x0fff, 0x0800, 0x07ff, 0xf001, 0, 5]))).toEqual([4095, 2048, 2047, 1, 0, 5]);
    expect(await bits(16, 16, 0, Uint16Array.from([65535, 32768, 1, 0, 2, 3]))).toEqual([65535, 32768, 1, 0, 2, 3]);
    expect(await bits(32, 32, 0, Uint32Array.from([4000000000, 0xffffff00, 1, 0, 2, 3]))).toEqual([4000000000, 0xffffff00, 1, 0, 2, 3]);
    expect(await bits(32, 32, 1, Uint32Array.from([0xffffffff, 0x80000000, 1, 0, 2, 3]))).toEqual([-1, -2147483648, 1, 0, 2, 3]);
    expect(await bits(32, 24, 0, Uint32Array.from([0xff000001, 0x00ffffff, 1, 0, 2, 3]))).toEqual([1, 0xffffff, 1, 0, 2, 3]);
    expect(await bits(32, 24, 1, Uint32Array.from([0x00ffffff, 0x00800000, 1, 0, 2, 3]))).toEqual([-1, -8388608, 1, 0, 2, 3]);
    expect(await bits(16, 16, 1, Int16Array.from([1, -2, 3, 400, -500, 32767]), { RescaleSlope: 0.5, RescaleIntercept: -100 })).toEqual([-99.5, -101, -98.5, 100, -350, 16283.5]);
  });

  it('the volume takes the geometry; the source names the study, frame of reference and study attributes present', async () => {
    const { seriesToVolume } = await load();
    const [s] = await series([{ z: 3, PixelData: Int16Array.from([7, 8, 9, 10, 11, 12]).buffer }, { z: 0 }]);
    const { volume, source } = seriesToVolume(s!);
    expect(Array.from(volume.data)).toEqual([1, -2, 3, 400, -500, 32767, 7, 8, 9, 10, 11, 12]);
    expect(volume).toMatchObject({ size: [3, 2, 2], spacing: [0.25, 0.5, 3], origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] });
    expect(source.series).toBe(s);
    expect(source.geometry.slices.map((o) => o.file)).toEqual(['s1.dcm', 's0.dcm']);
    expect(source.studyUID).toBe('1.2.3.1');
    expect(source.frameOfReferenceUID).toBe('1.2.3.7');
    expect(Object.keys(source.study)).toEqual(['PatientName', 'PatientID', 'StudyInstanceUID']);
    expect(source.study.PatientID).toBe('P1');
    expect(source.study.StudyInstanceUID).toBe('1.2.3.1');
  });

  it('refuses a series whose float32 voxels exceed the budget', async () => {
    const { seriesToVolume } = await load();
    const [s] = await series([{ z: 0 }, { z: 3 }]);
    const e = thrown(() => seriesToVolume(s!, { sizeBudgetBytes: 47 }));
    expect(e.message).toBe('s0.dcm: Rows x Columns x slices = "2x3x2": 48 bytes of float32 voxels exceed the memory budget of 47 bytes');
    expect(seriesToVolume(s!, { sizeBudgetBytes: 48 }).volume.data.length).toBe(12);
  });
});

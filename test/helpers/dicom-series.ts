// Test-only DICOM writer (dcmjs): a Volume written as a series of single-frame MR images, one file per slice along
// array axis 2, with the volume's exact geometry (ImageOrientationPatient from direction columns 0 and 1,
// ImagePositionPatient = origin + k * spacing[2] * direction column 2). File names and InstanceNumbers are
// shuffled so a reader that sorts by either gets the order wrong.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import dcmjs from 'dcmjs';
import type { Volume } from '../../src/pipeline/volume.ts';
import { indexToPhysical } from '../../src/pipeline/volume.ts';
import { readImage } from '../../src/pipeline/io.ts';

const { DicomDict, DicomMetaDictionary } = dcmjs.data;
dcmjs.log.setLevel('silent');

/** A DS value within its 16 characters (10 significant digits), as a scanner writes it. */
export function decimalString(v: number): number {
  return Number(v.toPrecision(10));
}
export const MR_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.4';
export const EXPLICIT_LE = '1.2.840.10008.1.2.1';

/**
 * A valid 3-column x 2-row 16-bit signed MR slice of series 1.2.3.4.5 at position z along +z (axial: row +x,
 * column +y), as a naturalized data set for encodeDicom; `over` replaces or (with undefined) removes attributes.
 */
export function mrSliceDataset(over: Record<string, unknown> = {}, z = 0): Record<string, unknown> {
  return {
    SOPClassUID: MR_IMAGE_STORAGE,
    SOPInstanceUID: `1.2.3.9.${z * 10 + 1}`,
    StudyInstanceUID: '1.2.3.1',
    SeriesInstanceUID: '1.2.3.4.5',
    FrameOfReferenceUID: '1.2.3.7',
    PatientName: 'Phantom^Test',
    PatientID: 'P1',
    Modality: 'MR',
    SeriesNumber: '5',
    SeriesDescription: 'T2 AX',
    ImagePositionPatient: [0, 0, z],
    ImageOrientationPatient: [1, 0, 0, 0, 1, 0],
    PixelSpacing: [0.5, 0.25],
    SliceThickness: 3,
    Rows: 2,
    Columns: 3,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    BitsAllocated: 16,
    BitsStored: 16,
    HighBit: 15,
    PixelRepresentation: 1,
    PixelData: Int16Array.from([1, -2, 3, 400, -500, 32767]).buffer,
    _vrMap: { PixelData: 'OW' },
    ...over,
  };
}

export interface SeriesWriteOptions {
  /** stored value = (value - intercept) / slope; values must come out as integers */
  rescale?: { slope: number; intercept: number };
  modality?: string;
  seriesNumber?: number;
  seriesDescription?: string;
  studyUID?: string;
  seriesUID?: string;
  frameOfReferenceUID?: string;
  /** the TransferSyntaxUID written in the file meta (the data stays explicit VR little endian unless implicit) */
  transferSyntax?: string;
  /** write implicit VR little endian data without preamble and meta (a bare data set) */
  bare?: boolean;
  /** file name extension ('' for none, as PACS exports often are) */
  extension?: string;
  /** seed of the file-name and InstanceNumber shuffle */
  shuffleSeed?: number;
  /** extra attributes per slice k */
  extra?: (k: number) => Record<string, unknown>;
}

export interface WrittenSeries {
  files: string[];
  studyUID: string;
  seriesUID: string;
  frameOfReferenceUID: string;
  /** SOPInstanceUIDs in slice order (array axis 2) */
  sopInstanceUIDs: string[];
}

function shuffled(n: number, seed: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  let s = seed >>> 0 || 1;
  for (let i = n - 1; i > 0; i--) {
    s = (s * 1664525 + 1013904223) >>> 0;
    const j = s % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/** Encodes one data set (naturalized) as a Part 10 file, or as a bare implicit-VR data set. */
export function encodeDicom(dataset: Record<string, unknown>, transferSyntax = EXPLICIT_LE, bare = false): Uint8Array {
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: dataset.SOPClassUID,
    MediaStorageSOPInstanceUID: dataset.SOPInstanceUID,
    TransferSyntaxUID: bare ? '1.2.840.10008.1.2' : transferSyntax,
    ImplementationClassUID: '2.25.1234567',
  };
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = DicomMetaDictionary.denaturalizeDataset(dataset);
  const bytes = new Uint8Array(dict.write());
  if (!bare) return bytes;
  // strip the preamble, DICM and the file meta group: (0002,0000) UL holds the meta length after its 12 bytes
  const metaLength = new DataView(bytes.buffer).getUint32(132 + 8, true);
  return bytes.slice(132 + 12 + metaLength);
}

/** Writes `vol` as a DICOM series into `dir`; returns the files in slice order. */
export function writeDicomSeries(vol: Volume, dir: string, o: SeriesWriteOptions = {}): WrittenSeries {
  mkdirSync(dir, { recursive: true });
  const [w, h, n] = vol.size;
  const d = vol.direction;
  const iop = [d[0]!, d[3]!, d[6]!, d[1]!, d[4]!, d[7]!];
  const studyUID = o.studyUID ?? DicomMetaDictionary.uid();
  const seriesUID = o.seriesUID ?? DicomMetaDictionary.uid();
  const frameOfReferenceUID = o.frameOfReferenceUID ?? DicomMetaDictionary.uid();
  const order = shuffled(n, o.shuffleSeed ?? 7);
  const files: string[] = [];
  const sopInstanceUIDs: string[] = [];
  const ext = o.extension ?? '.dcm';
  for (let k = 0; k < n; k++) {
    const values = vol.data.subarray(k * w * h, (k + 1) * w * h) as ArrayLike<number>;
    const stored = o.rescale ? new Uint16Array(w * h) : new Int16Array(w * h);
    for (let i = 0; i < w * h; i++) {
      const raw = o.rescale ? (values[i]! - o.rescale.intercept) / o.rescale.slope : values[i]!;
      if (!Number.isInteger(raw)) throw new Error(`slice ${k} voxel ${i}: ${values[i]} does not store as an integer with ${JSON.stringify(o.rescale)}`);
      stored[i] = raw;
    }
    const sop = DicomMetaDictionary.uid();
    sopInstanceUIDs.push(sop);
    const ds: Record<string, unknown> = {
      SOPClassUID: MR_IMAGE_STORAGE,
      SOPInstanceUID: sop,
      StudyInstanceUID: studyUID,
      SeriesInstanceUID: seriesUID,
      FrameOfReferenceUID: frameOfReferenceUID,
      PatientName: 'Phantom^Test',
      PatientID: 'PHANTOM-1',
      PatientBirthDate: '',
      PatientSex: 'O',
      StudyDate: '20260101',
      StudyTime: '120000',
      StudyID: '1',
      AccessionNumber: '',
      ReferringPhysicianName: '',
      Modality: o.modality ?? 'MR',
      SeriesNumber: String(o.seriesNumber ?? 3),
      SeriesDescription: o.seriesDescription ?? 'T2 phantom',
      InstanceNumber: String(order[k]! + 1),
      ImagePositionPatient: indexToPhysical(vol, [0, 0, k]).map(decimalString),
      ImageOrientationPatient: iop.map(decimalString),
      PixelSpacing: [vol.spacing[1], vol.spacing[0]],
      SliceThickness: vol.spacing[2],
      Rows: h,
      Columns: w,
      SamplesPerPixel: 1,
      PhotometricInterpretation: 'MONOCHROME2',
      BitsAllocated: 16,
      BitsStored: 16,
      HighBit: 15,
      PixelRepresentation: o.rescale ? 0 : 1,
      ...(o.rescale ? { RescaleSlope: o.rescale.slope, RescaleIntercept: o.rescale.intercept, RescaleType: 'US' } : {}),
      PixelData: stored.buffer,
      _vrMap: { PixelData: 'OW' },
      ...(o.extra?.(k) ?? {}),
    };
    const file = join(dir, `IM${String(order[k]).padStart(4, '0')}${ext}`);
    writeFileSync(file, encodeDicom(ds, o.transferSyntax, o.bare));
    files.push(file);
  }
  return { files, studyUID, seriesUID, frameOfReferenceUID, sopInstanceUIDs };
}

/**
 * Sample PNG slices of one patient (data/sample/images/<patient>_t2_SPACE_slice<k>.png) stacked into a sagittal
 * volume: columns A->P, rows S->I, slices L->R (right-handed, as DICOM geometry is), 0.5 mm pixels, 2.4 mm apart.
 */
export async function sampleSliceStack(root: string, slices: readonly number[], origin: [number, number, number] = [-4, -40, 60], patient = '118'): Promise<Volume<Int16Array>> {
  const images = await Promise.all(slices.map((k) => readImage(join(root, 'data/sample/images', `${patient}_t2_SPACE_slice${k}.png`))));
  const [w, h] = images[0]!.size;
  const data = new Int16Array(w * h * images.length);
  images.forEach((s, k) => data.set(s.data as ArrayLike<number>, k * w * h));
  return { data, size: [w, h, images.length], spacing: [0.5, 0.5, 2.4], origin, direction: [0, 0, -1, 1, 0, 0, 0, -1, 0] };
}

// DICOM SEG out and back in (pure: Node and the page share it). One binary Segmentation instance per source
// series, in the source's frame of reference and slice geometry: one frame per segment and source slice where
// the segment is present, each frame pointing at its source image (Derivation Image Sequence) and the whole
// object at the source series (Referenced Series Sequence), the study and patient copied from the source.
// Written with dcmjs; docs/DICOM.md lists the modules and the codes.
import dcmjs from 'dcmjs';
import { SEGMENTATION_STORAGE, type DicomSource } from '../pipeline/dicom.ts';
import { PipelineError } from '../pipeline/errors.ts';
import type { Vec3 } from '../pipeline/volume.ts';
import { rgbToDicomLab, type Code, type SegmentDefinition } from './dicom-seg-codes.ts';

const { DicomDict, DicomMessage, DicomMetaDictionary } = dcmjs.data;

export { SEGMENTATION_STORAGE };
const EXPLICIT_LE = '1.2.840.10008.1.2.1';
/** our implementation's UID root: 2.25 (a UUID as an integer, PS3.5 B.2), fixed for spineseg */
const IMPLEMENTATION_CLASS_UID = '2.25.238407156338417932893557432934521961842';
const SOURCE_IMAGE: Code = { CodeValue: '121322', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Source image for image processing operation' };
const SEGMENTATION_DERIVATION: Code = { CodeValue: '113076', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Segmentation' };
// (0062,000B) Referenced Segment Number in (0062,000A) Segment Identification Sequence; (0020,0032) in (0020,9113)
const SEGMENT_NUMBER_POINTER = 0x0062000b;
const SEGMENT_IDENTIFICATION_POINTER = 0x0062000a;
const POSITION_POINTER = 0x00200032;
const PLANE_POSITION_POINTER = 0x00209113;

export interface SegWriteInfo {
  /** the algorithm, e.g. "spineseg U-Net (models/default)" */
  algorithmName: string;
  softwareVersion: string;
  /** series number of the SEG; default: the source's + 1000 */
  seriesNumber?: number;
  /** date and time written into the object (default: now) */
  now?: Date;
}

/** A DS value within its 16 characters: 10 significant digits (the source's own values already fit). */
function decimalString(v: number): number {
  return Number(v.toPrecision(10));
}

function dateTime(now: Date): { date: string; time: string } {
  const iso = now.toISOString();
  return { date: iso.slice(0, 10).replace(/-/g, ''), time: iso.slice(11, 19).replace(/:/g, '') };
}

function codeItem(c: Code): Record<string, string> {
  return { CodeValue: c.CodeValue, CodingSchemeDesignator: c.CodingSchemeDesignator, CodeMeaning: c.CodeMeaning };
}

/**
 * A SEG of `labels` (the source series' voxel grid: columns fastest, then rows, then slices in the order of
 * source.geometry.slices) with one segment per definition whose value occurs. Empty segments are left out; a label
 * map with no segment at all has nothing to encode and is refused.
 */
export function buildSeg(labels: ArrayLike<number>, source: DicomSource, definitions: readonly SegmentDefinition[], info: SegWriteInfo): Uint8Array {
  const g = source.geometry;
  const [w, h, n] = g.size;
  if (labels.length !== w * h * n) throw new PipelineError(`label map of ${labels.length} voxels for a series of ${w}x${h}x${n}`, { field: 'labels' });
  const frames: Array<{ segment: number; slice: number }> = [];
  const present = definitions.map((d) => {
    const slices: number[] = [];
    for (let k = 0; k < n; k++) {
      const base = k * w * h;
      for (let i = 0; i < w * h; i++) if (labels[base + i] === d.value) { slices.push(k); break; }
    }
    return { d, slices };
  }).filter((p) => p.slices.length > 0);
  if (present.length === 0) throw new PipelineError('no segment is present in the label map: a SEG needs at least one frame', { field: 'labels' });
  present.forEach((p, s) => p.slices.forEach((k) => frames.push({ segment: s + 1, slice: k })));
  // binary frames, one bit per pixel, first pixel in the least significant bit, frames packed back to back
  const bits = new Uint8Array(Math.ceil((frames.length * w * h) / 8 / 2) * 2);
  let bit = 0;
  for (const f of frames) {
    const value = present[f.segment - 1]!.d.value;
    const base = f.slice * w * h;
    for (let i = 0; i < w * h; i++, bit++) if (labels[base + i] === value) bits[bit >> 3]! |= 1 << (bit & 7);
  }
  const first = g.slices[0]!;
  const orientation = first.image!.orientation;
  const { date, time } = dateTime(info.now ?? new Date());
  const dimensionOrganizationUID = DicomMetaDictionary.uid();
  const sopInstanceUID = DicomMetaDictionary.uid();
  const sourceNumber = Number(source.series.number);
  const dataset: Record<string, unknown> = {
    SpecificCharacterSet: 'ISO_IR 192',
    SOPClassUID: SEGMENTATION_STORAGE,
    SOPInstanceUID: sopInstanceUID,
    ...source.study,
    StudyInstanceUID: source.studyUID,
    Modality: 'SEG',
    SeriesInstanceUID: DicomMetaDictionary.uid(),
    SeriesNumber: String(info.seriesNumber ?? (Number.isFinite(sourceNumber) ? sourceNumber + 1000 : 1000)),
    SeriesDescription: `spineseg of ${source.series.description || `series ${source.series.number}`}`.slice(0, 64),
    SeriesDate: date,
    SeriesTime: time,
    FrameOfReferenceUID: source.frameOfReferenceUID,
    PositionReferenceIndicator: '',
    Manufacturer: 'spineseg',
    ManufacturerModelName: 'spineseg',
    DeviceSerialNumber: '1',
    SoftwareVersions: info.softwareVersion,
    InstanceNumber: '1',
    ContentLabel: 'SPINESEG',
    ContentDescription: 'Lumbar spine segmentation',
    ContentCreatorName: '',
    ContentDate: date,
    ContentTime: time,
    InstanceCreationDate: date,
    InstanceCreationTime: time,
    ImageType: ['DERIVED', 'PRIMARY'],
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: h,
    Columns: w,
    BitsAllocated: 1,
    BitsStored: 1,
    HighBit: 0,
    PixelRepresentation: 0,
    LossyImageCompression: '00',
    SegmentationType: 'BINARY',
    ContentQualification: 'RESEARCH',
    NumberOfFrames: String(frames.length),
    SegmentSequence: present.map((p, s) => ({
      SegmentNumber: s + 1,
      SegmentLabel: p.d.label.slice(0, 64),
      SegmentAlgorithmType: 'AUTOMATIC',
      SegmentAlgorithmName: info.algorithmName.slice(0, 64),
      SegmentedPropertyCategoryCodeSequence: [codeItem(p.d.category)],
      SegmentedPropertyTypeCodeSequence: [codeItem(p.d.type)],
      AnatomicRegionSequence: [codeItem(p.d.region)],
      RecommendedDisplayCIELabValue: rgbToDicomLab(p.d.rgb),
    })),
    DimensionOrganizationType: '3D',
    DimensionOrganizationSequence: [{ DimensionOrganizationUID: dimensionOrganizationUID }],
    DimensionIndexSequence: [
      { DimensionOrganizationUID: dimensionOrganizationUID, DimensionIndexPointer: SEGMENT_NUMBER_POINTER, FunctionalGroupPointer: SEGMENT_IDENTIFICATION_POINTER, DimensionDescriptionLabel: 'ReferencedSegmentNumber' },
      { DimensionOrganizationUID: dimensionOrganizationUID, DimensionIndexPointer: POSITION_POINTER, FunctionalGroupPointer: PLANE_POSITION_POINTER, DimensionDescriptionLabel: 'ImagePositionPatient' },
    ],
    SharedFunctionalGroupsSequence: [{
      PlaneOrientationSequence: [{ ImageOrientationPatient: orientation.map(decimalString) }],
      PixelMeasuresSequence: [{ PixelSpacing: [g.spacing[1], g.spacing[0]].map(decimalString), SliceThickness: decimalString(g.spacing[2]), SpacingBetweenSlices: decimalString(g.spacing[2]) }],
    }],
    PerFrameFunctionalGroupsSequence: frames.map((f) => {
      const slice = g.slices[f.slice]!;
      return {
        FrameContentSequence: [{ DimensionIndexValues: [f.segment, f.slice + 1] }],
        PlanePositionSequence: [{ ImagePositionPatient: slice.image!.position.map(decimalString) }],
        DerivationImageSequence: [{
          SourceImageSequence: [{ ReferencedSOPClassUID: slice.sopClassUID, ReferencedSOPInstanceUID: slice.sopInstanceUID, PurposeOfReferenceCodeSequence: [codeItem(SOURCE_IMAGE)] }],
          DerivationCodeSequence: [codeItem(SEGMENTATION_DERIVATION)],
        }],
        SegmentIdentificationSequence: [{ ReferencedSegmentNumber: f.segment }],
      };
    }),
    ReferencedSeriesSequence: [{
      SeriesInstanceUID: source.series.uid,
      ReferencedInstanceSequence: g.slices.map((o) => ({ ReferencedSOPClassUID: o.sopClassUID, ReferencedSOPInstanceUID: o.sopInstanceUID })),
    }],
    PixelData: bits.buffer,
    _vrMap: { PixelData: 'OB' },
  };
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: SEGMENTATION_STORAGE,
    MediaStorageSOPInstanceUID: sopInstanceUID,
    TransferSyntaxUID: EXPLICIT_LE,
    ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: `SPINESEG_${info.softwareVersion}`.slice(0, 16),
  };
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = DicomMetaDictionary.denaturalizeDataset(dataset);
  return new Uint8Array(dict.write());
}

export interface ReadSegment {
  number: number;
  label: string;
  type: Code;
  category: Code;
}

export interface ReadSeg {
  segments: ReadSegment[];
  studyUID: string;
  frameOfReferenceUID: string;
  referencedSeriesUID: string;
  /** the SOPInstanceUID each frame derives from, in frame order */
  frameSources: string[];
  /** the label map in the reference grid: the segment number of every voxel (0 where none) */
  labels: Uint8Array;
}

/** The grid a SEG is read into: the source series' size, spacing, origin and direction. */
export interface ReferenceGrid {
  size: Vec3;
  spacing: Vec3;
  origin: Vec3;
  direction: number[];
}

function seq(value: unknown): Array<Record<string, unknown>> {
  return Array.isArray(value) ? (value as Array<Record<string, unknown>>) : value && typeof value === 'object' ? [value as Record<string, unknown>] : [];
}

function readCode(file: string, item: unknown, field: string): Code {
  const c = seq(item)[0];
  if (!c) throw new PipelineError(`${file}: ${field} missing`, { file, field });
  return { CodeValue: String(c.CodeValue), CodingSchemeDesignator: String(c.CodingSchemeDesignator), CodeMeaning: String(c.CodeMeaning) };
}

/** Reads a binary SEG into the reference grid: each frame is placed by its ImagePositionPatient along the grid's normal. */
export function readSeg(file: string, bytes: Uint8Array, grid: ReferenceGrid): ReadSeg {
  let ds: Record<string, any>;
  try {
    ds = DicomMetaDictionary.naturalizeDataset(DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer).dict);
  } catch (err) {
    throw new PipelineError(`${file}: the DICOM data set does not parse (${err instanceof Error ? err.message : String(err)})`, { file, field: 'file' });
  }
  if (ds.SOPClassUID !== SEGMENTATION_STORAGE) throw new PipelineError(`${file}: SOPClassUID = ${ds.SOPClassUID}: not a Segmentation`, { file, field: 'SOPClassUID' });
  if (ds.SegmentationType !== 'BINARY') throw new PipelineError(`${file}: SegmentationType = ${ds.SegmentationType}: only BINARY is read`, { file, field: 'SegmentationType' });
  const [w, h, n] = grid.size;
  if (ds.Rows !== h || ds.Columns !== w) throw new PipelineError(`${file}: Rows x Columns = ${ds.Rows}x${ds.Columns}, the reference grid is ${h}x${w}`, { file, field: 'Rows' });
  const frames = Number(ds.NumberOfFrames);
  const bytesOfPixels = new Uint8Array(Array.isArray(ds.PixelData) ? ds.PixelData[0] : ds.PixelData);
  if (bytesOfPixels.length * 8 < frames * w * h) throw new PipelineError(`${file}: PixelData = ${bytesOfPixels.length} bytes, ${frames} frames of ${w}x${h} bits need ${Math.ceil((frames * w * h) / 8)}`, { file, field: 'PixelData' });
  const d = grid.direction;
  const normal = [d[2]!, d[5]!, d[8]!];
  const o = normal[0]! * grid.origin[0] + normal[1]! * grid.origin[1] + normal[2]! * grid.origin[2];
  const labels = new Uint8Array(w * h * n);
  const perFrame = seq(ds.PerFrameFunctionalGroupsSequence);
  const frameSources: string[] = [];
  perFrame.forEach((f, j) => {
    const segment = Number(seq(f.SegmentIdentificationSequence)[0]?.ReferencedSegmentNumber);
    const position = seq(f.PlanePositionSequence)[0]?.ImagePositionPatient as number[];
    const slice = Math.round((normal[0]! * position[0]! + normal[1]! * position[1]! + normal[2]! * position[2]! - o) / grid.spacing[2]);
    if (!(slice >= 0 && slice < n)) throw new PipelineError(`${file}: frame ${j + 1} at ImagePositionPatient [${position.join(' ')}] lies outside the reference grid`, { file, field: 'ImagePositionPatient' });
    frameSources.push(String(seq(seq(f.DerivationImageSequence)[0]?.SourceImageSequence)[0]?.ReferencedSOPInstanceUID ?? ''));
    const base = slice * w * h;
    for (let i = 0; i < w * h; i++) {
      const bit = j * w * h + i;
      if (bytesOfPixels[bit >> 3]! & (1 << (bit & 7))) labels[base + i] = segment;
    }
  });
  const segments = seq(ds.SegmentSequence).map((s) => ({
    number: Number(s.SegmentNumber),
    label: String(s.SegmentLabel),
    type: readCode(file, s.SegmentedPropertyTypeCodeSequence, 'SegmentedPropertyTypeCodeSequence'),
    category: readCode(file, s.SegmentedPropertyCategoryCodeSequence, 'SegmentedPropertyCategoryCodeSequence'),
  }));
  return {
    segments,
    studyUID: String(ds.StudyInstanceUID),
    frameOfReferenceUID: String(ds.FrameOfReferenceUID),
    referencedSeriesUID: String(seq(ds.ReferencedSeriesSequence)[0]?.SeriesInstanceUID ?? ''),
    frameSources,
    labels,
  };
}

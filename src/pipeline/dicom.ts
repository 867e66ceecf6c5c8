/**
 * DICOM image series to a Volume, with dcmjs parsing every file (pure TypeScript: Node and the page share it).
 * Files are recognised by content (the DICM preamble, or a dataset that parses as implicit-VR little endian from
 * group 0008), grouped by SeriesInstanceUID, and one series becomes a volume whose geometry comes from the headers:
 * ImageOrientationPatient gives the row and column directions, slices are sorted by ImagePositionPatient along
 * their normal (never by file name or InstanceNumber), the slice spacing is the median step between positions,
 * and RescaleSlope/Intercept are applied per slice. Every refusal is a PipelineError naming the file and field.
 */
import dcmjs from 'dcmjs';
import { PipelineError, fieldError } from './errors.ts';
import { DEFAULT_SIZE_BUDGET_BYTES } from './mha.ts';
import type { Vec3, Volume } from './volume.ts';

const { DicomMessage, DicomMetaDictionary, ReadBufferStream } = dcmjs.data;
// dcmjs logs its own warnings (private tags, the implicit-VR pixel data VR); our errors say what matters, in one line
dcmjs.log.setLevel('silent');
dcmjs.log.getLogger('validation.dcmjs').setLevel('silent');

export const IMPLICIT_LITTLE_ENDIAN = '1.2.840.10008.1.2';
export const SEGMENTATION_STORAGE = '1.2.840.10008.5.1.4.1.1.66.4';
/** Transfer syntaxes whose pixel data this reader takes as it is (native, little endian). */
const NATIVE_SYNTAXES: Record<string, string> = {
  '1.2.840.10008.1.2': 'Implicit VR Little Endian',
  '1.2.840.10008.1.2.1': 'Explicit VR Little Endian',
  '1.2.840.10008.1.2.1.99': 'Deflated Explicit VR Little Endian',
};
/** Names of the transfer syntaxes a refusal names (PS3.6 Table A-1). */
const OTHER_SYNTAXES: Record<string, string> = {
  '1.2.840.10008.1.2.2': 'Explicit VR Big Endian',
  '1.2.840.10008.1.2.4.50': 'JPEG Baseline (Process 1)',
  '1.2.840.10008.1.2.4.51': 'JPEG Extended (Process 2 & 4)',
  '1.2.840.10008.1.2.4.57': 'JPEG Lossless, Non-Hierarchical (Process 14)',
  '1.2.840.10008.1.2.4.70': 'JPEG Lossless, Non-Hierarchical, First-Order Prediction',
  '1.2.840.10008.1.2.4.80': 'JPEG-LS Lossless',
  '1.2.840.10008.1.2.4.81': 'JPEG-LS Near-Lossless',
  '1.2.840.10008.1.2.4.90': 'JPEG 2000 Image Compression (Lossless Only)',
  '1.2.840.10008.1.2.4.91': 'JPEG 2000 Image Compression',
  '1.2.840.10008.1.2.4.201': 'High-Throughput JPEG 2000 (Lossless Only)',
  '1.2.840.10008.1.2.4.203': 'High-Throughput JPEG 2000',
  '1.2.840.10008.1.2.5': 'RLE Lossless',
};

/** SOP classes a "no image" message names by kind. */
const NON_IMAGE_KINDS: Array<[RegExp, string]> = [
  [/^1\.2\.840\.10008\.5\.1\.4\.1\.1\.88\./, 'structured report'],
  [/^1\.2\.840\.10008\.5\.1\.4\.1\.1\.11\./, 'presentation state'],
  [/^1\.2\.840\.10008\.5\.1\.4\.1\.1\.66\.4$/, 'segmentation'],
  [/^1\.2\.840\.10008\.5\.1\.4\.1\.1\.481\./, 'RT object'],
  [/^1\.2\.840\.10008\.5\.1\.4\.1\.1\.104\./, 'encapsulated document'],
];

/** The study and patient attributes a derived object (the SEG) copies from its source. */
export const STUDY_ATTRIBUTES = ['PatientName', 'PatientID', 'PatientBirthDate', 'PatientSex', 'StudyInstanceUID', 'StudyDate', 'StudyTime', 'StudyID', 'AccessionNumber', 'ReferringPhysicianName', 'StudyDescription'] as const;

/** One parsed DICOM file. */
export interface DicomObject {
  file: string;
  sopClassUID: string;
  sopInstanceUID: string;
  seriesUID: string;
  seriesNumber: string;
  seriesDescription: string;
  modality: string;
  transferSyntax: string;
  /** image attributes; absent for non-image objects (structured reports, presentation states, ...) */
  image?: DicomImageAttributes;
  /** the naturalized dataset (dcmjs), for the study attributes a SEG copies */
  dataset: Record<string, unknown>;
}

export interface DicomImageAttributes {
  rows: number;
  columns: number;
  frames: number;
  bitsAllocated: number;
  bitsStored: number;
  signed: boolean;
  slope: number;
  intercept: number;
  /** PixelSpacing: [between rows, between columns] in mm */
  pixelSpacing: [number, number];
  position: Vec3;
  /** ImageOrientationPatient: row direction then column direction (LPS) */
  orientation: [number, number, number, number, number, number];
  frameOfReferenceUID: string;
  pixelData: Uint8Array;
}

export interface DicomSeries {
  uid: string;
  number: string;
  description: string;
  modality: string;
  objects: DicomObject[];
  /** true when its objects are images (Rows, Columns, PixelData) */
  isImage: boolean;
}

export interface DicomReadOptions {
  /** largest voxel data (bytes, as float32) accepted before allocating */
  sizeBudgetBytes?: number;
}

/** 'part10' for the DICM preamble, 'implicit' for a bare implicit-VR dataset starting at group 0008, else null. */
export function sniffDicom(bytes: Uint8Array): 'part10' | 'implicit' | null {
  if (bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d) return 'part10';
  if (bytes.length < 8) return null;
  const group = bytes[0]! | (bytes[1]! << 8);
  const length = (bytes[4]! | (bytes[5]! << 8) | (bytes[6]! << 16)) + bytes[7]! * 2 ** 24;
  // an implicit-VR element: group 0008, an even length that fits the file; explicit VR would have letters at 4-5
  const letters = bytes[4]! >= 0x41 && bytes[4]! <= 0x5a && bytes[5]! >= 0x41 && bytes[5]! <= 0x5a;
  return group === 0x0008 && !letters && length % 2 === 0 && length + 8 <= bytes.length ? 'implicit' : null;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message.split('\n')[0]! : String(err);
}

function str(ds: Record<string, unknown>, key: string): string {
  const v = ds[key];
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return v.length > 0 ? str({ v: v[0] }, 'v') : '';
  if (typeof v === 'object' && v !== null && 'Alphabetic' in v) return String((v as { Alphabetic: unknown }).Alphabetic ?? '');
  return String(v).trim();
}

function numbers(file: string, ds: Record<string, unknown>, key: string, count: number): number[] {
  const raw = ds[key];
  const list = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map(Number);
  if (list.length !== count || list.some((v) => !Number.isFinite(v))) throw fieldError(file, key, Array.isArray(raw) ? raw : String(raw ?? 'missing'), `expected ${count} finite numbers`);
  return list;
}

function optionalNumber(file: string, ds: Record<string, unknown>, key: string, fallback: number): number {
  const raw = ds[key];
  if (raw === undefined || raw === null || raw === '') return fallback;
  const v = Number(Array.isArray(raw) ? raw[0] : raw);
  if (!Number.isFinite(v)) throw fieldError(file, key, String(raw), 'not a finite number');
  return v;
}

function bytesOf(value: unknown): Uint8Array | null {
  const first = Array.isArray(value) ? value[0] : value;
  if (first instanceof ArrayBuffer) return new Uint8Array(first);
  if (ArrayBuffer.isView(first)) return new Uint8Array(first.buffer, first.byteOffset, first.byteLength);
  return null;
}

/** Parses one DICOM file held in `bytes` (already known to sniff as DICOM). */
export function parseDicom(file: string, bytes: Uint8Array, options: DicomReadOptions = {}): DicomObject {
  const kind = sniffDicom(bytes);
  if (kind === null) throw new PipelineError(`${file}: not a DICOM file (no DICM preamble, not an implicit-VR dataset)`, { file, field: 'preamble' });
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let transferSyntax = IMPLICIT_LITTLE_ENDIAN;
  let dict;
  try {
    if (kind === 'part10') {
      const message = DicomMessage.readFile(buffer);
      transferSyntax = String(message.meta['00020010']?.Value?.[0] ?? '').replace(/\0/g, '').trim();
      dict = message.dict;
    } else {
      dict = DicomMessage._read(new ReadBufferStream(buffer), IMPLICIT_LITTLE_ENDIAN, { ignoreErrors: false });
    }
  } catch (err) {
    throw new PipelineError(`${file}: the DICOM data set does not parse (${describe(err)}): a truncated or damaged file`, { file, field: 'file' });
  }
  const ds = DicomMetaDictionary.naturalizeDataset(dict) as Record<string, unknown>;
  const object: DicomObject = {
    file,
    sopClassUID: str(ds, 'SOPClassUID'),
    sopInstanceUID: str(ds, 'SOPInstanceUID'),
    seriesUID: str(ds, 'SeriesInstanceUID'),
    seriesNumber: str(ds, 'SeriesNumber'),
    seriesDescription: str(ds, 'SeriesDescription'),
    modality: str(ds, 'Modality'),
    transferSyntax,
    dataset: ds,
  };
  if (object.seriesUID === '') throw fieldError(file, 'SeriesInstanceUID', '', 'missing: the file cannot be put in a series');
  // a segmentation carries 1-bit frames of another series: an object to list, not an image to segment
  if (ds.Rows === undefined || ds.PixelData === undefined || object.sopClassUID === SEGMENTATION_STORAGE) return object;
  object.image = imageAttributes(file, bytes, ds, transferSyntax, options);
  return object;
}

/**
 * Where the PixelData element says its value ends, when it is the file's last element (its header sits just before
 * the `available` bytes dcmjs read): explicit VR (tag, OB/OW, 2 reserved bytes, 4-byte length) or implicit (tag,
 * 4-byte length); null when the header is not there.
 */
function pixelDataDeclaredEnd(bytes: Uint8Array, available: number): number | null {
  for (const header of [12, 8]) {
    const i = bytes.length - available - header;
    if (i < 0 || bytes[i] !== 0xe0 || bytes[i + 1] !== 0x7f || bytes[i + 2] !== 0x10 || bytes[i + 3] !== 0x00) continue;
    const length = new DataView(bytes.buffer, bytes.byteOffset + i).getUint32(header - 4, true);
    return length === 0xffffffff ? null : i + header + length;
  }
  return null;
}

function imageAttributes(file: string, bytes: Uint8Array, ds: Record<string, unknown>, transferSyntax: string, options: DicomReadOptions): DicomImageAttributes {
  if (!(transferSyntax in NATIVE_SYNTAXES)) {
    const name = OTHER_SYNTAXES[transferSyntax] ?? 'unknown';
    throw fieldError(file, 'TransferSyntaxUID', transferSyntax, `${name} is not supported; this reader takes ${Object.values(NATIVE_SYNTAXES).join(', ')} (decompress first, e.g. gdcmconv --raw or dcmdjpeg)`);
  }
  const rows = optionalNumber(file, ds, 'Rows', 0);
  const columns = optionalNumber(file, ds, 'Columns', 0);
  const frames = optionalNumber(file, ds, 'NumberOfFrames', 1);
  for (const [key, v] of [['Rows', rows], ['Columns', columns], ['NumberOfFrames', frames]] as const) {
    if (!Number.isInteger(v) || v < 1) throw fieldError(file, key, v, 'must be a positive integer');
  }
  const samples = optionalNumber(file, ds, 'SamplesPerPixel', 1);
  if (samples !== 1) throw fieldError(file, 'SamplesPerPixel', samples, 'only grey (1 sample per pixel) images are read');
  const budget = options.sizeBudgetBytes ?? DEFAULT_SIZE_BUDGET_BYTES;
  const voxelBytes = rows * columns * frames * 4;
  if (voxelBytes > budget) throw fieldError(file, 'Rows x Columns x NumberOfFrames', `${rows}x${columns}x${frames}`, `${voxelBytes} bytes of float32 voxels exceed the memory budget of ${budget} bytes`);
  if (frames !== 1) throw fieldError(file, 'NumberOfFrames', frames, 'multi-frame (enhanced) images are not read by this version; export the series as single-frame images');
  const bitsAllocated = optionalNumber(file, ds, 'BitsAllocated', 0);
  if (bitsAllocated !== 8 && bitsAllocated !== 16 && bitsAllocated !== 32) throw fieldError(file, 'BitsAllocated', bitsAllocated, 'must be 8, 16 or 32');
  const bitsStored = optionalNumber(file, ds, 'BitsStored', bitsAllocated);
  if (!Number.isInteger(bitsStored) || bitsStored < 1 || bitsStored > bitsAllocated) throw fieldError(file, 'BitsStored', bitsStored, `must be 1-${bitsAllocated}`);
  const photometric = str(ds, 'PhotometricInterpretation');
  if (photometric !== 'MONOCHROME2') throw fieldError(file, 'PhotometricInterpretation', photometric, 'only MONOCHROME2 images are read');
  const pixelData = bytesOf(ds.PixelData);
  if (pixelData === null) throw fieldError(file, 'PixelData', typeof ds.PixelData, 'holds no bytes');
  const need = rows * columns * frames * (bitsAllocated / 8);
  const declared = pixelDataDeclaredEnd(bytes, pixelData.length);
  if (declared !== null && declared > bytes.length) throw fieldError(file, 'PixelData', `${pixelData.length + declared - bytes.length} bytes declared`, `the file ends after ${pixelData.length} of them: a truncated file`);
  if (pixelData.length < need) throw fieldError(file, 'PixelData', `${pixelData.length} bytes`, `shorter than Rows x Columns x frames x ${bitsAllocated / 8} = ${rows}x${columns}x${frames}x${bitsAllocated / 8} = ${need} bytes`);
  const spacing = numbers(file, ds, 'PixelSpacing', 2);
  if (spacing.some((s) => !(s > 0))) throw fieldError(file, 'PixelSpacing', spacing, 'must be positive');
  const orientation = numbers(file, ds, 'ImageOrientationPatient', 6) as DicomImageAttributes['orientation'];
  const r = orientation.slice(0, 3);
  const c = orientation.slice(3, 6);
  const norm = (v: number[]) => Math.hypot(...v);
  if (Math.abs(norm(r) - 1) > 1e-3 || Math.abs(norm(c) - 1) > 1e-3 || Math.abs(dot(r, c)) > 1e-3) throw fieldError(file, 'ImageOrientationPatient', orientation, 'row and column directions must be orthonormal');
  return {
    rows,
    columns,
    frames,
    bitsAllocated,
    bitsStored,
    signed: optionalNumber(file, ds, 'PixelRepresentation', 0) === 1,
    slope: optionalNumber(file, ds, 'RescaleSlope', 1),
    intercept: optionalNumber(file, ds, 'RescaleIntercept', 0),
    pixelSpacing: [spacing[0]!, spacing[1]!],
    position: numbers(file, ds, 'ImagePositionPatient', 3) as Vec3,
    orientation,
    frameOfReferenceUID: str(ds, 'FrameOfReferenceUID'),
    pixelData: pixelData.subarray(0, need),
  };
}

function dot(a: readonly number[], b: readonly number[]): number {
  return a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;
}

function cross(a: readonly number[], b: readonly number[]): Vec3 {
  return [a[1]! * b[2]! - a[2]! * b[1]!, a[2]! * b[0]! - a[0]! * b[2]!, a[0]! * b[1]! - a[1]! * b[0]!];
}

/** Groups parsed objects by SeriesInstanceUID, sorted by series number then UID. */
export function groupSeries(objects: readonly DicomObject[]): DicomSeries[] {
  const bySeries = new Map<string, DicomObject[]>();
  for (const o of objects) {
    const list = bySeries.get(o.seriesUID) ?? [];
    list.push(o);
    bySeries.set(o.seriesUID, list);
  }
  const series = [...bySeries.entries()].map(([uid, list]) => ({
    uid,
    number: list[0]!.seriesNumber,
    description: list.find((o) => o.seriesDescription)?.seriesDescription ?? '',
    modality: list[0]!.modality,
    objects: list,
    isImage: list.some((o) => o.image !== undefined),
  }));
  return series.sort((a, b) => (Number(a.number) || 0) - (Number(b.number) || 0) || a.uid.localeCompare(b.uid));
}

/** The geometry of an image series, from its headers alone. */
export interface SeriesGeometry {
  /** the slices in order along the normal */
  slices: DicomObject[];
  size: Vec3;
  spacing: Vec3;
  origin: Vec3;
  direction: number[];
  /** the plane of the slices: sagittal, coronal, axial or oblique (normal more than 10° off every axis) */
  plane: string;
}

const PLANES = ['sagittal', 'coronal', 'axial'] as const;

function planeOf(normal: Vec3): string {
  const a = normal.map(Math.abs);
  const best = a.indexOf(Math.max(...a));
  const angle = (Math.acos(Math.min(1, a[best]!)) * 180) / Math.PI;
  return angle > 10 ? `oblique (nearest ${PLANES[best]}, ${angle.toFixed(0)}°)` : PLANES[best]!;
}

function formatPosition(p: readonly number[]): string {
  return `(${p.map((v) => +v.toFixed(2)).join(', ')})`;
}

/** Sorts the slices along their normal and derives size, spacing, origin and direction; refuses mixed or gapped series. */
export function seriesGeometry(series: DicomSeries): SeriesGeometry {
  const images = series.objects.filter((o) => o.image !== undefined);
  if (images.length === 0) throw new PipelineError(`series ${series.number} (${series.uid}): holds no images`, { field: 'series', value: series.uid });
  const first = images[0]!;
  const a0 = first.image!;
  for (const o of images) {
    const a = o.image!;
    if (a.rows !== a0.rows || a.columns !== a0.columns) throw fieldError(o.file, 'Rows x Columns', `${a.rows}x${a.columns}`, `differs from ${a0.rows}x${a0.columns} in ${first.file} of the same series`);
    if (a.orientation.some((v, i) => Math.abs(v - a0.orientation[i]!) > 1e-4)) throw fieldError(o.file, 'ImageOrientationPatient', a.orientation, `differs from [${a0.orientation.join(' ')}] in ${first.file} of the same series`);
    if (a.pixelSpacing.some((v, i) => Math.abs(v - a0.pixelSpacing[i]!) > 1e-4)) throw fieldError(o.file, 'PixelSpacing', a.pixelSpacing, `differs from [${a0.pixelSpacing.join(' ')}] in ${first.file} of the same series`);
  }
  const row = a0.orientation.slice(0, 3);
  const col = a0.orientation.slice(3, 6);
  const normal = cross(row, col);
  const along = images.map((o) => ({ o, d: dot(o.image!.position, normal) })).sort((p, q) => p.d - q.d);
  const steps = along.slice(1).map((p, i) => p.d - along[i]!.d);
  for (const [i, s] of steps.entries()) {
    if (s < 1e-3) throw fieldError(along[i + 1]!.o.file, 'ImagePositionPatient', along[i + 1]!.o.image!.position, `the same slice position as ${along[i]!.o.file}: duplicate slices in one series`);
  }
  const sorted = [...steps].sort((p, q) => p - q);
  const median = sorted.length > 0 ? sorted[Math.floor((sorted.length - 1) / 2)]! : 0;
  for (const [i, s] of steps.entries()) {
    if (s > 1.5 * median) {
      throw fieldError(along[i + 1]!.o.file, 'ImagePositionPatient', along[i + 1]!.o.image!.position, `a missing slice: ${s.toFixed(2)} mm from the previous slice at ${formatPosition(along[i]!.o.image!.position)} (${along[i]!.o.file}), more than 1.5x the median spacing ${median.toFixed(2)} mm`);
    }
  }
  const thickness = optionalNumber(first.file, first.dataset, 'SpacingBetweenSlices', optionalNumber(first.file, first.dataset, 'SliceThickness', 1));
  const sliceSpacing = steps.length > 0 ? steps.reduce((p, q) => p + q, 0) / steps.length : thickness > 0 ? thickness : 1;
  return {
    slices: along.map((p) => p.o),
    size: [a0.columns, a0.rows, images.length],
    spacing: [a0.pixelSpacing[1], a0.pixelSpacing[0], sliceSpacing],
    origin: [...along[0]!.o.image!.position] as Vec3,
    // ITK convention, row-major: column j is the direction of array axis j (columns, rows, slices)
    direction: [row[0]!, col[0]!, normal[0], row[1]!, col[1]!, normal[1], row[2]!, col[2]!, normal[2]],
    plane: planeOf(normal),
  };
}

/** One line per series: number, UID, description, modality, plane, rows x columns x slices and spacing. */
export function describeSeries(series: DicomSeries): string {
  const head = `series ${series.number || '-'}  ${series.uid}  "${series.description}"  ${series.modality || '-'}`;
  if (!series.isImage) {
    const kinds = [...new Set(series.objects.map((o) => nonImageKind(o.sopClassUID)))];
    return `${head}  no images (${series.objects.length} ${kinds.join(', ')})`;
  }
  try {
    const g = seriesGeometry(series);
    return `${head}  ${g.plane}  ${g.size[1]}x${g.size[0]}x${g.size[2]}  spacing ${g.spacing.map((v) => +v.toFixed(3)).join(' x ')} mm`;
  } catch (err) {
    return `${head}  ${series.objects.length} files, unusable: ${describe(err)}`;
  }
}

function nonImageKind(sopClassUID: string): string {
  return NON_IMAGE_KINDS.find(([re]) => re.test(sopClassUID))?.[1] ?? `non-image object ${sopClassUID}`;
}

export interface SeriesChoice {
  /** --series: a SeriesNumber or a SeriesInstanceUID */
  series?: string;
  /** accept a modality other than MR */
  allowModality?: boolean;
}

/**
 * The series to use: the one --series names, else the only MR image series. `source` names the input in messages.
 * Several candidates and no choice, or a choice that matches nothing, end with the listing in the message.
 */
export function chooseSeries(all: readonly DicomSeries[], source: string, choice: SeriesChoice = {}): DicomSeries {
  const images = all.filter((s) => s.isImage);
  const listing = () => all.map((s) => `  ${describeSeries(s)}`).join('\n');
  if (images.length === 0) {
    const kinds = [...new Set(all.flatMap((s) => s.objects.map((o) => nonImageKind(o.sopClassUID))))];
    throw new PipelineError(`${source}: no DICOM image series, only ${all.reduce((n, s) => n + s.objects.length, 0)} non-image objects (${kinds.join(', ')})`, { file: source, field: 'series' });
  }
  let chosen: DicomSeries;
  if (choice.series !== undefined) {
    const matches = images.filter((s) => s.uid === choice.series || s.number === choice.series);
    if (matches.length === 0) throw new PipelineError(`${source}: --series ${choice.series} matches no image series; the series are:\n${listing()}`, { file: source, field: 'series', value: choice.series });
    if (matches.length > 1) throw new PipelineError(`${source}: --series ${choice.series} matches ${matches.length} series; give the SeriesInstanceUID:\n${matches.map((s) => `  ${describeSeries(s)}`).join('\n')}`, { file: source, field: 'series', value: choice.series });
    chosen = matches[0]!;
  } else {
    const mr = images.filter((s) => s.modality === 'MR');
    if (mr.length === 1) chosen = mr[0]!;
    else if (mr.length === 0 && images.length === 1) chosen = images[0]!;
    else throw new PipelineError(`${source}: ${mr.length > 1 ? mr.length : images.length} image series; choose one with --series NUMBER|UID:\n${listing()}`, { file: source, field: 'series' });
  }
  if (chosen.modality !== 'MR' && !choice.allowModality) {
    throw fieldError(chosen.objects[0]!.file, 'Modality', chosen.modality, `series ${chosen.number} is not MR; the model was trained on MRI (pass --allow-modality to segment it anyway)`);
  }
  return chosen;
}

/** The DICOM identity of a volume: what a SEG derived from it references. */
export interface DicomSource {
  series: DicomSeries;
  geometry: SeriesGeometry;
  studyUID: string;
  frameOfReferenceUID: string;
  /** study and patient attributes, copied into derived objects */
  study: Record<string, unknown>;
}

/** The series as a float32 volume (rescale applied) in the geometry of seriesGeometry. */
export function seriesToVolume(series: DicomSeries, options: DicomReadOptions = {}): { volume: Volume<Float32Array>; source: DicomSource } {
  const geometry = seriesGeometry(series);
  const [w, h, n] = geometry.size;
  const budget = options.sizeBudgetBytes ?? DEFAULT_SIZE_BUDGET_BYTES;
  if (w * h * n * 4 > budget) throw fieldError(geometry.slices[0]!.file, 'Rows x Columns x slices', `${h}x${w}x${n}`, `${w * h * n * 4} bytes of float32 voxels exceed the memory budget of ${budget} bytes`);
  const data = new Float32Array(w * h * n);
  geometry.slices.forEach((o, k) => decodeSlice(o.image!, data.subarray(k * w * h, (k + 1) * w * h)));
  const first = geometry.slices[0]!;
  const study: Record<string, unknown> = {};
  for (const key of STUDY_ATTRIBUTES) if (first.dataset[key] !== undefined) study[key] = first.dataset[key];
  return {
    volume: { data, size: geometry.size, spacing: geometry.spacing, origin: geometry.origin, direction: geometry.direction },
    source: { series, geometry, studyUID: str(first.dataset, 'StudyInstanceUID'), frameOfReferenceUID: first.image!.frameOfReferenceUID, study },
  };
}

function decodeSlice(a: DicomImageAttributes, out: Float32Array): void {
  const view = new DataView(a.pixelData.buffer, a.pixelData.byteOffset, a.pixelData.byteLength);
  const bytes = a.bitsAllocated / 8;
  const shift = 32 - a.bitsStored;
  const mask = a.bitsStored >= 32 ? 0xffffffff : 2 ** a.bitsStored - 1;
  for (let i = 0; i < out.length; i++) {
    const raw = bytes === 1 ? view.getUint8(i) : bytes === 2 ? view.getUint16(i * 2, true) : view.getUint32(i * 4, true);
    // bits above BitsStored are not part of the value; a signed value is sign-extended from BitsStored
    const v = a.signed ? (raw << shift) >> shift : bytes === 4 && a.bitsStored >= 32 ? raw : raw & mask;
    out[i] = v * a.slope + a.intercept;
  }
}

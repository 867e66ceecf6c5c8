// DICOM in the page: a dropped folder (directory drag-and-drop or the folder picker) or a set of files goes through
// the chain `spineseg predict` uses (src/pipeline/dicom.ts: recognised by content, grouped by series, listed, one
// chosen, geometry from the headers), then the volume path of src/app/segment.ts. Out: the DICOM SEG
// (src/app/dicom-seg.ts), NIfTI (itk-wasm's NIfTI pipeline from this page's origin) and the statistics CSV
// (src/app/stats.ts). A SEG dropped with its source series is shown as the segmentation. Nothing leaves the page.
import { chooseSeries, describeSeries, groupSeries, parseDicom, seriesToVolume, sniffDicom, type DicomObject, type DicomSeries, type DicomSource } from '../../src/pipeline/dicom.ts';
import { reorientToSagittal } from '../../src/pipeline/orientation.ts';
import type { Volume } from '../../src/pipeline/volume.ts';
import { buildSeg, readSeg, SEGMENTATION_STORAGE } from '../../src/app/dicom-seg.ts';
import { classSegments, semanticClassOfCode } from '../../src/app/dicom-seg-codes.ts';
import { formatStats, labelStats, type InputStats } from '../../src/app/stats.ts';
import { fileBytes, writeLabelMetaImage } from './files.ts';
import { countClasses, labelVolume, volumeInput, type SegmentInput, type Segmentation } from '../../src/app/segment.ts';

/** The dropped DICOM files, parsed and grouped; SEG objects kept by file for showing them. */
export interface DroppedDicom {
  source: string;
  series: DicomSeries[];
  skipped: number;
  files: Map<DicomObject, File>;
}

/** The chosen series as the page's input, with its DICOM identity for the SEG. */
export interface DicomSelection {
  input: SegmentInput;
  source: DicomSource;
  /** SEGs among the dropped files that reference this series */
  segs: File[];
}

type Entry = { isFile: boolean; isDirectory: boolean; name: string; file?: (ok: (f: File) => void, fail: (e: unknown) => void) => void; createReader?: () => { readEntries: (ok: (e: Entry[]) => void, fail: (e: unknown) => void) => void } };

async function entryFiles(entry: Entry, path: string): Promise<File[]> {
  if (entry.isFile && entry.file) {
    const f = await new Promise<File>((ok, fail) => entry.file!(ok, fail));
    return [new File([f], `${path}${f.name}`, { type: f.type })];
  }
  if (!entry.isDirectory || !entry.createReader) return [];
  const reader = entry.createReader();
  const all: File[] = [];
  // readEntries hands back a batch at a time until an empty one
  for (;;) {
    const batch = await new Promise<Entry[]>((ok, fail) => reader.readEntries(ok, fail));
    if (batch.length === 0) break;
    for (const e of batch) all.push(...(await entryFiles(e, `${path}${entry.name}/`)));
  }
  return all;
}

/** The files of a drop, folders walked recursively (names keep their folder path). */
export async function filesFromDataTransfer(dt: DataTransfer | null): Promise<File[]> {
  if (!dt) return [];
  const entries = Array.from(dt.items ?? []).map((i) => (i as DataTransferItem & { webkitGetAsEntry?: () => Entry | null }).webkitGetAsEntry?.() ?? null);
  if (entries.length === 0 || entries.some((e) => e === null) || !entries.some((e) => e!.isDirectory)) return Array.from(dt.files ?? []);
  const files: File[] = [];
  for (const e of entries) files.push(...(await entryFiles(e!, '')));
  return files;
}

/** Files with a name the page reads otherwise (PNG, MetaImage, checkpoints) are not DICOM candidates. */
export function isOtherFormat(name: string): boolean {
  return /\.(png|mha|json|safetensors)$/i.test(name);
}

/** Parses the DICOM files among `files` (by content) and groups them by series. */
export async function readDroppedDicom(files: readonly File[], onFile?: (done: number, total: number) => void): Promise<DroppedDicom> {
  const objects: DicomObject[] = [];
  const byObject = new Map<DicomObject, File>();
  let skipped = 0;
  for (const [i, f] of files.entries()) {
    const bytes = await fileBytes(f);
    if (sniffDicom(bytes) === null) skipped++;
    else {
      const o = parseDicom(f.name, bytes);
      objects.push(o);
      byObject.set(o, f);
    }
    onFile?.(i + 1, files.length);
  }
  const source = files.length === 1 ? files[0]!.name : `${files.length} dropped files`;
  if (objects.length === 0) throw new Error(`${source}: no DICOM file (${files.length} files read, none with a DICM preamble or an implicit-VR data set)`);
  return { source, series: groupSeries(objects), skipped, files: byObject };
}

/** One line per series, as `spineseg predict` lists them. */
export function seriesListing(d: DroppedDicom): string[] {
  return d.series.map(describeSeries);
}

/** The image series a choice may name (what the page's menu offers). */
export function imageSeries(d: DroppedDicom): DicomSeries[] {
  return d.series.filter((s) => s.isImage);
}

/** The series `choice` names (a SeriesInstanceUID), or the only MR series; throws with the listing otherwise. */
export function selectSeries(d: DroppedDicom, choice?: string): DicomSelection {
  const series = chooseSeries(d.series, d.source, choice === undefined ? {} : { series: choice });
  const { volume, source } = seriesToVolume(series);
  const segs = d.series.flatMap((s) => s.objects).filter((o) => o.sopClassUID === SEGMENTATION_STORAGE && referencedSeries(o) === series.uid).map((o) => d.files.get(o)!);
  return { input: volumeInput(`series-${series.number || series.uid}`, volume), source, segs };
}

function referencedSeries(o: DicomObject): string {
  const seq = o.dataset.ReferencedSeriesSequence as Array<Record<string, unknown>> | Record<string, unknown> | undefined;
  const first = Array.isArray(seq) ? seq[0] : seq;
  return String(first?.SeriesInstanceUID ?? '');
}

/** A SEG of the input series shown as the page's segmentation (its segments mapped to the three classes). */
export async function segmentationFromSeg(file: File, sel: DicomSelection): Promise<Segmentation> {
  const g = sel.source.geometry;
  const read = readSeg(file.name, await fileBytes(file), g);
  const classOf = new Map(read.segments.map((s) => [s.number, semanticClassOfCode(s.type)]));
  const classes = read.labels.map((n) => (n === 0 ? 0 : classOf.get(n) ?? 0));
  const vol: Volume<Uint8Array> = { data: classes, size: g.size, spacing: g.spacing, origin: g.origin, direction: g.direction };
  const sag = reorientToSagittal(vol).volume;
  const [w, h, n] = sag.size;
  const labels = Array.from({ length: n }, (_, k) => sag.data.subarray(k * w * h, (k + 1) * w * h));
  const counts = [0, 0, 0, 0];
  for (const l of labels) countClasses(l, counts);
  return { input: sel.input, labels, counts, seconds: 0 };
}

/** The segmentation as a DICOM SEG of the selected series. */
export function segBytes(seg: Segmentation, sel: DicomSelection, modelName: string): Uint8Array {
  return buildSeg(labelVolume(seg).data, sel.source, classSegments(), { algorithmName: `spineseg U-Net (${modelName})`.slice(0, 64), softwareVersion: '0.1.0' });
}

/** A label volume as .nii.gz bytes with its geometry: itk-wasm picks its NIfTI pipeline (served from this origin) by the name. */
export function niftiBytes(name: string, vol: Volume<Uint8Array>): Promise<Uint8Array> {
  return writeLabelMetaImage(name, vol);
}

/** The statistics CSV of `spineseg predict --stats` for what the page segmented. */
export function statsCsv(seg: Segmentation, model: string, postprocess: string): string {
  const all: InputStats[] = [];
  if (seg.input.kind === 'volume') {
    const v = labelVolume(seg);
    all.push({ input: seg.input.name, output: '', classes: labelStats(v.data, v.size, v.spacing) });
  } else {
    const { col, row } = seg.input.spacing ?? { col: 1, row: 1 };
    seg.input.slices.forEach((s, k) => all.push({ input: s.name, output: '', classes: labelStats(seg.labels[k]!, [s.width, s.height, 1], [col, row]) }));
  }
  return formatStats('statistics.csv', all, { model, postprocess });
}

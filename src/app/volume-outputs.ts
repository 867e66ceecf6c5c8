// The files `predict` writes for one volume besides the overlays and levels: the label map in the format asked for
// (--format nii.gz|mha, the input's own by default, nii.gz for DICOM; or a DICOM SEG for DICOM input), and with
// --save-probabilities the class probabilities on the input grid as a 4-D float image (x, y, z, class) with the
// input's geometry, as nnU-Net's flag of that name writes them (after ensemble averaging, before argmax and
// post-processing). Every file goes through a temporary name and a rename.
import { basename, join } from 'node:path';
import { writeFileAtomic } from '../model/checkpoint.ts';
import { writeFileAtomicWith } from '../pipeline/atomic-write.ts';
import { itkModules } from '../pipeline/io.ts';
import type { DicomSource } from '../pipeline/dicom.ts';
import { PipelineError } from '../pipeline/errors.ts';
import { LEVEL_CODES } from '../pipeline/level-codes.ts';
import type { Volume } from '../pipeline/volume.ts';
import { buildSeg } from './dicom-seg.ts';
import { classSegments, levelSegment } from './dicom-seg-codes.ts';
import { sagittalInInputGeometry, type SagittalStack } from './volume-slices.ts';

export type VolumeFormat = 'nii.gz' | 'mha' | 'seg';
export const VOLUME_FORMATS: readonly VolumeFormat[] = ['nii.gz', 'mha', 'seg'];

export interface ExtraInputs {
  labels: Volume<Uint8Array>;
  /** SPIDER level codes in the input's geometry (with --levels) */
  levelCodes?: Uint8Array;
  stack: Pick<SagittalStack, 'sagittal' | 'report'>;
  /** per sagittal slice: [rows*columns*classes], classes fastest (with --save-probabilities) */
  sliceProbabilities: Float32Array[];
  input: Volume;
}

interface OutputOptions {
  output: string;
  format?: VolumeFormat;
  saveProbabilities?: boolean;
  levels?: boolean;
  algorithmName?: string;
}

/** The names of one volume's outputs, and the writer of the probabilities and the SEG. */
export function volumeOutputs(file: string, o: OutputOptions, dicom?: DicomSource) {
  const own = basename(file);
  const stem = own.replace(/\.(mha|nii\.gz|nii)$/i, '');
  const format: VolumeFormat = o.format ?? (dicom || /\.nii(\.gz)?$/i.test(own) ? 'nii.gz' : 'mha');
  if (format === 'seg' && !dicom) throw new PipelineError(`${file}: --format seg needs DICOM input (a SEG references its source images); use --format nii.gz or mha`, { file, field: 'format', value: format });
  // the label map (and the level map) keep the input's own name unless another format was asked for
  const name = format === 'seg' ? `${stem}.nii.gz` : o.format === undefined && !dicom ? own : `${stem}.${format}`;
  const labels = format === 'seg' ? `${stem}.seg.dcm` : name;
  const writeExtra = async (x: ExtraInputs): Promise<string[]> => {
    const written: string[] = [];
    if (o.saveProbabilities) {
      const path = join(o.output, `${stem}_probabilities.${format === 'mha' ? 'mha' : 'nii.gz'}`);
      await writeProbabilities(probabilitiesInInputGeometry(x), path);
      written.push(path);
    }
    if (format === 'seg') {
      const codes = o.levels && x.levelCodes ? x.levelCodes : null;
      const definitions = codes ? LEVEL_CODES.filter((c) => codes.includes(c.code)).map((c) => levelSegment(c.code)) : classSegments();
      const bytes = buildSeg(codes ?? x.labels.data, dicom!, definitions, { algorithmName: o.algorithmName ?? 'spineseg U-Net', softwareVersion: '0.1.0' });
      const path = join(o.output, labels);
      writeFileAtomic(path, bytes);
      written.push(path);
    }
    return written;
  };
  /** Refuses, before anything is written, a SEG that would have no segment (a SEG needs at least one frame). */
  const checkLabels = (data: ArrayLike<number>): void => {
    if (format !== 'seg') return;
    for (let i = 0; i < data.length; i++) if (data[i] !== 0) return;
    throw new PipelineError(`${file}: the model found no vertebra, canal or disc: a SEG needs at least one segment; use --format nii.gz`, { file, field: 'format', value: format });
  };
  return { format, name, labels, writeExtra, checkLabels };
}

/** The per-slice probabilities as one [class][z][y][x] float volume in the input's array order. */
function probabilitiesInInputGeometry(x: ExtraInputs): { data: Float32Array; classes: number; geometry: Volume } {
  const [w, h, n] = x.stack.sagittal.size;
  const plane = w * h;
  if (x.sliceProbabilities.length !== n) throw new Error(`${x.sliceProbabilities.length} probability slices for ${n} sagittal slices`);
  const classes = x.sliceProbabilities[0]!.length / plane;
  const data = new Float32Array(plane * n * classes);
  const one = new Float32Array(plane * n);
  for (let c = 0; c < classes; c++) {
    x.sliceProbabilities.forEach((p, k) => {
      for (let i = 0; i < plane; i++) one[k * plane + i] = p[i * classes + c]!;
    });
    data.set(sagittalInInputGeometry(x.input, x.stack, one).data, c * plane * n);
  }
  return { data, classes, geometry: x.input };
}

async function writeProbabilities(p: { data: Float32Array; classes: number; geometry: Volume }, path: string): Promise<void> {
  const g = p.geometry;
  const { core, io } = await itkModules();
  const image = new core.Image(new core.ImageType(4, core.FloatTypes.Float32, core.PixelTypes.Scalar, 1));
  image.size = [...g.size, p.classes];
  image.spacing = [...g.spacing, 1];
  image.origin = [...g.origin, 0];
  const direction = new Float64Array(16);
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) direction[r * 4 + c] = g.direction[r * 3 + c]!;
  direction[15] = 1;
  image.direction = direction;
  image.data = p.data;
  try {
    await writeFileAtomicWith(path, (tmp) => io.writeImageNode(image, tmp, { useCompression: true }).then(() => undefined));
  } catch (err) {
    throw new PipelineError(`${path}: could not write the probabilities (${err instanceof Error ? err.message : String(err)})`, { file: path, field: 'file' });
  }
}

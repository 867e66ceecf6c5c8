// `spineseg inspect`: what predict would read from an input, without a model: the DICOM series (one line each,
// as predict lists them) and the geometry of the one it would use, or each image file's size, spacing, origin,
// direction and how it would be reoriented to sagittal slices.
import { chooseSeries, describeSeries, seriesGeometry, type SeriesChoice } from '../pipeline/dicom.ts';
import { imageFormat, readImage } from '../pipeline/io.ts';
import { planSagittalReorientation } from '../pipeline/orientation.ts';
import type { Volume } from '../pipeline/volume.ts';
import { scanDicom, skippedLine } from './dicom-input.ts';
import { dicomBudgetBytes, resolvePredictInput } from './predict-dicom.ts';

const fmt = (v: readonly number[], digits = 4) => v.map((x) => +x.toFixed(digits)).join(' ');

function geometryLines(v: Pick<Volume, 'size' | 'spacing' | 'origin' | 'direction'>): string[] {
  const plan = planSagittalReorientation(v.direction, v.spacing);
  const [w, h, n] = plan.permutation.map((p) => v.size[p]!);
  return [
    `  size ${v.size.join(' x ')} voxels, spacing ${fmt(v.spacing)} mm, origin ${fmt(v.origin)} mm (LPS)`,
    `  direction ${fmt(v.direction, 6)} (row-major; column j = array axis j)`,
    `  predict: ${plan.description}; ${n} sagittal slices of ${w}x${h}`,
  ];
}

/** The lines `spineseg inspect` prints for `paths`. */
export async function inspectInput(paths: readonly string[], choice: SeriesChoice = {}): Promise<string[]> {
  const input = (() => {
    try {
      return resolvePredictInput(paths, choice);
    } catch {
      return null; // a DICOM folder predict would stop on is still listed below, with the reason
    }
  })();
  if (input?.kind === 'files') {
    const lines: string[] = [];
    for (const file of input.files) {
      const v = await readImage(file);
      lines.push(`${file}: ${imageFormat(file)}`, ...(v.size[2] === 1 ? [`  ${v.size[0]} x ${v.size[1]} pixels${imageFormat(file) === 'png' ? ', no spacing' : `, spacing ${fmt(v.spacing.slice(0, 2))} mm`}`] : geometryLines(v)));
    }
    return lines;
  }
  const scan = scanDicom(paths, { sizeBudgetBytes: dicomBudgetBytes() });
  const lines = [`${scan.source}: ${scan.series.length} DICOM series${skippedLine(scan) ? `; ${skippedLine(scan)}` : ''}`, ...scan.series.map((s) => `  ${describeSeries(s)}`)];
  try {
    const series = chooseSeries(scan.series, scan.source, choice);
    const g = seriesGeometry(series);
    lines.push(`predict would use series ${series.number} (${series.uid}): ${g.plane}, slices sorted along the normal ${fmt([g.direction[2]!, g.direction[5]!, g.direction[8]!], 6)}`, ...geometryLines(g));
  } catch (err) {
    lines.push(`predict would stop: ${(err as Error).message.split('\n')[0]}`);
  }
  return lines;
}

// The evaluate workflow behind `spineseg evaluate --pred DIR --truth DIR [--tau MM] [--json FILE] [--mode 2d|3d] [--spacing ROWxCOL] [--slice-mm MM]`:
// Per-class IoU, Dice, ASD, NSD, precision, recall, F1 (and HD95) on the GPU, printed in the paper's
// Table 2 layout; per-case rows go to the JSON. 2d: every PNG is a case. 3d: a patient's PNG slices
// (patient = name before the first underscore, order from `slice<n>`) are stacked into one volume with
// --slice-mm between slices (default 3.3 mm, the SPIDER T2-SPACE sagittal slice distance), as SPIDER's
// per-volume evaluation; .mha / .nii.gz volumes are always one 3-D case each.
// Pixel spacing: `<name>.json` sidecar {"spacing": [rowMm, colMm]} (truth dir first, then pred dir),
// else --spacing, else 1 mm with a warning.
import path from 'node:path';
import { initGpu, adapterName } from '../runtime/gpu.ts';
import { evaluateCases, summarize, type CaseResult, type EvalCase, type Table2Row } from '../metrics/evaluate.ts';
import { DEFAULT_NSD_TAU_MM } from '../metrics/scores.ts';
import { listLabelFiles, readLabelImage, sidecarSpacing, stem, type LabelImage } from '../metrics/label-files.ts';


/** Distance between the stacked sagittal slices in 3d mode unless --slice-mm says otherwise. */
export const DEFAULT_SLICE_MM = 3.3;

export interface EvaluateCliOptions {
  pred: string;
  truth: string;
  tauMm?: number;
  mode?: '2d' | '3d';
  /** [rowMm, colMm] when no sidecar gives it */
  spacing?: [number, number];
  sliceMm?: number;
  /** score the files present in both folders and list the rest instead of refusing */
  allowMissing?: boolean;
  /** receives warnings (default console.warn) */
  warn?: (message: string) => void;
}

export interface EvaluateReport {
  mode: '2d' | '3d';
  tauMm: number;
  adapter: string;
  summary: Table2Row[];
  cases: CaseResult[];
  /** with allowMissing: truth files without a prediction and predictions without a truth, not scored */
  skipped?: { noPrediction: string[]; noTruth: string[] };
}


/** patient id and slice index of a slice file name like 110_t2_SPACE_slice51 */
export function sliceKey(name: string): { patient: string; slice: number } {
  const s = stem(name);
  const m = /slice[_-]?(\d+)/i.exec(s);
  if (!m) throw new Error(`${name}: no slice<n> in the name; 3d mode stacks <patient>_..._slice<n> files`);
  return { patient: s.split('_')[0], slice: Number(m[1]) };
}

export async function runEvaluate(o: EvaluateCliOptions): Promise<EvaluateReport> {
  const warn = o.warn ?? ((m: string) => console.warn(`spineseg evaluate: ${m}`));
  const mode = o.mode ?? '2d';
  const tau = o.tauMm ?? DEFAULT_NSD_TAU_MM;
  const sliceMm = o.sliceMm ?? DEFAULT_SLICE_MM;
  const predFiles = listLabelFiles(o.pred, '--pred');
  const truthFiles = listLabelFiles(o.truth, '--truth');
  const predSet = new Set(predFiles);
  const truthSet = new Set(truthFiles);
  const missing = truthFiles.filter((f) => !predSet.has(f));
  const extra = predFiles.filter((f) => !truthSet.has(f));
  if ((missing.length > 0 || extra.length > 0) && !o.allowMissing) {
    const list = (xs: string[]) => xs.join(', ');
    throw new Error(
      `--pred ${o.pred} and --truth ${o.truth} hold different files:` +
        (missing.length ? ` no prediction for ${list(missing)}` : '') +
        (missing.length && extra.length ? ';' : '') +
        (extra.length ? ` no truth for ${list(extra)}` : '') +
        ' (--allow-missing scores the files present in both)',
    );
  }
  const scored = truthFiles.filter((f) => predSet.has(f));
  if (scored.length === 0) throw new Error(`--pred ${o.pred} and --truth ${o.truth} have no file name in common: nothing to score`);
  let warnedSpacing = false;
  const pairs: { name: string; pred: LabelImage; truth: LabelImage; spacing: [number, number, number] }[] = [];
  for (const name of scored) {
    const truth = await readLabelImage(path.join(o.truth, name));
    const pred = await readLabelImage(path.join(o.pred, name));
    if (pred.dims.join() !== truth.dims.join()) {
      throw new Error(`${path.join(o.pred, name)}: size ${pred.dims.slice(pred.dims[0] === 1 ? 1 : 0).join('x')} differs from the truth ${path.join(o.truth, name)} (${truth.dims.slice(truth.dims[0] === 1 ? 1 : 0).join('x')})`);
    }
    let spacing = truth.spacing ?? pred.spacing ?? sidecarSpacing(path.join(o.pred, name));
    if (!spacing) {
      if (o.spacing) spacing = [1, o.spacing[0], o.spacing[1]];
      else {
        if (!warnedSpacing) warn(`no spacing sidecar (<name>.json) and no --spacing: assuming 1 mm pixels, distances are in pixels`);
        warnedSpacing = true;
        spacing = [1, 1, 1];
      }
    }
    pairs.push({ name: stem(name), pred, truth, spacing });
  }

  let cases: EvalCase[];
  if (mode === '2d') {
    cases = pairs.map((p) => ({ name: p.name, pred: p.pred.data, truth: p.truth.data, dims: p.truth.dims, spacing: p.spacing }));
  } else {
    cases = pairs.filter((p) => p.truth.dims[0] > 1).map((p) => ({ name: p.name, pred: p.pred.data, truth: p.truth.data, dims: p.truth.dims, spacing: p.spacing }));
    const byPatient = new Map<string, { slice: number; pair: (typeof pairs)[number] }[]>();
    for (const p of pairs.filter((q) => q.truth.dims[0] === 1)) {
      const { patient, slice } = sliceKey(p.name);
      byPatient.set(patient, [...(byPatient.get(patient) ?? []), { slice, pair: p }]);
    }
    for (const [patient, slices] of byPatient) {
      slices.sort((a, b) => a.slice - b.slice);
      const [, H, W] = slices[0].pair.truth.dims;
      for (const s of slices) {
        if (s.pair.truth.dims[1] !== H || s.pair.truth.dims[2] !== W) throw new Error(`${path.join(o.truth, s.pair.name)}: ${s.pair.truth.dims[1]}x${s.pair.truth.dims[2]} differs from the other slices of patient ${patient} (${H}x${W})`);
        const sp = s.pair.spacing;
        const sp0 = slices[0].pair.spacing;
        if (sp[1] !== sp0[1] || sp[2] !== sp0[2]) throw new Error(`${s.pair.name}: spacing ${sp[1]}x${sp[2]} differs from the other slices of patient ${patient} (${sp0[1]}x${sp0[2]})`);
      }
      const gaps = slices.filter((s, i) => i > 0 && s.slice !== slices[i - 1].slice + 1).length;
      if (gaps > 0) warn(`patient ${patient}: slice numbers are not contiguous (${gaps} gaps); slices are stacked in order ${sliceMm} mm apart`);
      const voxels = H * W;
      const pred = new Uint8Array(slices.length * voxels);
      const truth = new Uint8Array(slices.length * voxels);
      slices.forEach((s, k) => {
        pred.set(s.pair.pred.data, k * voxels);
        truth.set(s.pair.truth.data, k * voxels);
      });
      const sp = slices[0].pair.spacing;
      cases.push({ name: patient, pred, truth, dims: [slices.length, H, W], spacing: [sliceMm, sp[1], sp[2]] });
    }
  }

  const g = await initGpu();
  const results = await evaluateCases(cases, { tauMm: tau });
  return { mode, tauMm: tau, adapter: adapterName(g.adapter), summary: summarize(results), cases: results, ...(o.allowMissing ? { skipped: { noPrediction: missing, noTruth: extra } } : {}) };
}


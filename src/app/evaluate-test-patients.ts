// Table 2 of a checkpoint (or an ensemble) on the TEST patients of its recorded split, at the data's
// original resolution: original PNGs in, probabilities resampled to each slice's grid, the checkpoint's
// post-processing applied, per-class IoU / Dice / ASD / NSD / HD95 (src/metrics) out.
import { loadPredictor } from './checkpoints.ts';
import { loadOriginalSlices, predictOriginal, recordedSplit, scorePredictions, sizesOf, hasSpacing, type RecordedSplit } from './evaluate-checkpoint.ts';
import { formatTable2, type CaseResult, type Table2Row } from '../metrics/evaluate.ts';
import type { TtaMode, Upsampling } from '../model/predict.ts';

export interface TestEvaluation {
  split: RecordedSplit;
  slices: number;
  resolution: string;
  postprocessed: boolean;
  /** the test-time augmentation used: the given one, else the checkpoint's recorded `inference.tta` */
  tta: TtaMode;
  summary: Table2Row[];
  cases: CaseResult[];
  /** the summary as the paper's Table 2, distances in mm when the data has spacing, else pixels */
  table2: string;
}

export async function evaluateTestPatients(o: { checkpoints: readonly string[]; data: string; postprocess?: boolean; upsampling?: Upsampling; batchSize?: number; tta?: TtaMode }): Promise<TestEvaluation> {
  const predictor = await loadPredictor(o.checkpoints);
  try {
    const split = recordedSplit(predictor.configs[0] as never, predictor.files[0]!, o.data);
    if (split.test.length === 0) throw new Error(`${predictor.files[0]}: the split leaves no test patients in ${o.data}`);
    const samples = loadOriginalSlices(o.data, split.test);
    const postprocess = o.postprocess === false ? null : predictor.postprocess;
    const tta = o.tta ?? predictor.tta;
    const preds = await predictOriginal(predictor.nets, samples, { postprocess, upsampling: o.upsampling, batchSize: o.batchSize, tta });
    const { cases, summary } = await scorePredictions(preds);
    const resolution = sizesOf(samples);
    const title = `Test patients ${split.test.join(', ')} (${samples.length} slices at ${resolution})${postprocess ? ', post-processed' : ''}${tta === 'none' ? '' : `, TTA ${tta}`}${predictor.nets.length > 1 ? `, ensemble of ${predictor.nets.length}` : ''}`;
    return { split, slices: samples.length, resolution, postprocessed: Boolean(postprocess), tta, summary, cases, table2: formatTable2(summary, title, hasSpacing(o.data) ? 'mm' : 'px') };
  } finally {
    predictor.dispose();
  }
}

// Table 2 of a checkpoint (or an ensemble) on the TEST patients of its recorded split, at the data's
// original resolution: original PNGs in, probabilities resampled to each slice's grid, the checkpoint's
// post-processing applied, per-class IoU / Dice / ASD / NSD / HD95 (src/metrics) out.
import { loadPredictor } from './checkpoints.ts';
import { loadOriginalSlices, predictOriginal, recordedSplit, scorePredictions, sizesOf, hasSpacing, type RecordedSplit } from './evaluate-checkpoint.ts';
import { formatTable2, type CaseResult, type Table2Row } from '../metrics/evaluate.ts';
import type { Upsampling } from '../model/predict.ts';

export interface TestEvaluation {
  split: RecordedSplit;
  slices: number;
  resolution: string;
  postprocessed: boolean;
  summary: Table2Row[];
  cases: CaseResult[];
  /** the summary as the paper's Table 2, distances in mm when the data has spacing, else pixels */
  table2: string;
}

export async function evaluateTestPatients(o: { checkpoints: readonly string[]; data: string; postprocess?: boolean; upsampling?: Upsampling; batchSize?: number }): Promise<TestEvaluation> {
  const predictor = await loadPredictor(o.checkpoints);
  try {
    const split = recordedSplit(predictor.configs[0] as never, predictor.files[0]!, o.data);
    if (split.test.length === 0) throw new Error(`${predictor.files[0]}: the split leaves no test patients in ${o.data}`);
    const samples = loadOriginalSlices(o.data, split.test);
    const postprocess = o.postprocess === false ? null : predictor.postprocess;
    const preds = await predictOriginal(predictor.nets, samples, { postprocess, upsampling: o.upsampling, batchSize: o.batchSize });
    const { cases, summary } = await scorePredictions(preds);
    const resolution = sizesOf(samples);
    const title = `Test patients ${split.test.join(', ')} (${samples.length} slices at ${resolution})${postprocess ? ', post-processed' : ''}`;
    return { split, slices: samples.length, resolution, postprocessed: Boolean(postprocess), summary, cases, table2: formatTable2(summary, title, hasSpacing(o.data) ? 'mm' : 'px') };
  } finally {
    predictor.dispose();
  }
}

// Overlap scores (IoU, Dice, precision, recall, F1) of label tensors that are already on the GPU: the
// confusion kernel counts, only [images, C*C + 1] numbers come back. This is what the training loop calls
// on validation predictions.
import type { Tensor } from '../runtime/tensor.ts';
import { confusionCounts } from '../kernels/confusion.ts';
import { overlapScores, sumConfusion, meanOf, type ConfusionMatrix, type OverlapScores } from './scores.ts';

/**
 * Per-image confusion matrices of u32 label tensors [N, ...] (same shape). Throws, naming the image, if a
 * label is >= numClasses.
 */
export async function confusionMatrix(pred: Tensor, truth: Tensor, numClasses = 4): Promise<ConfusionMatrix[]> {
  const t = confusionCounts(pred, truth, numClasses);
  const raw = await t.readU32();
  t.dispose();
  const stride = numClasses * numClasses + 1;
  const images = pred.shape.length > 1 ? pred.shape[0] : 1;
  const out: ConfusionMatrix[] = [];
  for (let i = 0; i < images; i++) {
    const invalid = raw[i * stride + stride - 1];
    if (invalid > 0) throw new Error(`confusionMatrix: image ${i} has ${invalid} voxels with a label >= ${numClasses} in the prediction or the truth`);
    out.push({ numClasses, counts: Float64Array.from(raw.subarray(i * stride, i * stride + stride - 1)) });
  }
  return out;
}

export interface BatchOverlapScores {
  /** scores of each image, indexed [image][class] (class 0 = background included) */
  perImage: OverlapScores[][];
  /** scores of the counts pooled over the batch, per class */
  pooled: OverlapScores[];
  /** mean over images and foreground classes (1..C-1) of the non-null Dice / IoU */
  meanDice: number | null;
  meanIoU: number | null;
}

/**
 * Per-class IoU / Dice / precision / recall / F1 of GPU label tensors pred and truth (u32 [N, H, W] or
 * [N, D, H, W]) without reading the label maps back.
 */
export async function overlapScoresGpu(pred: Tensor, truth: Tensor, numClasses = 4): Promise<BatchOverlapScores> {
  const cms = await confusionMatrix(pred, truth, numClasses);
  const perImage = cms.map((cm) => Array.from({ length: numClasses }, (_, c) => overlapScores(cm, c)));
  const pooledCm = sumConfusion(cms);
  const pooled = Array.from({ length: numClasses }, (_, c) => overlapScores(pooledCm, c));
  const fg = perImage.flatMap((s) => s.slice(1));
  return { perImage, pooled, meanDice: meanOf(fg.map((s) => s.dice)), meanIoU: meanOf(fg.map((s) => s.iou)) };
}

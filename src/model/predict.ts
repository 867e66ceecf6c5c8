// Inference on slices of any size: each slice is zero-padded (centred) to the model's aspect ratio, resized
// to the model input and segmented; the class probabilities (softmax, averaged over an ensemble) are
// resampled bilinearly back onto the padded canvas, the padding is cropped off exactly, and only then is
// the argmax taken, so boundaries fall between network pixels instead of on a staircase of blocks.
// This mirrors how the dataset loader fits 512x620 slices onto a 512x640 canvas.
import { scopedAsync, Tensor } from '../graph/tensor.ts';
import { noGrad } from '../graph/autograd.ts';
import { argmaxChannels, softmax } from '../graph/nn.ts';
import { cropOrPadCentred, resizeArea, resizeBilinear, resizeNearest } from '../pipeline/resample.ts';
import type { ForwardOptions } from './unet.ts';

/** What prediction needs of a network: its input grid, its class count and an NHWC logits forward pass. */
export interface SegmentationNet {
  config: { width: number; height: number; classes: number };
  forward(x: Tensor, opts: ForwardOptions): Tensor;
}

/** How the network's output reaches the slice's own grid: 'probabilities' (bilinear, then argmax) or the old 'nearest' label upsampling (kept for ablations). */
export type Upsampling = 'probabilities' | 'nearest';

export interface SliceImage {
  /** [height*width] intensities in [0,1] */
  image: Float32Array;
  width: number;
  height: number;
}

/** The padded canvas (same aspect ratio as the model input) a slice is placed on, with even margins. */
export function canvasFor(width: number, height: number, modelW: number, modelH: number): { width: number; height: number } {
  const aspect = modelW / modelH;
  let cw = width;
  let ch = height;
  if (width / height > aspect) ch = Math.round(width / aspect);
  else cw = Math.round(height * aspect);
  cw += (cw - width) % 2;
  ch += (ch - height) % 2;
  return { width: cw, height: ch };
}

/**
 * Size of one pixel of a slice in a post-processing block's unit, as [row, column]: mm for 'mm2' (from the
 * slice's spacing), network-grid pixels for 'grid-px' (the grid-to-canvas scale of toModelInput).
 */
export function thresholdSpacing(unit: 'grid-px' | 'mm2', s: { width: number; height: number }, modelW: number, modelH: number, mm?: readonly [number, number]): [number, number] {
  if (unit === 'mm2') {
    if (!mm) throw new Error('post-processing thresholds in mm² need the pixel spacing, and this input has none');
    return [mm[0], mm[1]];
  }
  const c = canvasFor(s.width, s.height, modelW, modelH);
  return [modelH / c.height, modelW / c.width];
}

/** Model-size input of one slice. */
export function toModelInput(s: SliceImage, modelW: number, modelH: number): Float32Array {
  const c = canvasFor(s.width, s.height, modelW, modelH);
  const padded = cropOrPadCentred(s.image, s.width, s.height, c.width, c.height);
  return c.width === modelW && c.height === modelH ? padded : resizeArea(padded, c.width, c.height, modelW, modelH);
}

/** A model-size label map back at the slice's size. */
export function fromModelOutput(labels: Uint8Array, s: { width: number; height: number }, modelW: number, modelH: number): Uint8Array {
  const c = canvasFor(s.width, s.height, modelW, modelH);
  const canvas = c.width === modelW && c.height === modelH ? labels : resizeNearest(labels, modelW, modelH, c.width, c.height);
  return cropOrPadCentred(canvas, c.width, c.height, s.width, s.height);
}

/** Per-pixel argmax of an [pixels x classes] (channels-last) probability map; ties go to the lowest class. */
export function argmaxProbabilities(probs: Float32Array, classes: number): Uint8Array {
  const n = probs.length / classes;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestP = probs[i * classes]!;
    for (let c = 1; c < classes; c++) {
      const p = probs[i * classes + c]!;
      if (p > bestP) {
        best = c;
        bestP = p;
      }
    }
    out[i] = best;
  }
  return out;
}

/**
 * Model-grid class probabilities ([modelH*modelW*classes], channels last) back at the slice's own size:
 * each class plane is resized bilinearly (pixel-centre aligned, the inverse geometry of toModelInput's
 * area downsampling) onto the padded canvas, and the centred padding is cropped off. Returns
 * [height*width*classes], channels last.
 */
export function probabilitiesToSlice(probs: Float32Array, classes: number, s: { width: number; height: number }, modelW: number, modelH: number): Float32Array {
  if (probs.length !== modelW * modelH * classes) throw new Error(`probability map of ${probs.length} values for a ${modelW}x${modelH}x${classes} model grid`);
  const c = canvasFor(s.width, s.height, modelW, modelH);
  const out = new Float32Array(s.width * s.height * classes);
  const plane = new Float32Array(modelW * modelH);
  for (let k = 0; k < classes; k++) {
    for (let i = 0; i < plane.length; i++) plane[i] = probs[i * classes + k]!;
    const onCanvas = c.width === modelW && c.height === modelH ? plane : resizeBilinear(plane, modelW, modelH, c.width, c.height);
    const cropped = cropOrPadCentred(onCanvas, c.width, c.height, s.width, s.height);
    for (let i = 0; i < cropped.length; i++) out[i * classes + k] = cropped[i]!;
  }
  return out;
}

/** Class probabilities of a batch of model inputs ([n, H, W, 1]), averaged over the networks of an ensemble. */
export async function modelProbabilities(nets: readonly SegmentationNet[], input: Float32Array, n: number): Promise<Float32Array> {
  const { width: W, height: H, classes } = nets[0]!.config;
  const sum = new Float32Array(n * W * H * classes);
  for (const net of nets) {
    const p = await scopedAsync(async () => noGrad(() => softmax(net.forward(Tensor.fromData(input, [n, H, W, 1]), { training: false }))).read());
    for (let i = 0; i < sum.length; i++) sum[i] += p[i]!;
  }
  if (nets.length > 1) for (let i = 0; i < sum.length; i++) sum[i] /= nets.length;
  return sum;
}

/** Networks of an ensemble must share the input grid and the classes. */
function checkEnsemble(nets: readonly SegmentationNet[]): void {
  if (nets.length === 0) throw new Error('predictSlices: no network given');
  const a = nets[0]!.config;
  for (const net of nets.slice(1)) {
    const b = net.config;
    if (b.width !== a.width || b.height !== a.height || b.classes !== a.classes) throw new Error(`ensemble members differ: ${a.width}x${a.height} with ${a.classes} classes vs ${b.width}x${b.height} with ${b.classes} classes`);
  }
}

/**
 * Segments slices in batches; returns one label map per slice at the slice's size. Several networks
 * (an ensemble) average their probabilities. 'probabilities' resamples the softmax bilinearly before the
 * argmax; 'nearest' takes the argmax on the network grid and upsamples labels (the former behaviour).
 */
export async function predictSlices(
  model: SegmentationNet | readonly SegmentationNet[],
  slices: SliceImage[],
  batchSize = 4,
  onProgress?: (done: number) => void,
  upsampling: Upsampling = 'probabilities',
  /** each slice's class probabilities on its own grid ([height*width*classes], classes fastest), before the argmax */
  onSliceProbabilities?: (slice: number, probabilities: Float32Array) => void,
): Promise<Uint8Array[]> {
  const nets = Array.isArray(model) ? (model as readonly SegmentationNet[]) : [model as SegmentationNet];
  checkEnsemble(nets);
  const { width: W, height: H, classes } = nets[0]!.config;
  const plane = W * H;
  const out: Uint8Array[] = [];
  for (let i = 0; i < slices.length; i += batchSize) {
    const batch = slices.slice(i, i + batchSize);
    const input = new Float32Array(batch.length * plane);
    batch.forEach((s, k) => input.set(toModelInput(s, W, H), k * plane));
    if (upsampling === 'nearest' && nets.length === 1) {
      const pred = await scopedAsync(async () => noGrad(() => argmaxChannels(nets[0]!.forward(Tensor.fromData(input, [batch.length, H, W, 1]), { training: false }))).readU32());
      batch.forEach((s, k) => out.push(fromModelOutput(Uint8Array.from(pred.subarray(k * plane, (k + 1) * plane)), s, W, H)));
    } else {
      const probs = await modelProbabilities(nets, input, batch.length);
      batch.forEach((s, k) => {
        const p = probs.subarray(k * plane * classes, (k + 1) * plane * classes);
        if (upsampling === 'nearest') out.push(fromModelOutput(argmaxProbabilities(p, classes), s, W, H));
        else {
          const sliceProbs = probabilitiesToSlice(p, classes, s, W, H);
          onSliceProbabilities?.(out.length, sliceProbs);
          out.push(argmaxProbabilities(sliceProbs, classes));
        }
      });
    }
    onProgress?.(out.length);
  }
  return out;
}

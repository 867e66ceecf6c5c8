// Inference on slices of any size: each slice is zero-padded (centred) to the model's aspect ratio, resized
// to the model input, segmented, and the label map is brought back to the slice's own size (nearest
// neighbour). This mirrors how the dataset loader fits 512x620 slices onto a 512x640 canvas.
import { scopedAsync, Tensor } from '../graph/tensor.ts';
import { noGrad } from '../graph/autograd.ts';
import { argmaxChannels } from '../graph/nn.ts';
import { cropOrPadCentred, resizeArea, resizeNearest } from '../pipeline/resample.ts';
import type { UNet } from './unet.ts';

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

/** Segments slices in batches; returns one label map (classes 0..3) per slice at the slice's size. */
export async function predictSlices(model: UNet, slices: SliceImage[], batchSize = 4, onProgress?: (done: number) => void): Promise<Uint8Array[]> {
  const { width: W, height: H } = model.config;
  const out: Uint8Array[] = [];
  for (let i = 0; i < slices.length; i += batchSize) {
    const batch = slices.slice(i, i + batchSize);
    const input = new Float32Array(batch.length * W * H);
    batch.forEach((s, k) => input.set(toModelInput(s, W, H), k * W * H));
    const pred = await scopedAsync(async () => {
      const labels = noGrad(() => argmaxChannels(model.forward(Tensor.fromData(input, [batch.length, H, W, 1]), { training: false })));
      return labels.readU32();
    });
    batch.forEach((s, k) => out.push(fromModelOutput(Uint8Array.from(pred.subarray(k * W * H, (k + 1) * W * H)), s, W, H)));
    onProgress?.(out.length);
  }
  return out;
}

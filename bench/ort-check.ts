// The onnxruntime-web peer against our engine: the exported model's class probabilities on the model grid, slice by
// slice, against ours (modelProbabilities), as the largest absolute difference and the argmax pixels that differ.
// bench/predict_peers.ts refuses to time a provider that differs; test/bench-ort.test.ts runs it on the shipped
// model's test subset with the Wasm provider. No node: imports (the page's Benchmark tab uses it too).
import { modelProbabilities, toModelInput, argmaxProbabilities, type SegmentationNet, type SliceImage } from '../src/model/predict.ts';
import type { Ort } from './ort-types.ts';

export type OrtSession = Awaited<ReturnType<Ort['InferenceSession']['create']>>;

/** One model input [H*W] through the session: probabilities channels last [H*W*classes], the layout of ours. */
export async function ortProbabilities(ort: Ort, session: OrtSession, input: Float32Array, net: SegmentationNet): Promise<Float32Array> {
  const { width: W, height: H, classes } = net.config;
  const out = await session.run({ image: new ort.Tensor('float32', input, [1, 1, H, W]) });
  const p = (await out.probabilities!.getData()) as Float32Array;
  if (p.length !== W * H * classes) throw new Error(`onnxruntime: ${p.length} probabilities for a ${W}x${H}x${classes} grid`);
  const nhwc = new Float32Array(p.length);
  for (let k = 0; k < classes; k++) for (let i = 0; i < W * H; i++) nhwc[i * classes + k] = p[k * W * H + i]!;
  return nhwc;
}

export interface OrtAgreement {
  maxAbsProbability: number;
  differingPixels: number;
  pixels: number;
}

export async function ortAgreement(ort: Ort, session: OrtSession, net: SegmentationNet, slices: SliceImage[]): Promise<OrtAgreement> {
  const { width: W, height: H, classes } = net.config;
  let worst = 0;
  let differing = 0;
  let pixels = 0;
  for (const s of slices) {
    const input = toModelInput(s, W, H);
    const theirs = await ortProbabilities(ort, session, input, net);
    const ours = await modelProbabilities([net], input, 1);
    for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(theirs[i]! - ours[i]!));
    const a = argmaxProbabilities(ours, classes);
    const b = argmaxProbabilities(theirs, classes);
    for (let i = 0; i < a.length; i++) differing += a[i] !== b[i] ? 1 : 0;
    pixels += a.length;
  }
  return { maxAbsProbability: worst, differingPixels: differing, pixels };
}

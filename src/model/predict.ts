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

/**
 * Test-time augmentation: the views each network also sees, their predictions mapped back and averaged.
 * 'flip' mirrors the slice anterior-posterior (left-right in the image), which a sagittal slice of a patient
 * facing the other way looks like; a superior-inferior flip is not used (an upside-down spine is not an image
 * the network meets). 'full' adds zooms of 0.9x and 1.1x about the centre of the network grid.
 */
export type TtaMode = 'none' | 'flip' | 'full';
export const TTA_MODES: readonly TtaMode[] = ['none', 'flip', 'full'];

interface TtaView {
  flip: boolean;
  zoom: number;
}

export function ttaViews(mode: TtaMode): TtaView[] {
  const flips = mode === 'none' ? [false] : [false, true];
  const zooms = mode === 'full' ? [1, 0.9, 1.1] : [1];
  return zooms.flatMap((zoom) => flips.map((flip) => ({ flip, zoom })));
}

/** Mirrors each row of n planes of [H, W, C] (C values per pixel, fastest). */
export function flipColumns(data: Float32Array, n: number, H: number, W: number, C: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let p = 0; p < n * H; p++) {
    const row = p * W * C;
    for (let x = 0; x < W; x++) for (let c = 0; c < C; c++) out[row + x * C + c] = data[row + (W - 1 - x) * C + c]!;
  }
  return out;
}

/**
 * Zooms n planes of [H, W, C] by `zoom` about the grid centre, bilinearly: out(x, y) = in(centre + (x - centre) / zoom).
 * Outside the source: 0 ('zero', an image's background) or the nearest edge value ('clamp', probabilities).
 */
export function zoomPlanes(data: Float32Array, n: number, H: number, W: number, C: number, zoom: number, outside: 'zero' | 'clamp'): Float32Array {
  const out = new Float32Array(data.length);
  const cx = (W - 1) / 2;
  const cy = (H - 1) / 2;
  for (let b = 0; b < n; b++) {
    const base = b * H * W * C;
    for (let y = 0; y < H; y++) {
      let sy = cy + (y - cy) / zoom;
      if (outside === 'zero' && (sy < -0.5 || sy > H - 0.5)) continue;
      sy = Math.min(H - 1, Math.max(0, sy));
      const y0 = Math.floor(sy);
      const y1 = Math.min(H - 1, y0 + 1);
      const fy = sy - y0;
      for (let x = 0; x < W; x++) {
        let sx = cx + (x - cx) / zoom;
        if (outside === 'zero' && (sx < -0.5 || sx > W - 0.5)) continue;
        sx = Math.min(W - 1, Math.max(0, sx));
        const x0 = Math.floor(sx);
        const x1 = Math.min(W - 1, x0 + 1);
        const fx = sx - x0;
        for (let c = 0; c < C; c++) {
          const v00 = data[base + (y0 * W + x0) * C + c]!;
          const v01 = data[base + (y0 * W + x1) * C + c]!;
          const v10 = data[base + (y1 * W + x0) * C + c]!;
          const v11 = data[base + (y1 * W + x1) * C + c]!;
          out[base + (y * W + x) * C + c] = (1 - fy) * ((1 - fx) * v00 + fx * v01) + fy * ((1 - fx) * v10 + fx * v11);
        }
      }
    }
  }
  return out;
}

/** The most slices one forward pass of modelProbabilities takes when it stacks a network's test-time views. */
export const STACKED_BATCH = 8;

/** What the members (networks x test-time views) said about each pixel of the network grid. */
export interface MemberVotes extends VoteMasks {
  /** number of members averaged */
  members: number;
  /**
   * the same masks per network, across its own test-time views; only for an ensemble with several views, whose
   * confidence is the mean of its networks' own agreements (sliceConfidence)
   */
  networks?: VoteMasks[];
}

/**
 * Class probabilities of a batch of model inputs ([n, H, W, 1]), averaged over the networks of an ensemble and
 * the test-time views; with `votes`, also each pixel's argmax agreement across those members.
 */
export async function modelProbabilities(nets: readonly SegmentationNet[], input: Float32Array, n: number, tta?: TtaMode): Promise<Float32Array>;
export async function modelProbabilities(nets: readonly SegmentationNet[], input: Float32Array, n: number, tta: TtaMode, votes: true): Promise<{ probabilities: Float32Array; votes: MemberVotes }>;
export async function modelProbabilities(nets: readonly SegmentationNet[], input: Float32Array, n: number, tta: TtaMode = 'none', votes = false): Promise<Float32Array | { probabilities: Float32Array; votes: MemberVotes }> {
  const { width: W, height: H, classes } = nets[0]!.config;
  if (classes > 8) throw new Error(`modelProbabilities: ${classes} classes; the vote masks hold at most 8`);
  const sum = new Float32Array(n * W * H * classes);
  const views = ttaViews(tta);
  const plane = n * H * W;
  const whole = votes ? voteMasks(plane) : null;
  const perNetwork = votes && nets.length > 1 && views.length > 1;
  const networks: VoteMasks[] = [];
  // the views of a network go through it together, as one batch of up to STACKED_BATCH slices: lavapipe pays
  // per dispatch, and each slice's result does not depend on the others in the batch (inference mode)
  const perChunk = Math.max(1, Math.floor(STACKED_BATCH / n));
  for (const net of nets) {
    const own = perNetwork ? voteMasks(plane) : null;
    if (own) networks.push(own);
    for (let v0 = 0; v0 < views.length; v0 += perChunk) {
      const chunk = views.slice(v0, v0 + perChunk);
      const xIn = new Float32Array(chunk.length * plane);
      chunk.forEach((view, k) => {
        let x = input;
        if (view.zoom !== 1) x = zoomPlanes(x, n, H, W, 1, view.zoom, 'zero');
        if (view.flip) x = flipColumns(x, n, H, W, 1);
        xIn.set(x, k * plane);
      });
      const out = await scopedAsync(async () => noGrad(() => softmax(net.forward(Tensor.fromData(xIn, [chunk.length * n, H, W, 1]), { training: false }))).read());
      for (const [k, view] of chunk.entries()) {
        let p = out.subarray(k * plane * classes, (k + 1) * plane * classes);
        if (view.flip) p = flipColumns(p, n, H, W, classes);
        if (view.zoom !== 1) p = zoomPlanes(p, n, H, W, classes, 1 / view.zoom, 'clamp');
        for (let i = 0; i < sum.length; i++) sum[i] += p[i]!;
        if (whole) {
          const top = argmaxProbabilities(p, classes);
          addVote(whole, top);
          if (own) addVote(own, top);
        }
      }
    }
  }
  const members = nets.length * views.length;
  if (members > 1) for (let i = 0; i < sum.length; i++) sum[i] /= members;
  return whole ? { probabilities: sum, votes: perNetwork ? { members, ...whole, networks } : { members, ...whole } } : sum;
}

/** What a group of members voted for on each pixel. */
export interface VoteMasks {
  /** per pixel: bit c set when any member's argmax was class c */
  any: Uint8Array;
  /** per pixel: bit c set when every member's argmax was class c */
  all: Uint8Array;
}

function voteMasks(pixels: number): VoteMasks {
  return { any: new Uint8Array(pixels), all: new Uint8Array(pixels).fill(255) };
}

/** One member's argmax labels into the masks. */
function addVote(m: VoteMasks, top: Uint8Array): void {
  for (let i = 0; i < top.length; i++) {
    m.any[i] |= 1 << top[i]!;
    m.all[i] &= 1 << top[i]!;
  }
}

/** Confidence of one slice, per class, from the members' agreement and the averaged probabilities (network grid). */
export interface SliceConfidence {
  members: number;
  /**
   * per class: pixels every member labels c / pixels any member labels c (1 when none does: nothing to disagree on).
   * For an ensemble with test-time views (`networks` set), the mean over its networks of that ratio across each
   * network's own views: the quantity a cross-validation calibrates its threshold on (one network per validation
   * slice), whereas unanimity across all members falls as members are added.
   */
  agreement: number[];
  /** the networks whose own agreements are averaged (absent: agreement across all members) */
  networks?: number;
  /** per class: mean entropy of the averaged probabilities over the pixels labelled c, divided by log(classes) (0: certain) */
  entropy: number[];
  /** per class: pixels labelled c on the network grid */
  pixels: number[];
}

export function sliceConfidence(probs: Float32Array, votes: MemberVotes, offset: number, plane: number, classes: number): SliceConfidence {
  const entSum = new Array(classes).fill(0);
  const pixels = new Array(classes).fill(0);
  const logC = Math.log(classes);
  for (let i = 0; i < plane; i++) {
    let best = 0;
    let e = 0;
    for (let c = 0; c < classes; c++) {
      const p = probs[(offset + i) * classes + c]!;
      if (p > probs[(offset + i) * classes + best]!) best = c;
      if (p > 0) e -= p * Math.log(p);
    }
    pixels[best]++;
    entSum[best] += e / logC;
  }
  const entropy = entSum.map((s, c) => (pixels[c] === 0 ? 0 : s / pixels[c]));
  if (!votes.networks) return { members: votes.members, agreement: agreementOf(votes, offset, plane, classes), entropy, pixels };
  const own = votes.networks.map((v) => agreementOf(v, offset, plane, classes));
  const agreement = Array.from({ length: classes }, (_, c) => own.reduce((a, g) => a + g[c]!, 0) / own.length);
  return { members: votes.members, agreement, networks: own.length, entropy, pixels };
}

/** Per class: pixels every member labels c over pixels any member does (1 when none does). */
function agreementOf(votes: VoteMasks, offset: number, plane: number, classes: number): number[] {
  const anyCount = new Array<number>(classes).fill(0);
  const allCount = new Array<number>(classes).fill(0);
  for (let i = 0; i < plane; i++) {
    const a = votes.any[offset + i]!;
    const b = votes.all[offset + i]!;
    for (let c = 0; c < classes; c++) {
      if (a & (1 << c)) anyCount[c]++;
      if (b & (1 << c)) allCount[c]++;
    }
  }
  return anyCount.map((u, c) => (u === 0 ? 1 : allCount[c]! / u));
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
export interface PredictExtras {
  /** test-time augmentation (default none) */
  tta?: TtaMode;
  /** each slice's confidence from the members' agreement (ensemble networks x TTA views) */
  onSliceConfidence?: (slice: number, confidence: SliceConfidence) => void;
  /**
   * each slice's disagreement on its own grid (network pixels taken nearest-neighbour): 1 where the members' argmaxes
   * differ, 0 where they are unanimous (always 0 for one network without test-time augmentation)
   */
  onSliceDisagreement?: (slice: number, contested: Uint8Array) => void;
}

export async function predictSlices(
  model: SegmentationNet | readonly SegmentationNet[],
  slices: SliceImage[],
  batchSize = 4,
  onProgress?: (done: number) => void,
  upsampling: Upsampling = 'probabilities',
  /** each slice's class probabilities on its own grid ([height*width*classes], classes fastest), before the argmax */
  onSliceProbabilities?: (slice: number, probabilities: Float32Array) => void,
  extras: PredictExtras = {},
): Promise<Uint8Array[]> {
  const nets = Array.isArray(model) ? (model as readonly SegmentationNet[]) : [model as SegmentationNet];
  checkEnsemble(nets);
  const { width: W, height: H, classes } = nets[0]!.config;
  const tta = extras.tta ?? 'none';
  const plane = W * H;
  const out: Uint8Array[] = [];
  for (let i = 0; i < slices.length; i += batchSize) {
    const batch = slices.slice(i, i + batchSize);
    const input = new Float32Array(batch.length * plane);
    batch.forEach((s, k) => input.set(toModelInput(s, W, H), k * plane));
    if (upsampling === 'nearest' && nets.length === 1 && tta === 'none' && !extras.onSliceConfidence && !extras.onSliceDisagreement) {
      const pred = await scopedAsync(async () => noGrad(() => argmaxChannels(nets[0]!.forward(Tensor.fromData(input, [batch.length, H, W, 1]), { training: false }))).readU32());
      batch.forEach((s, k) => out.push(fromModelOutput(Uint8Array.from(pred.subarray(k * plane, (k + 1) * plane)), s, W, H)));
    } else {
      const { probabilities: probs, votes } = await modelProbabilities(nets, input, batch.length, tta, true);
      batch.forEach((s, k) => {
        const p = probs.subarray(k * plane * classes, (k + 1) * plane * classes);
        extras.onSliceConfidence?.(out.length, sliceConfidence(probs, votes, k * plane, plane, classes));
        if (extras.onSliceDisagreement) {
          const contested = new Uint8Array(plane);
          for (let i = 0; i < plane; i++) contested[i] = votes.all[k * plane + i] === 0 ? 1 : 0;
          extras.onSliceDisagreement(out.length, fromModelOutput(contested, s, W, H));
        }
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

// Training loop: the paper's setting (0.6 focal + 0.4 Dice, Adam 1e-3, batch 8, early stopping and
// checkpoints on validation mean IoU), seeded and resumable. Each step is one scope and one submission:
// forward, fused loss, backward and Adam all record into the same command encoder; only the scalar
// loss is read back after the step.
import { Tensor, scoped, scopedAsync } from '../graph/tensor.ts';
import { backward, noGrad } from '../graph/autograd.ts';
import { focalDiceLoss, argmaxChannels } from '../graph/nn.ts';
import { Adam, type LrScheduleKind } from '../graph/optim.ts';
import { gpu } from '../runtime/gpu.ts';
import { augmentBatch, AUG_STRIDE } from '../graph/augment.ts';
import { augmentIsOff, drawBatchAugmentParams, type AugmentConfig } from './augment.ts';
import { Rng } from '../util/random.ts';
import { UNet } from './unet.ts';
import type { Sample as PipelineSample } from '../pipeline/dataset.ts';
import { confusionMatrix } from '../metrics/overlap.ts';
import { overlapScores, sumConfusion, meanOf, type ConfusionMatrix } from '../metrics/scores.ts';

/** A 2-D training slice: the data pipeline's Sample (image in [0,1], labels 0..3, row-major). */
export type Sample = Pick<PipelineSample, 'file' | 'patient' | 'image' | 'labels' | 'width' | 'height' | 'spacing'>;

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  lr: number;
  /** epochs without a better validation mean IoU before stopping */
  patience: number;
  seed: number;
  /** stop an epoch after this many steps (quick runs); default all batches */
  stepsPerEpoch?: number;
  /** no new epoch starts when it would end past this many seconds of training (the demo's time budget) */
  maxSeconds?: number;
  /** training-batch augmentation on the GPU (validation is never augmented); default none */
  augment?: AugmentConfig;
  /** learning-rate schedule over `epochs` (default constant); a resumed run uses its current `epochs` */
  lrSchedule?: LrScheduleKind;
  /** linear warm-up of the cosine schedule, in epochs */
  warmupEpochs?: number;
}

export interface EpochRecord {
  epoch: number;
  steps: number;
  trainLoss: number;
  valLoss: number;
  /** Keras-style MeanIoU over the 4 classes (background included) */
  valMeanIoU: number;
  valIoU: number[];
  valDice: number[];
  seconds: number;
  /** learning rate of the epoch's last step, as the GPU schedule computed it */
  lr?: number;
  /** augmentation level and learning-rate schedule the epoch trained with */
  augment?: string;
  lrSchedule?: string;
}

export interface TrainState {
  /** epochs completed */
  epoch: number;
  step: number;
  bestMeanIoU: number;
  bestEpoch: number;
  history: EpochRecord[];
}

/** Uploads samples as x [N,H,W,1] f32 and y [N,H,W] u32. */
export function uploadBatch(samples: Sample[]): { x: Tensor; y: Tensor } {
  const { width: W, height: H } = samples[0];
  const img = new Float32Array(samples.length * H * W);
  const lab = new Uint32Array(samples.length * H * W);
  samples.forEach((s, i) => {
    if (s.width !== W || s.height !== H) throw new Error(`batch mixes sizes: ${s.file} is ${s.width}x${s.height}, expected ${W}x${H}`);
    img.set(s.image, i * H * W);
    lab.set(s.labels, i * H * W);
  });
  return { x: Tensor.fromData(img, [samples.length, H, W, 1]), y: Tensor.fromData(lab, [samples.length, H, W], 'u32') };
}

/** The sample order of one epoch: a permutation seeded by (seed, epoch), so a resumed run sees the same batches. */
export function epochOrder(n: number, seed: number, epoch: number): number[] {
  return new Rng((seed * 1_000_003 + epoch * 7919) >>> 0).shuffle([...Array(n).keys()]);
}

export interface Evaluation {
  loss: number;
  iou: number[];
  dice: number[];
  meanIoU: number;
}

/**
 * Inference-mode loss and per-class IoU/Dice over a sample set. Confusion counts are taken on the GPU
 * (src/metrics/overlap.ts), so only the loss and 17 numbers per slice come back. A class absent from
 * both prediction and truth has no IoU (NaN here) and, as in Keras MeanIoU, is left out of the mean.
 */
export async function evaluateModel(model: UNet, samples: Sample[], batchSize: number): Promise<Evaluation> {
  const classes = model.config.classes;
  const matrices: ConfusionMatrix[] = [];
  let lossSum = 0;
  for (let i = 0; i < samples.length; i += batchSize) {
    const batch = samples.slice(i, i + batchSize);
    lossSum += batch.length * (await scopedAsync(async () => {
      const { loss, pred, y } = noGrad(() => {
        const { x, y } = uploadBatch(batch);
        const logits = model.forward(x, { training: false });
        return { loss: focalDiceLoss(logits, y), pred: argmaxChannels(logits), y };
      });
      matrices.push(...(await confusionMatrix(pred, y, classes)));
      return (await loss.read())[0];
    }));
  }
  const pooled = sumConfusion(matrices);
  const scores = Array.from({ length: classes }, (_, c) => overlapScores(pooled, c));
  const iou = scores.map((s) => s.iou ?? NaN);
  const dice = scores.map((s) => s.dice ?? NaN);
  return { loss: lossSum / samples.length, iou, dice, meanIoU: meanOf(scores.map((s) => s.iou)) ?? NaN };
}

export interface TrainHooks {
  /** after every step with the step's loss */
  onStep?(info: { epoch: number; step: number; stepInEpoch: number; stepsInEpoch: number; loss: number }): void;
  /** after every epoch; persist checkpoints here (the state is complete for --resume) */
  onEpoch?(record: EpochRecord, state: TrainState, improved: boolean, optimizer: Adam): Promise<void> | void;
}

export function stepsPerEpoch(nTrain: number, opts: TrainOptions): number {
  const full = Math.floor(nTrain / opts.batchSize) || 1;
  return Math.min(full, opts.stepsPerEpoch ?? full);
}

/**
 * One optimisation step on a batch; returns the loss. With `augParams` (AUG_STRIDE floats per sample, from
 * src/model/augment.ts) the uploaded batch is augmented on the GPU in the same submission before the forward.
 */
export async function trainStep(model: UNet, optimizer: Adam, batch: Sample[], dropoutSeed: number, augParams?: Float32Array): Promise<number> {
  const loss = scoped(() => {
    let { x, y } = uploadBatch(batch);
    if (augParams) {
      if (augParams.length !== batch.length * AUG_STRIDE) throw new Error(`trainStep: ${augParams.length} augmentation parameters for ${batch.length} samples`);
      ({ x, y } = augmentBatch(x, y, augParams));
    }
    const logits = model.forward(x, { training: true, dropoutSeed });
    const l = focalDiceLoss(logits, y);
    backward(l);
    optimizer.step();
    for (const p of optimizer.params) {
      p.grad?.dispose();
      p.grad = null;
    }
    l.creator = null;
    return l;
  });
  const value = (await loss.read())[0];
  loss.dispose();
  return value;
}

/**
 * Trains until `opts.epochs` or early stopping. `state` and `optimizer` come from a checkpoint when
 * resuming; training continues at epoch state.epoch + 1 with the same per-epoch order and dropout seeds.
 */
export async function train(model: UNet, trainSet: Sample[], valSet: Sample[], opts: TrainOptions, hooks: TrainHooks = {}, resume?: { state: TrainState; optimizer: Adam }): Promise<TrainState> {
  if (trainSet.length === 0) throw new Error('training set is empty');
  if (valSet.length === 0) throw new Error('validation set is empty (need at least one held-out patient)');
  const optimizer = resume?.optimizer ?? new Adam(model.trainable(), { lr: opts.lr });
  // the schedule spans the run's current epochs, also when a resumed run changed them
  optimizer.schedule = { kind: opts.lrSchedule ?? 'constant', epochs: opts.epochs, stepsPerEpoch: stepsPerEpoch(trainSet.length, opts), warmupEpochs: opts.warmupEpochs ?? 0 };
  try {
    return await trainEpochs(model, trainSet, valSet, opts, hooks, optimizer, resume?.state);
  } finally {
    // the moments live on the GPU; train() owns the optimizer, a resumed one included
    optimizer.dispose();
  }
}

async function trainEpochs(model: UNet, trainSet: Sample[], valSet: Sample[], opts: TrainOptions, hooks: TrainHooks, optimizer: Adam, resumeState?: TrainState): Promise<TrainState> {
  const state: TrainState = resumeState ?? { epoch: 0, step: 0, bestMeanIoU: -Infinity, bestEpoch: 0, history: [] };
  const perEpoch = stepsPerEpoch(trainSet.length, opts);
  const bs = Math.min(opts.batchSize, trainSet.length);
  const augmented = !augmentIsOff(opts.augment);
  const started = performance.now();
  while (state.epoch < opts.epochs && state.epoch - state.bestEpoch < opts.patience) {
    const lastEpoch = state.history.at(-1)?.seconds ?? 0;
    if (opts.maxSeconds !== undefined && state.history.length > 0 && (performance.now() - started) / 1000 + lastEpoch > opts.maxSeconds) break;
    const epoch = state.epoch + 1;
    const t0 = performance.now();
    const order = epochOrder(trainSet.length, opts.seed, epoch);
    let lossSum = 0;
    for (let s = 0; s < perEpoch; s++) {
      const indices = order.slice(s * bs, s * bs + bs);
      const batch = indices.map((i) => trainSet[i]);
      const augParams = augmented ? drawBatchAugmentParams(opts.augment!, batch[0].width, batch[0].height, opts.seed, epoch, indices) : undefined;
      const loss = await trainStep(model, optimizer, batch, (opts.seed * 65_537 + state.step + 1) >>> 0, augParams);
      if (!Number.isFinite(loss)) throw new Error(`training diverged: loss ${loss} at epoch ${epoch} step ${s + 1}`);
      state.step++;
      lossSum += loss;
      hooks.onStep?.({ epoch, step: state.step, stepInEpoch: s + 1, stepsInEpoch: perEpoch, loss });
    }
    const val = await evaluateModel(model, valSet, bs);
    await gpu().sync();
    const record: EpochRecord = {
      epoch, steps: perEpoch, trainLoss: lossSum / perEpoch, valLoss: val.loss, valMeanIoU: val.meanIoU, valIoU: val.iou, valDice: val.dice, seconds: (performance.now() - t0) / 1000,
      lr: await optimizer.currentLr(), augment: opts.augment?.level ?? 'none', lrSchedule: opts.lrSchedule ?? 'constant',
    };
    state.history.push(record);
    state.epoch = epoch;
    const improved = val.meanIoU > state.bestMeanIoU;
    if (improved) {
      state.bestMeanIoU = val.meanIoU;
      state.bestEpoch = epoch;
    }
    await hooks.onEpoch?.(record, state, improved, optimizer);
  }
  return state;
}

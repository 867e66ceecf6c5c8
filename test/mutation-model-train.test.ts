// Exact-value tests for src/model/train.ts, written for its Stryker run (docs/MUTATION.md). The loop's logic
// (batches, seeds, early stopping, records, hooks, resume, the time budget) is driven with a one-layer stand-in
// for the U-Net (a 1x1 convolution to 4 classes on 8x8 slices: a few dispatches a step) and checked against a
// replay of the same steps through trainStep, which must give bit-identical losses; evaluateModel is checked
// against confusion counts taken on the CPU from the same network's argmax.
import { describe, expect, it } from 'vitest';
import { keep, Tensor, scopedAsync } from '../src/graph/tensor.ts';
import { noGrad } from '../src/graph/autograd.ts';
import { conv2d } from '../src/graph/conv.ts';
import { argmaxChannels, focalDiceLoss } from '../src/graph/nn.ts';
import { Adam } from '../src/graph/optim.ts';
import { AUG_STRIDE, identityAugParams } from '../src/graph/augment.ts';
import { augmentLevel, drawBatchAugmentParams } from '../src/model/augment.ts';
import type { UNet } from '../src/model/unet.ts';
import { Rng } from '../src/util/random.ts';
import { epochOrder, evaluateModel, stepsPerEpoch, train, trainStep, uploadBatch, type EpochRecord, type Sample, type TrainOptions, type TrainState } from '../src/model/train.ts';
import { rejection } from './helpers/thrown.ts';


const S = 8;

function sample(i: number, size = S): Sample {
  const rng = new Rng(100 + i);
  const image = Float32Array.from({ length: size * size }, () => rng.next());
  // labels follow the intensity (so the stand-in can learn them) with some noise
  const labels = Uint8Array.from(image, (v, k) => Math.min(3, Math.floor(v * 4 + ((k * 7 + i) % 3 === 0 ? 1 : 0))));
  return { file: `s${i}.png`, patient: `p${i % 3}`, image, labels, width: size, height: size, spacing: [1, 1] } as unknown as Sample;
}

type Call = { n: number; training: boolean; dropoutSeed?: number };

/** A 1x1 convolution to 4 classes standing in for the U-Net: the same forward/trainable/config surface. */
function standIn(kernel = [0.5, -0.3, 0.8, -0.6], bias = [0.1, -0.2, 0.05, 0]) {
  const k = keep(Tensor.fromData(Float32Array.from(kernel), [1, 1, 1, 4], 'f32', 'k'));
  const b = keep(Tensor.fromData(Float32Array.from(bias), [4], 'f32', 'b'));
  k.requiresGrad = b.requiresGrad = true;
  const calls: Call[] = [];
  const model = {
    config: { classes: 4 },
    calls,
    forward(x: Tensor, opts: { training: boolean; dropoutSeed?: number }) {
      calls.push({ n: x.shape[0]!, ...opts });
      return conv2d(x, k, b);
    },
    trainable: () => [k, b],
    read: async () => [Array.from(await k.read()), Array.from(await b.read())],
    dispose: () => [k, b].forEach((t) => t.dispose()),
  };
  return model as typeof model & UNet;
}

const trainSet = [0, 1, 2, 3, 4].map((i) => sample(i));
const valSet = [5, 6, 7].map((i) => sample(i));

describe('train.ts helpers', () => {
  it('uploadBatch stacks images and labels and refuses mixed sizes', async () => {
    const { x, y } = uploadBatch([trainSet[0]!, trainSet[1]!]);
    expect(x.shape).toEqual([2, S, S, 1]);
    expect(y.shape).toEqual([2, S, S]);
    expect(y.dtype).toBe('u32');
    expect(Array.from(await x.read())).toEqual([...trainSet[0]!.image, ...trainSet[1]!.image]);
    expect(Array.from(await y.readU32())).toEqual([...trainSet[0]!.labels, ...trainSet[1]!.labels]);
    x.dispose();
    y.dispose();
    const wide = { ...sample(9), width: 16, height: 4 } as Sample;
    expect(() => uploadBatch([trainSet[0]!, wide])).toThrow(/^batch mixes sizes: s9\.png is 16x4, expected 8x8$/);
    const tall = { ...sample(9), width: 8, height: 8 } as Sample;
    expect(() => uploadBatch([{ ...trainSet[0]!, height: 4, width: 16 } as Sample, tall])).toThrow(/^batch mixes sizes: s9\.png is 8x8, expected 16x4$/);
    expect(() => uploadBatch([trainSet[0]!, { ...tall, height: 4, width: 8 } as Sample])).toThrow(/^batch mixes sizes: s9\.png is 8x4, expected 8x8$/);
    expect(() => uploadBatch([trainSet[0]!, { ...tall, height: 8, width: 4 } as Sample])).toThrow(/^batch mixes sizes: s9\.png is 4x8, expected 8x8$/);
  });

  it('epochOrder is the (seed, epoch) permutation; stepsPerEpoch is whole batches, at least one, capped', () => {
    const want = (n: number, seed: number, epoch: number) => new Rng((seed * 1_000_003 + epoch * 7919) % 2 ** 32).shuffle([...Array(n).keys()]);
    expect(epochOrder(7, 3, 2)).toEqual(want(7, 3, 2));
    expect(epochOrder(7, 5000, 9)).toEqual(want(7, 5000, 9));
    expect(epochOrder(7, 3, 2)).not.toEqual(epochOrder(7, 3, 3));
    expect(epochOrder(7, 3, 2).slice().sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    const o = (batchSize: number, steps?: number) => ({ epochs: 1, batchSize, lr: 1, patience: 1, seed: 1, stepsPerEpoch: steps }) as TrainOptions;
    expect(stepsPerEpoch(10, o(4))).toBe(2);
    expect(stepsPerEpoch(3, o(4))).toBe(1);
    expect(stepsPerEpoch(12, o(4))).toBe(3);
    expect(stepsPerEpoch(10, o(4, 1))).toBe(1);
    expect(stepsPerEpoch(10, o(4, 5))).toBe(2);
  });
});

describe('train.ts on the GPU with a one-layer stand-in', () => {
  it('evaluateModel: batch-weighted loss, IoU and Dice from the pooled confusion, NaN for an absent class', async () => {
    const model = standIn();
    const ev = await evaluateModel(model, valSet, 2);
    expect(model.calls).toEqual([{ n: 2, training: false }, { n: 1, training: false }]);
    // the reference: per-batch losses, argmax labels read back, counts on the CPU
    const batchLoss = async (b: Sample[]) => scopedAsync(async () => (await noGrad(() => { const { x, y } = uploadBatch(b); return focalDiceLoss(model.forward(x, { training: false }), y); }).read())[0]!);
    const l1 = await batchLoss(valSet.slice(0, 2));
    const l2 = await batchLoss(valSet.slice(2));
    expect(ev.loss).toBe((2 * l1 + 1 * l2) / 3);
    const pred = await scopedAsync(async () => noGrad(() => argmaxChannels(model.forward(uploadBatch(valSet).x, { training: false }))).readU32());
    const truth = valSet.flatMap((s) => Array.from(s.labels));
    const iou: number[] = [];
    const dice: number[] = [];
    for (let c = 0; c < 4; c++) {
      let tp = 0, fp = 0, fn = 0;
      truth.forEach((t, i) => {
        const p = pred[i]!;
        if (p === c && t === c) tp++;
        else if (p === c) fp++;
        else if (t === c) fn++;
      });
      iou.push(tp + fp + fn === 0 ? NaN : tp / (tp + fp + fn));
      dice.push(tp + fp + fn === 0 ? NaN : (2 * tp) / (2 * tp + fp + fn));
    }
    expect(ev.iou).toEqual(iou);
    expect(ev.dice).toEqual(dice);
    expect(ev.meanIoU).toBe(iou.reduce((a, b) => a + b, 0) / 4);
    expect(new Set(pred).size).toBeGreaterThan(1);
    // a class absent from prediction and truth: NaN IoU, left out of the mean
    const allOne = standIn([0, 0, 0, 0], [0, 5, 0, 0]);
    const ones = valSet.map((s) => ({ ...s, labels: s.labels.map((v) => (v === 1 ? 1 : 0)) }) as Sample);
    const e1 = await evaluateModel(allOne, ones, 3);
    const n1 = ones.reduce((a, s) => a + s.labels.filter((v) => v === 1).length, 0);
    expect(e1.iou).toEqual([0, n1 / (3 * S * S), NaN, NaN]);
    expect(e1.dice).toEqual([0, (2 * n1) / (2 * n1 + 3 * S * S - n1), NaN, NaN]);
    expect(e1.meanIoU).toBe(n1 / (3 * S * S) / 2);
    model.dispose();
    allOne.dispose();
  });

  it('trainStep: one Adam step on the loss, gradients cleared, augmentation parameters checked and applied', async () => {
    const model = standIn();
    const opt = new Adam(model.trainable(), { lr: 0.1 });
    const batch = trainSet.slice(0, 2);
    const before = await model.read();
    const want = await scopedAsync(async () => (await noGrad(() => { const { x, y } = uploadBatch(batch); return focalDiceLoss(model.forward(x, { training: true }), y); }).read())[0]!);
    model.calls.length = 0;
    const loss = await trainStep(model, opt, batch, 77);
    expect(loss).toBe(want);
    expect(model.calls).toEqual([{ n: 2, training: true, dropoutSeed: 77 }]);
    expect(opt.iterations).toBe(1);
    const after = await model.read();
    expect(after[0]).not.toEqual(before[0]);
    expect(after[1]).not.toEqual(before[1]);
    for (const p of model.trainable()) expect(p.grad).toBeNull();
    expect((await rejection(trainStep(model, opt, batch, 1, new Float32Array(AUG_STRIDE)))).message).toBe(`trainStep: ${AUG_STRIDE} augmentation parameters for 2 samples`);
    // identity augmentation trains exactly as none, a drawn one differently
    const run = async (aug?: Float32Array) => {
      const m = standIn();
      const o = new Adam(m.trainable(), { lr: 0.1 });
      const l = await trainStep(m, o, batch, 1, aug);
      o.dispose();
      m.dispose();
      return l;
    };
    const identity = new Float32Array(2 * AUG_STRIDE);
    identity.set(identityAugParams(), 0);
    identity.set(identityAugParams(), AUG_STRIDE);
    const heavy = augmentLevel('heavy');
    for (const k of ['rotation', 'scale', 'gamma', 'noise'] as const) heavy[k].p = 1;
    expect(await run(identity)).toBe(await run());
    expect(await run(drawBatchAugmentParams(heavy, S, S, 1, 1, [0, 1]))).not.toBe(await run());
    opt.dispose();
    model.dispose();
  });

  it('train: batches, seeds, records and hooks match a replay through trainStep; early stopping, budget and resume', async () => {
    const opts: TrainOptions = { epochs: 3, batchSize: 2, lr: 0.05, patience: 5, seed: 11, lrSchedule: 'cosine', warmupEpochs: 1 };
    expect((await rejection(train(standIn(), [], valSet, opts))).message).toBe('training set is empty');
    expect((await rejection(train(standIn(), trainSet, [], opts))).message).toBe('validation set is empty (need at least one held-out patient)');
    const model = standIn();
    const steps: unknown[] = [];
    const epochs: { record: EpochRecord; state: TrainState; improved: boolean; lr: number; schedule: unknown }[] = [];
    let seenOptimizer: Adam | undefined;
    const t0 = performance.now();
    const state = await train(model, trainSet, valSet, opts, {
      onStep: (i) => steps.push(i),
      onEpoch: async (record, st, improved, optimizer) => {
        seenOptimizer = optimizer;
        epochs.push({ record: structuredClone(record), state: structuredClone(st), improved, lr: await optimizer.currentLr(), schedule: { ...optimizer.schedule } });
      },
    });
    const wall = (performance.now() - t0) / 1000;
    // each epoch's seconds are its share of the wall time of the call (not milliseconds, not absolute times)
    expect(epochs.every((e) => e.record.seconds > 0)).toBe(true);
    expect(epochs.reduce((a, e) => a + e.record.seconds, 0)).toBeLessThanOrEqual(wall);
    // the replay: the same batches, dropout seeds and schedule, step by step
    const replay = standIn();
    const opt = new Adam(replay.trainable(), { lr: 0.05 });
    opt.schedule = { kind: 'cosine', epochs: 3, stepsPerEpoch: 2, warmupEpochs: 1 };
    const wantSteps: unknown[] = [];
    const wantRecords: Partial<EpochRecord>[] = [];
    let step = 0;
    let best = -Infinity;
    const improved: boolean[] = [];
    for (let epoch = 1; epoch <= 3; epoch++) {
      const order = epochOrder(5, 11, epoch);
      const losses: number[] = [];
      for (let s = 0; s < 2; s++) {
        const batch = order.slice(s * 2, s * 2 + 2).map((i) => trainSet[i]!);
        const loss = await trainStep(replay, opt, batch, (11 * 65_537 + step + 1) % 2 ** 32);
        step++;
        losses.push(loss);
        wantSteps.push({ epoch, step, stepInEpoch: s + 1, stepsInEpoch: 2, loss });
      }
      const ev = await evaluateModel(replay, valSet, 2);
      wantRecords.push({ epoch, steps: 2, trainLoss: (losses[0]! + losses[1]!) / 2, valLoss: ev.loss, valMeanIoU: ev.meanIoU, valIoU: ev.iou, valDice: ev.dice, lr: await opt.currentLr(), augment: 'none', lrSchedule: 'cosine' });
      improved.push(ev.meanIoU > best);
      best = Math.max(best, ev.meanIoU);
    }
    expect(steps).toEqual(wantSteps);
    expect(model.calls.filter((c) => c.training).map((c) => c.dropoutSeed)).toEqual([1, 2, 3, 4, 5, 6].map((k) => 11 * 65_537 + k));
    expect(model.calls.filter((c) => c.training).map((c) => c.n)).toEqual([2, 2, 2, 2, 2, 2]);
    expect(epochs.map((e) => { const { seconds: _, ...r } = e.record; return r; })).toEqual(wantRecords);
    expect(epochs.map((e) => typeof e.record.seconds)).toEqual(['number', 'number', 'number']);
    expect(epochs.map((e) => e.lr)).toEqual(wantRecords.map((r) => r.lr));
    expect(epochs.map((e) => e.improved)).toEqual(improved);
    expect(epochs[0]!.schedule).toEqual({ kind: 'cosine', epochs: 3, stepsPerEpoch: 2, warmupEpochs: 1 });
    expect(epochs.map((e) => e.state.epoch)).toEqual([1, 2, 3]);
    expect(state.epoch).toBe(3);
    expect(state.step).toBe(6);
    expect(state.history.map((r) => r.epoch)).toEqual([1, 2, 3]);
    expect(state.bestMeanIoU).toBe(best);
    expect(state.bestEpoch).toBe(improved.lastIndexOf(true) + 1);
    expect(await replay.read()).toEqual(await model.read());
    // train() disposed the optimizer it made (its moments are gone)
    await expect(seenOptimizer!.currentLr()).rejects.toThrow();
    opt.dispose();
    replay.dispose();
    model.dispose();
  });

  it('train: augments each training batch with the parameters drawn for (seed, epoch, sample indices)', async () => {
    const heavy = augmentLevel('heavy');
    for (const k of ['rotation', 'scale', 'gamma', 'noise'] as const) heavy[k].p = 1;
    const opts: TrainOptions = { epochs: 2, batchSize: 2, lr: 0.05, patience: 5, seed: 4, stepsPerEpoch: 1, augment: heavy };
    const model = standIn();
    const losses: number[] = [];
    const st = await train(model, trainSet, valSet, opts, { onStep: (i) => void losses.push(i.loss) });
    expect(st.history.map((r) => r.augment)).toEqual(['heavy', 'heavy']);
    const replay = standIn();
    const opt = new Adam(replay.trainable(), { lr: 0.05 });
    opt.schedule = { kind: 'constant', epochs: 2, stepsPerEpoch: 1, warmupEpochs: 0 };
    const want: number[] = [];
    for (let epoch = 1; epoch <= 2; epoch++) {
      const idx = epochOrder(5, 4, epoch).slice(0, 2);
      want.push(await trainStep(replay, opt, idx.map((i) => trainSet[i]!), (4 * 65_537 + epoch) % 2 ** 32, drawBatchAugmentParams(heavy, S, S, 4, epoch, idx)));
    }
    expect(losses).toEqual(want);
    opt.dispose();
    replay.dispose();
    model.dispose();
  });

  it('train: stops after `patience` epochs without a better IoU, on the time budget, and resumes where a state ends', async () => {
    // lr 0: the weights never move, so epoch 1 improves (on -Infinity) and no later epoch does
    const base: TrainOptions = { epochs: 6, batchSize: 2, lr: 0, patience: 1, seed: 3, stepsPerEpoch: 1 };
    const run = async (o: Partial<TrainOptions>, resume?: { state: TrainState; optimizer: Adam }) => {
      const m = standIn();
      const improved: boolean[] = [];
      const st = await train(m, trainSet, valSet, { ...base, ...o }, { onEpoch: (_r, _s, imp) => void improved.push(imp) }, resume && { state: resume.state, optimizer: new Adam(m.trainable(), { lr: 0 }) });
      m.dispose();
      return { st, improved, calls: m.calls };
    };
    const p1 = await run({});
    expect(p1.st.history.map((r) => r.epoch)).toEqual([1, 2]);
    expect(p1.improved).toEqual([true, false]);
    expect(p1.st.bestEpoch).toBe(1);
    expect(p1.st.step).toBe(2);
    expect((await run({ patience: 3 })).st.history.length).toBe(4);
    expect((await run({ patience: 9, epochs: 2 })).st.history.length).toBe(2);
    // the budget: no epoch starts once one has run past it; the first always runs; none without a budget
    expect((await run({ patience: 9, epochs: 3, maxSeconds: 0 })).st.history.length).toBe(1);
    expect((await run({ patience: 9, epochs: 3, maxSeconds: 1e9 })).st.history.length).toBe(3);
    // the whole training set is one batch when the batch size is larger; steps per epoch from the options
    const whole = await run({ batchSize: 8, epochs: 1, stepsPerEpoch: undefined });
    expect(whole.calls.filter((c) => c.training).map((c) => c.n)).toEqual([5]);
    expect(whole.calls.filter((c) => !c.training).map((c) => c.n)).toEqual([3]);
    expect((await run({ batchSize: 2, epochs: 1, stepsPerEpoch: undefined })).calls.filter((c) => c.training).length).toBe(2);
    // resume: continues at epoch 3 with the step count and best epoch of the state
    const state: TrainState = { epoch: 2, step: 4, bestMeanIoU: 2, bestEpoch: 2, history: [p1.st.history[0]!, p1.st.history[1]!] };
    const r = await run({ patience: 2, epochs: 5 }, { state, optimizer: undefined as unknown as Adam });
    expect(r.st.history.map((h) => h.epoch)).toEqual([1, 2, 3, 4]);
    expect(r.improved).toEqual([false, false]);
    expect(r.calls.filter((c) => c.training).map((c) => c.dropoutSeed)).toEqual([3 * 65_537 + 5, 3 * 65_537 + 6]);
    expect(r.st.step).toBe(6);
    // defaults: a constant schedule without warm-up, no augmentation
    const m0 = standIn();
    const seen: unknown[] = [];
    const s0 = await train(m0, trainSet, valSet, { ...base, epochs: 1 }, { onEpoch: (_r, _s, _i, o) => void seen.push({ ...o.schedule }) });
    expect(seen).toEqual([{ kind: 'constant', epochs: 1, stepsPerEpoch: 1, warmupEpochs: 0 }]);
    expect([s0.history[0]!.augment, s0.history[0]!.lrSchedule]).toEqual(['none', 'constant']);
    m0.dispose();
    // a diverged loss stops training with the epoch and step
    const bad = trainSet.map((s) => ({ ...s, image: new Float32Array(S * S).fill(NaN) }) as Sample);
    const m = standIn();
    expect((await rejection(train(m, bad, valSet, base))).message).toBe('training diverged: loss NaN at epoch 1 step 1');
    m.dispose();
  });
});

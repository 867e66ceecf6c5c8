// train()'s time budget (`maxSeconds`, src/model/train.ts), for the survivors of its Stryker run: no epoch starts
// when the seconds so far plus the last epoch's would pass the budget. The budgets here are far from any real time
// (a resumed state whose last epoch claims 10^6 seconds; a budget of 10^4 seconds for three tiny epochs; a clock
// read 10^6 s ahead), so the outcome does not depend on how fast the machine is. The stand-in network is a 1x1 convolution, as in
// test/mutation-model-train.test.ts.
import { describe, expect, it, vi } from 'vitest';
import { keep, Tensor } from '../src/graph/tensor.ts';
import { conv2d } from '../src/graph/conv.ts';
import type { UNet } from '../src/model/unet.ts';
import { Rng } from '../src/util/random.ts';
import { train, type EpochRecord, type Sample, type TrainState } from '../src/model/train.ts';

function sample(i: number): Sample {
  const rng = new Rng(200 + i);
  const image = Float32Array.from({ length: 64 }, () => rng.next());
  return { file: `s${i}.png`, patient: `p${i}`, image, labels: Uint8Array.from(image, (v) => Math.min(3, Math.floor(v * 4))), width: 8, height: 8, spacing: [1, 1] } as unknown as Sample;
}

function standIn() {
  const k = keep(Tensor.fromData(Float32Array.from([0.5, -0.3, 0.8, -0.6]), [1, 1, 1, 4], 'f32', 'k'));
  const b = keep(Tensor.fromData(new Float32Array(4), [4], 'f32', 'b'));
  k.requiresGrad = b.requiresGrad = true;
  const m = { config: { classes: 4 }, forward: (x: Tensor) => conv2d(x, k, b), trainable: () => [k, b], dispose: () => [k, b].forEach((t) => t.dispose()) };
  return m as typeof m & UNet;
}

const trainSet = [0, 1, 2, 3].map(sample);
const valSet = [4, 5].map(sample);
const record = (epoch: number, seconds: number) => ({ epoch, steps: 1, trainLoss: 1, valLoss: 1, valMeanIoU: 0, valIoU: [], valDice: [], seconds }) as EpochRecord;

describe('train() time budget', () => {
  it('counts the last epoch of a resumed state (not an earlier one) against the budget, added to the time so far', async () => {
    const epochsRun = async (history: EpochRecord[], maxSeconds: number) => {
      const m = standIn();
      const state: TrainState = { epoch: history.length, step: history.length, bestMeanIoU: 0, bestEpoch: history.length, history: [...history] };
      const st = await train(m, trainSet, valSet, { epochs: history.length + 2, batchSize: 2, lr: 0, patience: 9, seed: 1, stepsPerEpoch: 1, maxSeconds }, {}, { state, optimizer: undefined as unknown as import('../src/graph/optim.ts').Adam });
      m.dispose();
      return st.history.length - history.length;
    };
    // the last of three epochs took 10^6 s: a budget of 10^4 s starts none; the earlier epochs' 0 s do not count
    expect(await epochsRun([record(1, 0), record(2, 0), record(3, 1e6)], 1e4)).toBe(0);
    // epochs of 0 s: both remaining epochs run within 10^4 s
    expect(await epochsRun([record(1, 0), record(2, 0), record(3, 0)], 1e4)).toBe(2);
  });

  it('measures the time so far in seconds: three tiny epochs fit a budget of 10^4 s', async () => {
    const m = standIn();
    const st = await train(m, trainSet, valSet, { epochs: 3, batchSize: 2, lr: 0, patience: 9, seed: 1, stepsPerEpoch: 1, maxSeconds: 1e4 });
    m.dispose();
    expect(st.history.map((r) => r.epoch)).toEqual([1, 2, 3]);
  });

  it('measures the time so far from the start of training, whatever the clock read then (train.ts:184 now - started)', async () => {
    // a clock 10^6 s ahead of the real one: only differences of its readings are time spent, so three tiny epochs
    // still fit 10^4 s; a sum of readings (now + started) would be 2 x 10^6 s and stop after the first epoch
    const real = performance.now.bind(performance);
    const clock = vi.spyOn(performance, 'now').mockImplementation(() => 1e9 + real());
    try {
      const m = standIn();
      const st = await train(m, trainSet, valSet, { epochs: 3, batchSize: 2, lr: 0, patience: 9, seed: 1, stepsPerEpoch: 1, maxSeconds: 1e4 });
      m.dispose();
      expect(st.history.map((r) => r.epoch)).toEqual([1, 2, 3]);
    } finally {
      clock.mockRestore();
    }
  });
});

// Learning-rate schedules on the GPU (shaders/adam.wgsl `advance`) against the float64 reference, step by
// step; and the Adam update follows the scheduled rate (a parameter moves by about lr_t per step on
// constant-sign gradients).
import { Tensor } from '../graph/tensor.ts';
import { Adam } from '../graph/optim.ts';
import type { LrSchedule } from '../kernels/adam.ts';
import { scheduledLrRef } from '../reference/schedule.ts';
import { compare, type Check } from './harness.ts';

export const checks: Check[] = [];

const cases: LrSchedule[] = [
  { kind: 'constant', epochs: 4, stepsPerEpoch: 3, warmupEpochs: 0 },
  { kind: 'poly', epochs: 5, stepsPerEpoch: 3, warmupEpochs: 0 },
  { kind: 'cosine', epochs: 5, stepsPerEpoch: 3, warmupEpochs: 2 },
  { kind: 'cosine', epochs: 3, stepsPerEpoch: 7, warmupEpochs: 0.5 },
];

for (const s of cases) {
  checks.push({
    name: `optim/lr schedule ${s.kind} over ${s.epochs} epochs of ${s.stepsPerEpoch} steps (warm-up ${s.warmupEpochs}): GPU vs float64, every step`,
    run: async () => {
      const lr = 3e-3;
      const p = Tensor.fromData([0.5], [1]);
      const opt = new Adam([p], { lr, schedule: s });
      const got: number[] = [];
      const want: number[] = [];
      // Keras Adam in float64 on a constant gradient of 1, with the scheduled rate
      let [param, m, v] = [0.5, 0, 0];
      for (let t = 1; t <= s.epochs * s.stepsPerEpoch; t++) {
        p.grad = Tensor.fromData([1], [1]);
        opt.step();
        opt.zeroGrad();
        got.push(await opt.currentLr());
        const rate = scheduledLrRef(lr, t, s);
        want.push(rate);
        m += (1 - m) * (1 - 0.9);
        v += (1 - v) * (1 - 0.999);
        // the GPU's own rate of this step, so this part measures only whether Adam applies it
        param -= ((got[t - 1] * Math.sqrt(1 - 0.999 ** t)) / (1 - 0.9 ** t)) * (m / (Math.sqrt(v) + 1e-7));
      }
      const finalParam = await p.read();
      p.dispose();
      opt.dispose();
      // WGSL's cos has an absolute error of up to 2^-11 on [-pi, pi] (Chromium's adapters use it): lr / 2 x 2^-11
      const r = compare('scheduled lr', got, want, [got.length], { atol: s.kind === 'cosine' ? lr * 2 ** -12 : 1e-9, rtol: 1e-5 });
      const q = compare('parameter after the schedule', finalParam, [param], [1], { atol: 1e-6, rtol: 1e-5 });
      return { pass: r.pass && q.pass, maxAbsErr: Math.max(r.maxAbsErr, q.maxAbsErr), detail: `${r.detail}; ${q.detail}` };
    },
  });
}

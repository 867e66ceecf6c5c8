// Adam update kernels (shaders/adam.wgsl): one `advance` per optimizer step, one `update` per parameter tensor.
import { gpu } from '../runtime/gpu.ts';
import { defineKernel } from './runner.ts';
import type { Tensor } from '../runtime/tensor.ts';

export const adamAdvanceKernel = defineKernel({ name: 'adam_advance', shader: 'adam', entry: 'advance', doc: 'step counter, beta powers and the bias-corrected learning rate' });
export const adamUpdateKernel = defineKernel({ name: 'adam_update', shader: 'adam', entry: 'update', doc: 'Adam: updates param, m and v in place for one tensor' });

export interface AdamHyper {
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** learning-rate schedule of the step (default constant) */
  schedule?: LrSchedule;
}

export const LR_SCHEDULE_KINDS = ['constant', 'poly', 'cosine'] as const;
export type LrScheduleKind = (typeof LR_SCHEDULE_KINDS)[number];

/** constant, poly (per epoch) or cosine with linear warm-up (per step), over `epochs` of `stepsPerEpoch` steps. */
export interface LrSchedule {
  kind: LrScheduleKind;
  epochs: number;
  stepsPerEpoch: number;
  warmupEpochs: number;
}

/** sched = [beta1^t, beta2^t, lr_t, t, scheduled lr] advanced to the next step. */
function uniforms(n: number, h: AdamHyper) {
  const s = h.schedule ?? { kind: 'constant', epochs: 1, stepsPerEpoch: 1, warmupEpochs: 0 };
  return {
    n, lr: h.lr, beta1: h.beta1, beta2: h.beta2, epsilon: h.epsilon, oneMinusBeta1: 1 - h.beta1, oneMinusBeta2: 1 - h.beta2,
    scheduleKind: LR_SCHEDULE_KINDS.indexOf(s.kind), stepsPerEpoch: s.stepsPerEpoch, epochs: s.epochs, warmupEpochs: s.warmupEpochs,
  };
}

export function adamAdvance(sched: Tensor, h: AdamHyper): void {
  adamAdvanceKernel.dispatch(gpu(), { sched }, uniforms(1, h), [1]);
}

export function adamUpdate(param: Tensor, grad: Tensor, m: Tensor, v: Tensor, schedule: Tensor, h: AdamHyper): void {
  adamUpdateKernel.dispatch(gpu(), { param, grad, m, v, schedule }, uniforms(param.size, h), adamUpdateKernel.grid(param.size));
}

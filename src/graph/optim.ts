// Adam (Keras defaults and bias correction) over a list of parameter tensors. Each step records one
// `adam_advance` dispatch and one `adam_update` dispatch per parameter into the open compute pass:
// no read back, no host writes, so a training step stays one submission.
import { Tensor, keep } from './tensor.ts';
import { adamAdvance, adamUpdate, type AdamHyper, type LrSchedule } from '../kernels/adam.ts';

/** The learning-rate schedules the optimizer runs on the GPU, for the training loop and checkpoints to name. */
export { LR_SCHEDULE_KINDS, type LrSchedule, type LrScheduleKind } from '../kernels/adam.ts';

export interface AdamOptions {
  /** default 1e-3 */
  lr?: number;
  /** default 0.9 */
  beta1?: number;
  /** default 0.999 */
  beta2?: number;
  /** default 1e-7 (Keras), added to sqrt(v) */
  epsilon?: number;
  /** learning-rate schedule; default constant */
  schedule?: LrSchedule;
}

/** Optimizer state for checkpoints: completed steps and the moment estimates, one array per parameter. */
export interface AdamState {
  step: number;
  m: Float32Array[];
  v: Float32Array[];
  /** the GPU schedule [beta1^t, beta2^t, lr_t, t, scheduled lr] as the steps left it; restoring it bit for
   *  bit lets a resumed run match an uninterrupted one exactly (recomputing it in float64 differs in the last
   *  bits). Checkpoints written before schedules existed hold the first 4 values. */
  schedule?: Float32Array;
}

export class Adam {
  readonly params: Tensor[];
  readonly m: Tensor[];
  readonly v: Tensor[];
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** learning-rate schedule, evaluated on the GPU by each step; set before stepping (a resumed run may change the epochs) */
  schedule: LrSchedule | undefined;
  /** [beta1^t, beta2^t, lr_t, t, scheduled lr] on the GPU, advanced by each step */
  private sched: Tensor;
  private steps = 0;

  constructor(params: Tensor[], opts: AdamOptions = {}) {
    this.params = params;
    this.lr = opts.lr ?? 1e-3;
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.epsilon = opts.epsilon ?? 1e-7;
    this.schedule = opts.schedule;
    this.m = params.map((p) => keep(Tensor.zeros(p.shape, 'f32', `adam.m.${p.name ?? p.id}`)));
    this.v = params.map((p) => keep(Tensor.zeros(p.shape, 'f32', `adam.v.${p.name ?? p.id}`)));
    this.sched = keep(Tensor.fromData([1, 1, 0, 0, this.lr], [5], 'f32', 'adam.schedule'));
  }

  /** Completed steps (Keras `optimizer.iterations`). */
  get iterations(): number {
    return this.steps;
  }

  private hyper(): AdamHyper {
    return { lr: this.lr, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, schedule: this.schedule };
  }

  /** Applies one update from each parameter's `.grad` (parameters without a gradient are skipped, as in Keras). */
  step(): void {
    const h = this.hyper();
    adamAdvance(this.sched, h);
    this.params.forEach((p, i) => {
      if (p.grad) adamUpdate(p, p.grad, this.m[i], this.v[i], this.sched, h);
    });
    this.steps++;
  }

  /** Disposes every parameter's gradient (call after step, before the next backward). */
  zeroGrad(): void {
    for (const p of this.params) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  async getState(): Promise<AdamState> {
    return { step: this.steps, m: await Promise.all(this.m.map((t) => t.read())), v: await Promise.all(this.v.map((t) => t.read())), schedule: await this.sched.read() };
  }

  /** Restores a checkpointed state; the learning rate schedule continues from `state.step`. */
  setState(state: AdamState): void {
    if (state.m.length !== this.params.length || state.v.length !== this.params.length) {
      throw new Error(`Adam.setState: ${state.m.length} m / ${state.v.length} v arrays for ${this.params.length} parameters`);
    }
    this.params.forEach((p, i) => {
      if (state.m[i].length !== p.size || state.v[i].length !== p.size) throw new Error(`Adam.setState: moments of parameter ${i} have ${state.m[i].length}/${state.v[i].length} values, want ${p.size} ([${p.shape}])`);
      this.m[i].upload(state.m[i]);
      this.v[i].upload(state.v[i]);
    });
    const t = state.step;
    const b1t = this.beta1 ** t;
    const b2t = this.beta2 ** t;
    if (state.schedule && state.schedule.length !== 4 && state.schedule.length !== 5) throw new Error(`Adam.setState: schedule has ${state.schedule.length} values, want 5`);
    const restored = state.schedule ?? [b1t, b2t, t > 0 ? (this.lr * Math.sqrt(1 - b2t)) / (1 - b1t) : 0, t];
    this.sched.upload(restored.length === 5 ? restored : [...restored, this.lr]);
    this.steps = t;
  }

  /** The learning rate of the last step (sched[4]), read back from the GPU. */
  async currentLr(): Promise<number> {
    return (await this.sched.read())[4];
  }

  dispose(): void {
    for (const t of [...this.m, ...this.v, this.sched]) t.dispose();
  }
}

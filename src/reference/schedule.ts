// Float64 reference of the learning-rate schedules that shaders/adam.wgsl evaluates at step t (1-based).
export interface LrScheduleRef {
  kind: 'constant' | 'poly' | 'cosine';
  epochs: number;
  stepsPerEpoch: number;
  warmupEpochs: number;
}

export function scheduledLrRef(lr: number, t: number, s: LrScheduleRef): number {
  if (s.kind === 'poly') {
    const epochIndex = Math.floor((t - 1) / s.stepsPerEpoch);
    return lr * Math.max(0, 1 - epochIndex / s.epochs) ** 0.9;
  }
  if (s.kind === 'cosine') {
    const warm = s.warmupEpochs * s.stepsPerEpoch;
    if (t <= warm) return (lr * t) / warm;
    const progress = Math.min((t - warm) / ((s.epochs - s.warmupEpochs) * s.stepsPerEpoch), 1);
    return lr * 0.5 * (1 + Math.cos(Math.PI * progress));
  }
  return lr;
}

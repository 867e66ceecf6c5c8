// Small statistics and timing shared by the A/B benchmarks (bench/train_ab.ts, predict_ab.ts, winograd.ts, the two
// Winograd GEMM A/B scripts).

/** The median; the mean of the two middle values for an even count. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/**
 * Times `run` for every side, `reps` rounds, the order reversed every other round so that a load change hits every
 * side alike: wall ms and process CPU ms (user + system) per call. `run` awaits the work it times and may return a
 * cleanup, called after the clock stops (freeing the call's output).
 */
export async function timeInterleaved<S extends string>(sides: readonly S[], reps: number, run: (side: S) => Promise<(() => void) | void>): Promise<{ wall: Record<S, number[]>; cpu: Record<S, number[]> }> {
  const wall = Object.fromEntries(sides.map((s) => [s, [] as number[]])) as Record<S, number[]>;
  const cpu = Object.fromEntries(sides.map((s) => [s, [] as number[]])) as Record<S, number[]>;
  for (let r = 0; r < reps; r++) {
    for (const side of r % 2 ? [...sides].reverse() : sides) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const cleanup = await run(side);
      wall[side].push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu[side].push((c.user + c.system) / 1000);
      cleanup?.();
    }
  }
  return { wall, cpu };
}

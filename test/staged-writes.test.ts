// A pipeline's first dispatch, in src/runtime/gpu.ts. Gpu.write in the middle of recorded work: normally it submits what was recorded and then
// queue.writeBuffer; while the recorded work uses a pipeline never submitted before, it stages the data in a mapped
// buffer and records a copy instead, so that a cold first step is submitted whole (lavapipe's first-dispatch compile
// holds the lock that pipeline creation takes; bench/RESULTS.md 2026-12-07 evening). Either way every command recorded
// before the write sees the old contents and every one after it the new. And a wait whose work included a first
// dispatch (lavapipe's compile) is not remembered as what that work takes, so the next identical wait does not sleep
// through seconds of compiling that will not happen again.
import { describe, it, expect, beforeAll } from 'vitest';
import { gpu, initGpu } from '../src/runtime/gpu.ts';
import { Tensor } from '../src/runtime/tensor.ts';
import { binary } from '../src/kernels/elementwise.ts';

describe('writes between recorded commands', () => {
  beforeAll(async () => {
    await initGpu();
  });

  /** out1 = t + t, then t := next (a write), then out2 = t + t; returns both and what the write did. */
  async function addWriteAdd(first: number[], next: number[]) {
    const g = gpu();
    const t = Tensor.fromData(Float32Array.from(first), [first.length]);
    await g.sync();
    const [submits0, staged0] = [g.submitCount, g.stagedWrites];
    const out1 = binary('add', t, t);
    g.write(t.buffer, Float32Array.from(next));
    const submitsAtWrite = g.submitCount - submits0;
    const out2 = binary('add', t, t);
    const [a, b] = [Array.from(await out1.read()), Array.from(await out2.read())];
    [t, out1, out2].forEach((x) => x.dispose());
    return { a, b, staged: g.stagedWrites - staged0, submitsAtWrite };
  }

  it("stages the write while the recorded work has a pipeline's first dispatch, and the order holds", async () => {
    // this file's first `add`: its pipeline is new on this device
    const r = await addWriteAdd([1, 2, 3, 4.5, -7], [10, 20, 30, 40, 50]);
    expect(r.a).toEqual([2, 4, 6, 9, -14]);
    expect(r.b).toEqual([20, 40, 60, 80, 100]);
    expect(r.staged).toBe(1);
    expect(r.submitsAtWrite, 'nothing submitted at the write').toBe(0);
  });

  it('submits first and writes through the queue once the pipelines have been submitted, with the same order', async () => {
    const r = await addWriteAdd([0.5, -1, 8], [3, 3, 3]);
    expect(r.a).toEqual([1, -2, 16]);
    expect(r.b).toEqual([6, 6, 6]);
    expect(r.staged).toBe(0);
    expect(r.submitsAtWrite, 'the recorded add was submitted before the write').toBe(1);
  });

  it('a wait that included a first dispatch leaves no estimate; the next identical wait does', async () => {
    const g = gpu();
    const t = Tensor.fromData(Float32Array.from({ length: 1 << 19 }, (_, i) => i % 97), [1 << 19]);
    await g.sync();
    // the same work each time: 24 subtractions of 2 MiB (this file's first `sub`: a new pipeline), then a read
    const work = async () => {
      const outs = Array.from({ length: 24 }, () => binary('sub', t, t));
      const got = await outs[outs.length - 1]!.read();
      outs.forEach((o) => o.dispose());
      return got[5];
    };
    const sleeps = () => g.idleStats.sleeps;
    const s0 = sleeps();
    expect(await work()).toBe(0); // compiles `sub`: not an estimate
    const t0 = performance.now();
    expect(await work()).toBe(0); // nothing known: no sleep; this one is remembered
    const took = performance.now() - t0;
    expect(sleeps(), 'no sleep after a wait that compiled').toBe(s0);
    expect(await work()).toBe(0);
    // a wait is slept through when it took over 4 ms (Gpu.plannedSleep); lavapipe takes ~100 ms here, a GPU may not
    if (took > 10) expect(sleeps(), 'the second wait was remembered and slept through').toBe(s0 + 1);
    t.dispose();
  });
});

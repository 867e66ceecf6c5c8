import { describe, it, expect } from 'vitest';
import { gpu } from '../src/kernels/gpu.ts';
import { makeMlpProblem, mlpStep, disposeMlp } from '../src/graph/mlp.ts';
import { Tensor, scoped } from '../src/graph/tensor.ts';

describe('buffer pool', () => {
  it('keeps live buffers and allocated bytes flat over 200 forward+backward steps', async () => {
    const g = gpu();
    const p = makeMlpProblem(33, 17);
    const first = mlpStep(p, 0.05);
    const firstLoss = (await first.read())[0];
    first.dispose();
    await g.sync();
    const after1 = g.pool.stats();
    let last = 0;
    for (let s = 2; s <= 200; s++) {
      const loss = mlpStep(p, 0.05);
      if (s % 50 === 0 || s === 200) last = (await loss.read())[0];
      loss.dispose();
    }
    await g.sync();
    const after200 = g.pool.stats();
    expect(after200.liveBuffers, `live buffers after step 1: ${after1.liveBuffers}, after 200: ${after200.liveBuffers}`).toBe(after1.liveBuffers);
    expect(after200.liveBytes).toBe(after1.liveBytes);
    expect(after200.allocatedBytes, `pool bytes after step 1 ${after1.allocatedBytes}, after 200 ${after200.allocatedBytes}`).toBe(after1.allocatedBytes);
    // the same graph really trained: the loss fell
    expect(last).toBeLessThan(firstLoss * 0.5);
    disposeMlp(p);
  });

  it('returns every buffer of a scope to the pool', async () => {
    const g = gpu();
    const before = g.pool.stats().liveBuffers;
    const kept = scoped(() => {
      const a = Tensor.zeros([7, 13]);
      const b = Tensor.zeros([7, 13]);
      void b;
      return a;
    });
    expect(g.pool.stats().liveBuffers).toBe(before + 1);
    kept.dispose();
    expect(g.pool.stats().liveBuffers).toBe(before);
  });

  it('names the limit when a tensor exceeds the largest binding', () => {
    const limit = gpu().limits.maxStorageBufferBindingSize;
    expect(() => Tensor.empty([Math.ceil(limit / 4) + 1])).toThrow(/maxStorageBufferBindingSize/);
  });
});

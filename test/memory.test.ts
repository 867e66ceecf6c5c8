import { describe, it, expect } from 'vitest';
import { gpu } from '../src/runtime/gpu.ts';
import { makeMlpProblem, mlpStep, disposeMlp } from './helpers/mlp.ts';
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

describe('buffer pool bookkeeping', () => {
  it('returns a scope\'s tensors to the pool when the scoped function throws', () => {
    const g = gpu();
    const before = g.pool.stats().liveBuffers;
    expect(() =>
      scoped(() => {
        Tensor.zeros([3, 7]);
        throw new Error('bad batch');
      }),
    ).toThrow('bad batch');
    expect(g.pool.stats().liveBuffers).toBe(before);
  });

  it('keeps exact counts for reuse, fresh buffers and sizes near an odd maxBufferSize', async () => {
    const { BufferPool } = await import('../src/runtime/pool.ts');
    let created = 0;
    const device = {
      createBuffer: ({ size }: { size: number }) => {
        created++;
        return { size, destroy() {} };
      },
    } as unknown as GPUDevice;
    const pool = new BufferPool(device, 1000, () => {});
    const a = pool.acquire(600); // size class 768
    pool.release(a);
    const b = pool.acquire(700); // reuses the 768 buffer
    const c = pool.acquire(700); // a fresh one of the same class
    expect(b).toBe(a);
    expect(pool.stats()).toMatchObject({ liveBuffers: 2, freeBuffers: 0, freeBytes: 0, liveBytes: 1536 });
    const big = pool.acquire(900); // class 1024 > max 1000: the exact size instead
    expect(big.size).toBe(900);
    pool.release(big);
    pool.release(b);
    pool.release(c);
    expect(pool.stats()).toMatchObject({ liveBuffers: 0, liveBytes: 0, freeBuffers: 3, freeBytes: 2436 });
    expect(pool.acquire(900)).toBe(big);
    expect(created).toBe(3);
  });
});

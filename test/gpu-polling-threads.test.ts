// Two things that keep lavapipe's threads busy with GPU work instead of waiting (bench/RESULTS.md, 2026-12-07):
// - throttledPolling (src/runtime/gpu.ts): after an idle wait's sleep, Dawn's Node binding polls the rest through a
//   1 ms timer instead of a busy setImmediate loop; the premise, that dawn.node re-queues its polling through the
//   global setImmediate, is checked on a real read, so a binding that stops doing so fails here instead of silently
//   turning the throttle into nothing;
// - pollThenThrottle: a wait with no estimate to sleep through (every wait of a cold start, where lavapipe compiles
//   each new pipeline for seconds) lets Dawn poll natively for POLL_NATIVE_MS, then throttles;
// - defaultLavapipeThreads (src/runtime/platform-node.ts): two lavapipe threads per core on machines of up to 4 cores,
//   unless LP_NUM_THREADS is set, and machineInfo records what the process ran with.
import { describe, it, expect, beforeAll } from 'vitest';
import { availableParallelism } from 'node:os';
import { gpu, initGpu, throttledPolling, pollThenThrottle, POLL_NATIVE_MS } from '../src/runtime/gpu.ts';
import { withSettings } from '../src/runtime/settings.ts';
import { Tensor } from '../src/runtime/tensor.ts';
import { binary } from '../src/kernels/elementwise.ts';
import { defaultLavapipeThreads, lavapipeThreads } from '../src/runtime/platform-node.ts';
import { machineInfo } from '../src/app/machine.ts';

// Node's own, taken before any test runs, so that one test leaving it swapped cannot make a later one pass
const NATIVE = globalThis.setImmediate;

describe('throttled polling', () => {
  beforeAll(async () => {
    await initGpu();
  });

  it('defers setImmediate by a timer while a wait runs, and restores it after the last of overlapping waits', async () => {
    const native = NATIVE;
    let releaseA!: () => void;
    let releaseB!: () => void;
    const a = throttledPolling(() => new Promise<string>((r) => (releaseA = () => r('a'))));
    expect(globalThis.setImmediate).not.toBe(native);
    // a callback queued through it goes to a 1 ms timer, with its arguments, not to the next check phase (the delay
    // is read from the setTimeout call, not timed: Node may fire a 1 ms timer after 0.86 ms of performance.now)
    const nativeTimeout = globalThis.setTimeout;
    const delays: unknown[] = [];
    globalThis.setTimeout = ((fn: (...args: unknown[]) => void, delay?: number, ...args: unknown[]) => {
      delays.push(delay);
      return nativeTimeout(fn, delay, ...args);
    }) as typeof setTimeout;
    let got: Promise<number>;
    try {
      got = new Promise<number>((r) => globalThis.setImmediate((x: number) => r(x), 7));
    } finally {
      globalThis.setTimeout = nativeTimeout;
    }
    expect(delays).toEqual([1]);
    expect(await got).toBe(7);
    const b = throttledPolling(() => new Promise<string>((r) => (releaseB = () => r('b'))));
    releaseA();
    expect(await a).toBe('a');
    expect(globalThis.setImmediate, 'the second wait still runs').not.toBe(native);
    releaseB();
    expect(await b).toBe('b');
    expect(globalThis.setImmediate).toBe(native);
  });

  it('restores setImmediate when the wait throws, and passes the error on', async () => {
    const native = NATIVE;
    await expect(throttledPolling(async () => Promise.reject(new Error('device lost')))).rejects.toThrow('device lost');
    expect(globalThis.setImmediate).toBe(native);
  });

  it("dawn.node polls a pending read through the global setImmediate, so the throttle reaches it; the data is the GPU's", async () => {
    const g = gpu();
    const data = Float32Array.from({ length: 4099 }, (_, i) => Math.sin(i) * 1e3);
    const t = Tensor.fromData(data, [data.length]);
    const native = NATIVE;
    let calls = 0;
    // wrap the throttled function in place while the read is pending, to count the binding's ticks
    const got = await throttledPolling(async () => {
      const throttled = globalThis.setImmediate;
      globalThis.setImmediate = ((fn: (...args: unknown[]) => void, ...args: unknown[]) => {
        calls++;
        return throttled(fn, ...args);
      }) as typeof setImmediate;
      try {
        return new Float32Array(await g.read(t.buffer, data.byteLength));
      } finally {
        globalThis.setImmediate = throttled;
      }
    });
    expect(globalThis.setImmediate).toBe(native);
    expect(Array.from(got)).toEqual(Array.from(data));
    expect(calls, 'Dawn ticked through the global setImmediate').toBeGreaterThan(0);
    t.dispose();
  });
});

describe('poll, then throttle', () => {
  beforeAll(async () => {
    await initGpu();
  });

  it('a wait that ends within POLL_NATIVE_MS never swaps setImmediate', async () => {
    const native = NATIVE;
    const seen: unknown[] = [];
    const got = await pollThenThrottle(async () => {
      seen.push(globalThis.setImmediate);
      await new Promise((r) => native(r));
      seen.push(globalThis.setImmediate);
      return 'quick';
    });
    expect(got).toBe('quick');
    expect(seen.every((f) => f === native)).toBe(true);
    expect(globalThis.setImmediate).toBe(native);
  });

  it('a longer wait is throttled after POLL_NATIVE_MS, and setImmediate comes back when it ends or throws', async () => {
    const native = NATIVE;
    expect(POLL_NATIVE_MS).toBe(2);
    let during: unknown = null;
    const got = await pollThenThrottle(
      () =>
        new Promise<string>((r) =>
          setTimeout(() => {
            during = globalThis.setImmediate;
            r('slow');
          }, 40),
        ),
    );
    expect(got).toBe('slow');
    expect(during, 'throttled while the wait ran').not.toBe(native);
    expect(globalThis.setImmediate).toBe(native);
    await expect(pollThenThrottle(() => new Promise((_, reject) => setTimeout(() => reject(new Error('device lost')), 20)))).rejects.toThrow('device lost');
    expect(globalThis.setImmediate).toBe(native);
    await expect(pollThenThrottle(async () => Promise.reject(new Error('at once')))).rejects.toThrow('at once');
    expect(globalThis.setImmediate).toBe(native);
  });

  it("a GPU wait with no estimate is throttled once it outlasts POLL_NATIVE_MS, unless idle waits are off; the data is the GPU's", async () => {
    const g = gpu();
    const native = NATIVE;
    // a new shape every call so that no estimate exists: a sleep would use throttledPolling directly
    const throttledDuring = async (n: number): Promise<boolean> => {
      const data = Float32Array.from({ length: n }, (_, i) => i);
      const t = Tensor.fromData(data, [n]);
      let throttled = false;
      const spy = setInterval(() => (throttled ||= globalThis.setImmediate !== native), 1);
      // enough queued copies that the wait outlasts POLL_NATIVE_MS on any adapter
      const copies = Array.from({ length: 64 }, () => binary('add', t, t));
      const last = copies[copies.length - 1]!;
      const got = await last.read();
      clearInterval(spy);
      expect(Array.from(got.slice(0, 3))).toEqual([0, 2, 4]);
      copies.forEach((c) => c.dispose());
      t.dispose();
      expect(globalThis.setImmediate).toBe(native);
      return throttled;
    };
    expect(await throttledDuring(1 << 20)).toBe(true);
    expect(await withSettings({ idleWaits: false }, () => throttledDuring((1 << 20) + 4))).toBe(false);
    void g;
  });
});

describe('lavapipe threads', () => {
  it('two per core up to 4 cores, lavapipe’s own default above', () => {
    expect(defaultLavapipeThreads(1)).toBe(2);
    expect(defaultLavapipeThreads(2)).toBe(4);
    expect(defaultLavapipeThreads(4)).toBe(8);
    expect(defaultLavapipeThreads(5)).toBeNull();
    expect(defaultLavapipeThreads(64)).toBeNull();
    expect(defaultLavapipeThreads(0)).toBeNull();
    expect(defaultLavapipeThreads(Number.NaN)).toBeNull();
    expect(defaultLavapipeThreads(1.5)).toBeNull();
  });

  it('what this process runs with is recorded by machineInfo, with who chose it', async () => {
    await initGpu();
    const lp = lavapipeThreads();
    const m = machineInfo({ vendor: '', architecture: '', device: 'llvmpipe-256-bits', description: 'Mesa 25.0.7', backend: 'vulkan', features: [], limits: {} });
    const cores = availableParallelism();
    if (lp === null) {
      // nobody set it: a machine of more than 4 cores with LP_NUM_THREADS unset
      expect(cores).toBeGreaterThan(4);
      expect(m.lavapipeThreads).toBeNull();
    } else if (lp.from === 'engine') {
      expect(lp.threads).toBe(2 * cores);
      expect(process.env.LP_NUM_THREADS).toBe(String(2 * cores));
      expect(m.lavapipeThreads).toBe(`${2 * cores} (the engine's default for ${cores} cores)`);
    } else {
      expect(m.lavapipeThreads).toBe(`${process.env.LP_NUM_THREADS} (LP_NUM_THREADS)`);
    }
  });
});

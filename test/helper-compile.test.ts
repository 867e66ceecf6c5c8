// The helper compile (src/kernels/pipeline-cache.ts installHelperCompile): on a CPU adapter, a wait that begins with
// at least HELPER_COMPILE_MIN pipelines created since the last wait starts a second device that dispatches them once
// each, newest first, so that lavapipe's Mesa shader cache holds them before the main queue gets there (cold starts:
// bench/RESULTS.md, 2026-12-07). It must never change a result and must stop when the wait ends or the cache is warm.
import { describe, it, expect, beforeAll } from 'vitest';
import { gpu, initGpu } from '../src/runtime/gpu.ts';
import { Tensor } from '../src/runtime/tensor.ts';
import { takeFreshPipelineKeys } from '../src/kernels/runner.ts';
import { installHelperCompile, placeholderBindings, HELPER_COMPILE_MIN, HELPER_CACHE_HIT_MS, wantsHelperCompile, type HelperCompileStats } from '../src/kernels/pipeline-cache.ts';
import { registry } from '../src/kernels/runner.ts';

const stats = (): HelperCompileStats => ({ started: 0, dispatched: 0, stoppedWarm: 0 });

describe('helper compile', () => {
  beforeAll(async () => {
    await initGpu();
  });

  it('is for CPU adapters; its constants are what the comment says', () => {
    expect(wantsHelperCompile(gpu())).toBe(/llvmpipe|lavapipe|swiftshader/i.test(`${gpu().adapter.description} ${gpu().adapter.device}`));
    expect(HELPER_COMPILE_MIN).toBe(4);
    expect(HELPER_CACHE_HIT_MS).toBe(40);
  });

  it('takeFreshPipelineKeys lists the pipelines first used since the last call, once, per device', async () => {
    const g = gpu();
    const { winogradGemmChannelKernel } = await import('../src/kernels/winograd.ts');
    takeFreshPipelineKeys(g.device);
    const A = Tensor.fromData(new Float32Array(8).fill(1), [1, 2, 4]);
    const B = Tensor.fromData(new Float32Array(16).fill(1), [1, 4, 4]);
    const run = (wgx: number) => {
      const out = Tensor.empty([1, 2, 4]);
      winogradGemmChannelKernel.dispatch(g, { A4: A, B4: B, dst: out }, { M: 2, N: 4, K: 4 }, [1, 1, 1], { WGX: wgx });
      return out;
    };
    const o1 = run(11);
    const o2 = run(11);
    const o3 = run(13);
    expect(takeFreshPipelineKeys(g.device)).toEqual(['winograd_gemm_oc {"WGX":11}', 'winograd_gemm_oc {"WGX":13}']);
    expect(takeFreshPipelineKeys(g.device), 'forgotten once taken').toEqual([]);
    expect(Array.from(await o3.read())).toEqual(new Array(8).fill(4));
    [A, B, o1, o2, o3].forEach((t) => t.dispose());
  });

  it('a wait with enough fresh pipelines starts one helper run, which compiles them on its own device without touching results', async () => {
    const g = gpu();
    const s = stats();
    const uninstall = installHelperCompile(g, s);
    try {
      takeFreshPipelineKeys(g.device);
      // fresh pipelines of one kernel: the channel-lane Winograd GEMM at workgroup sizes no other test uses
      const { winogradGemmChannelKernel } = await import('../src/kernels/winograd.ts');
      const M = 3, K = 4, N = 8, E = 1;
      const A = Tensor.fromData(Float32Array.from({ length: M * K }, (_, i) => i + 1), [E, M, K]);
      const B = Tensor.fromData(Float32Array.from({ length: K * N }, (_, i) => (i % 5) - 2), [E, K, N]);
      const outs: Tensor[] = [];
      for (const wgx of [3, 5, 6, 7, 9]) {
        const out = Tensor.empty([E, M, N]);
        winogradGemmChannelKernel.dispatch(g, { A4: A, B4: B, dst: out }, { M, N, K }, [1, 1, E], { WGX: wgx });
        outs.push(out);
      }
      // simulate the start of a wait and keep it open until the helper is done
      const end = g.waitHooks.at(-1)!();
      expect(s.started).toBe(1);
      expect(g.waitHooks.at(-1)!(), 'no second run while one is going').toBeUndefined();
      await s.last;
      end?.();
      expect(s.dispatched).toBeGreaterThanOrEqual(2);
      // both of its first two were cache hits (the main device had just compiled them) and it stopped, or it did all 5
      expect(s.stoppedWarm === 1 ? s.dispatched === 2 : s.dispatched === 5).toBe(true);
      // the main device's work is untouched: every product is A @ B
      const want = new Float32Array(M * N);
      for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) want[m * N + n] += (m * K + k + 1) * ((k * N + n) % 5 - 2);
      for (const o of outs) expect(Array.from(await o.read())).toEqual(Array.from(want));
      [A, B, ...outs].forEach((t) => t.dispose());
    } finally {
      uninstall();
    }
    expect(g.waitHooks.length).toBe(0);
  });

  // the helper (and bench/compile-cost.ts) dispatch whatever kernel a run used, once, on one workgroup with every
  // parameter zero: each must then end at once. surface_bbox computed its class count as numClasses - 1, so zero
  // parameters made it loop 2^32 times and the dispatch never ended.
  it('every kernel of the registry finishes a dispatch with zeroed parameters and placeholder buffers', async () => {
    const g = gpu();
    const buffers: GPUBuffer[] = [];
    const slow: string[] = [];
    try {
      for (const [name, k] of [...registry.entries()].sort(([a], [b]) => a.localeCompare(b))) {
        // a kernel whose shader enables a feature this device lacks (subgroups) is never dispatched on it
        if (!k.supportedOn(g.device)) continue;
        const { buffers: bound, params } = placeholderBindings(k, () => {
          const b = g.device.createBuffer({ size: 4096, usage: GPUBufferUsage.STORAGE });
          buffers.push(b);
          return b;
        });
        const t0 = performance.now();
        k.dispatch(g, bound, params, [1, 1, 1]);
        await g.sync();
        // a cold compile takes up to ~3 s here; a runaway loop does not end at all (the test's timeout)
        if (performance.now() - t0 > 20_000) slow.push(name);
      }
    } finally {
      for (const b of buffers) b.destroy();
    }
    expect(slow).toEqual([]);
  }, 180_000);

  it('fewer fresh pipelines than HELPER_COMPILE_MIN start nothing, and a real read runs every hook', async () => {
    const g = gpu();
    const s = stats();
    const uninstall = installHelperCompile(g, s);
    let hookEnds = 0;
    g.waitHooks.push(() => () => hookEnds++);
    try {
      takeFreshPipelineKeys(g.device);
      const t = Tensor.fromData(new Float32Array([5, 6]), [2]);
      expect(Array.from(await t.read())).toEqual([5, 6]);
      expect(s.started).toBe(0);
      expect(hookEnds, 'the wait ran the hooks and ended them').toBe(1);
      t.dispose();
    } finally {
      uninstall();
      g.waitHooks.pop();
    }
  });
});

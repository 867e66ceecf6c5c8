// Channels per thread of the Winograd input, output and gradient transforms (src/kernels/winograd.ts
// transformChannels): 1 on CPU adapters, where lavapipe compiles a vec4 thread's divergent loads and stores into four
// times the code (bench/RESULTS.md, "2026-12-07 (night)"), 4 elsewhere; the
// `transformChannels` setting (SPINESEG_TRANSFORM_CH) overrides it. Both shapes are checked against float64 in
// src/checks/winograd.ts and src/checks/epilogue.ts; here: which pipelines a run uses, and that the two give the same bits.
import { describe, it, expect, beforeAll } from 'vitest';
import { gpu, initGpu, isCpuAdapter } from '../src/runtime/gpu.ts';
import { Tensor } from '../src/runtime/tensor.ts';
import { takeFreshPipelineKeys } from '../src/kernels/runner.ts';
import { settingsFromEnvironment, withSettings } from '../src/runtime/settings.ts';
import { transformChannels, winogradForward, winogradInputGrad, winogradFilterGrad } from '../src/kernels/winograd.ts';

const TRANSFORMS = /^winograd4?_(input|output|grad) /;

/** A forward, input gradient and filter gradient of both tile sizes on odd shapes (16 and 5 channels: vec4 and ragged). */
function passes(): Tensor[] {
  const out: Tensor[] = [];
  for (const [c, o] of [[16, 16], [5, 7]]) {
    const x = Tensor.fromData(Float32Array.from({ length: 2 * 7 * 9 * c }, (_, i) => Math.sin(i * 0.37)), [2, 7, 9, c]);
    const dy = Tensor.fromData(Float32Array.from({ length: 2 * 7 * 9 * o }, (_, i) => Math.cos(i * 0.21)), [2, 7, 9, o]);
    const w = Tensor.fromData(Float32Array.from({ length: 9 * c * o }, (_, i) => Math.cos(i) / c), [3, 3, c, o]);
    const b = Tensor.fromData(Float32Array.from({ length: o }, (_, i) => 0.1 * i), [o]);
    for (const tile of [2, 4] as const) {
      out.push(winogradForward(x, w, b, { lanes: 'rows', tile }), winogradInputGrad(dy, w, { lanes: 'rows', tile }), winogradFilterGrad(x, dy, { tile }));
    }
    [x, dy, w, b].forEach((t) => t.dispose());
  }
  return out;
}

/** The results of `passes` and the transform pipelines they first used. */
async function run(): Promise<{ values: Float32Array[]; keys: string[] }> {
  takeFreshPipelineKeys(gpu().device);
  const out = passes();
  const values = await Promise.all(out.map((t) => t.read()));
  out.forEach((t) => t.dispose());
  return { values, keys: takeFreshPipelineKeys(gpu().device).filter((k) => TRANSFORMS.test(k)).sort() };
}

describe('Winograd transform channels per thread', () => {
  beforeAll(async () => {
    await initGpu();
  });

  it('is 1 on a CPU adapter and 4 elsewhere, and the setting replaces it', () => {
    expect(transformChannels()).toBe(isCpuAdapter(gpu().adapter) ? 1 : 4);
    expect(withSettings({ transformChannels: 4 }, () => transformChannels())).toBe(4);
    expect(withSettings({ transformChannels: 1 }, () => transformChannels())).toBe(1);
  });

  it('one channel per thread compiles CH=1 pipelines and gives bitwise the results of four', async () => {
    const one = await withSettings({ transformChannels: 1 }, run);
    const four = await withSettings({ transformChannels: 4 }, run);
    for (const k of one.keys) expect(k).toMatch(/\{"CH":1\}$/);
    expect(one.keys.length).toBe(6); // input, output and gradient transforms of both tile sizes
    for (const k of four.keys) expect(k).not.toMatch(/"CH"/);
    expect(four.keys.length).toBeGreaterThanOrEqual(6); // vec4 and ragged (V = 1) variants
    expect(one.values.length).toBe(four.values.length);
    for (const [i, v] of one.values.entries()) expect(Buffer.from(v.buffer).equals(Buffer.from(four.values[i]!.buffer))).toBe(true);
  });

  it('SPINESEG_TRANSFORM_CH takes 1 or 4 and refuses anything else in one line', () => {
    expect(settingsFromEnvironment({ SPINESEG_TRANSFORM_CH: '1' })).toEqual({ transformChannels: 1 });
    expect(settingsFromEnvironment({ SPINESEG_TRANSFORM_CH: '4' })).toEqual({ transformChannels: 4 });
    expect(() => settingsFromEnvironment({ SPINESEG_TRANSFORM_CH: '2' })).toThrow("SPINESEG_TRANSFORM_CH='2': expected 1 or 4");
    expect(() => withSettings({ transformChannels: 3 as 1 }, () => 0)).toThrow('expected 1, 4 or null');
  });
});

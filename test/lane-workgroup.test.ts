// The channel-lane kernels' workgroup size (src/kernels/winograd.ts laneWorkgroup): on a CPU adapter one size, 8, for
// every layer width, so that a run compiles one pipeline per kernel instead of one per width (bench/RESULTS.md,
// "2026-12-07 (evening)"); the `laneWorkgroup` setting (SPINESEG_LANE_WG) overrides it. The results at other
// sizes are checked against float64 in src/checks/conv.ts and src/checks/winograd.ts.
import { describe, it, expect, beforeAll } from 'vitest';
import { gpu, initGpu, isCpuAdapter } from '../src/runtime/gpu.ts';
import { Tensor } from '../src/runtime/tensor.ts';
import { takeFreshPipelineKeys } from '../src/kernels/runner.ts';
import { settingsFromEnvironment, withSettings } from '../src/runtime/settings.ts';
import { laneWorkgroup, subgroupGemm, winogradForward, winogradInputGrad, winogradFilterGrad } from '../src/kernels/winograd.ts';
import { conv2dForward, conv2dInputGrad } from '../src/kernels/conv2d.ts';

/** Workgroup sizes of the channel-lane pipelines first used by `fn`, per kernel. */
async function laneSizes(fn: () => Tensor[]): Promise<Record<string, number[]>> {
  const g = gpu();
  takeFreshPipelineKeys(g.device);
  const out = fn();
  await Promise.all(out.map((t) => t.read()));
  out.forEach((t) => t.dispose());
  const sizes: Record<string, Set<number>> = {};
  for (const key of takeFreshPipelineKeys(g.device)) {
    const [name, json] = [key.slice(0, key.indexOf(' ')), key.slice(key.indexOf(' ') + 1)];
    const c = JSON.parse(json) as Record<string, number>;
    const size = c.WGX ?? (name === 'winograd_gemm_at' ? c.WG : undefined);
    if (size !== undefined) (sizes[name] ??= new Set()).add(size);
  }
  return Object.fromEntries(Object.entries(sizes).map(([k, v]) => [k, [...v].sort((a, b) => a - b)]));
}

/** Forward, input-gradient and filter-gradient convolutions of layers 16 to 128 channels wide, Winograd and direct. */
function layers(widths: number[], salt: number): Tensor[] {
  const out: Tensor[] = [];
  for (const c of widths) {
    // 3x5 pixels: ragged F(4x4) tiles; `salt` only varies the data
    const x = Tensor.fromData(Float32Array.from({ length: 3 * 5 * c }, (_, i) => Math.sin(i + salt)), [1, 3, 5, c]);
    const w = Tensor.fromData(Float32Array.from({ length: 9 * c * c }, (_, i) => Math.cos(i) / c), [3, 3, c, c]);
    out.push(
      winogradForward(x, w, null, { lanes: 'channels', tile: 4 }),
      winogradInputGrad(x, w, { lanes: 'channels' }),
      winogradFilterGrad(x, x, { tile: 4 }),
      conv2dForward(x, w, null, { algorithm: 'direct', variant: 'register' }),
      conv2dInputGrad(x, w, { algorithm: 'direct', variant: 'register' }),
    );
    x.dispose();
    w.dispose();
  }
  return out;
}

describe('channel-lane workgroup size', () => {
  beforeAll(async () => {
    await initGpu();
  });

  it('is one size for every layer width on a CPU adapter, the width otherwise', () => {
    const cpu = isCpuAdapter(gpu().adapter);
    expect(laneWorkgroup(64)).toBe(cpu ? 8 : 64);
    expect(laneWorkgroup(4)).toBe(cpu ? 8 : 4);
    expect(withSettings({ laneWorkgroup: 5 }, () => laneWorkgroup(64))).toBe(5);
  });

  it('on this adapter the kernels of every width share the built-in size, and the setting replaces it', async () => {
    const builtIn = await laneSizes(() => layers([16, 32, 64, 128], 1));
    if (isCpuAdapter(gpu().adapter)) {
      // the subgroup kernels, where the device has them, replace winograd_gemm_oc, _at and conv2d_register_oc: 8
      // threads each (winograd_gemm_at_sg has no size constant)
      if (subgroupGemm()) expect(builtIn).toEqual({ winograd_gemm_sg: [8], conv2d_register_sg: [8] });
      else expect(builtIn).toEqual({ winograd_gemm_oc: [8], winograd_gemm_at: [8], conv2d_register_oc: [8] });
    }
    const forced = await withSettings({ laneWorkgroup: 5, subgroupGemm: false }, () => laneSizes(() => layers([16, 32, 64, 128], 2)));
    expect(forced).toEqual({ winograd_gemm_oc: [5], winograd_gemm_at: [5], conv2d_register_oc: [5] });
  });

  it('SPINESEG_LANE_WG takes an integer from 1 to 256 and refuses anything else in one line', () => {
    expect(settingsFromEnvironment({ SPINESEG_LANE_WG: '16' })).toEqual({ laneWorkgroup: 16 });
    expect(() => settingsFromEnvironment({ SPINESEG_LANE_WG: '300' })).toThrow("SPINESEG_LANE_WG='300': expected an integer from 1 to 256");
    expect(() => settingsFromEnvironment({ SPINESEG_LANE_WG: '0' })).toThrow("SPINESEG_LANE_WG='0': expected an integer >= 1");
    expect(() => settingsFromEnvironment({ SPINESEG_LANE_WG: '8.5' })).toThrow('SPINESEG_LANE_WG');
    expect(() => withSettings({ laneWorkgroup: 0 }, () => 0)).toThrow('expected an integer from 1 to 256');
  });
});

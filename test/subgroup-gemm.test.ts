// The register-tile kernels with subgroup broadcasts (shaders/winograd_gemm_sg.wgsl and conv2d_register_sg.wgsl, and
// the SUBGROUPS variants of winograd_gemm.wgsl, winograd_gemm_at.wgsl, conv2d_register.wgsl and
// conv2d_filter_register.wgsl; src/kernels/winograd.ts subgroupGemm): on by default on CPU adapters whose device has
// subgroups of 8 or more (lavapipe: 8), where they ran the U-Net's GEMMs 1.5-3x faster than the kernels they replace
// (bench/RESULTS.md, "2026-12-07 (afternoon)"); the setting (SPINESEG_SUBGROUP_GEMM) switches them. Their results
// against float64 are in src/checks/winograd.ts and conv.ts; here: that both give the same bits (they add in the same
// order), which pipelines a run uses, and the setting's parsing.
import { describe, it, expect, beforeAll } from 'vitest';
import { gpu, initGpu, isCpuAdapter } from '../src/runtime/gpu.ts';
import { Tensor } from '../src/runtime/tensor.ts';
import { takeFreshPipelineKeys } from '../src/kernels/runner.ts';
import { settingsFromEnvironment, withSettings } from '../src/runtime/settings.ts';
import { subgroupGemm, subgroupTwinsUnavailable, winogradForward, winogradInputGrad, winogradFilterGrad } from '../src/kernels/winograd.ts';
import { conv2dForward, conv2dInputGrad, conv2dFilterGrad } from '../src/kernels/conv2d.ts';

const GEMMS = /^(winograd_gemm(_oc|_sg|_rows_sg|_at|_at_sg)?|conv2d_register(_oc|_sg|_px_sg)?|conv2d_filter_register(_sg)?) /;

/**
 * Forward, input-gradient and filter-gradient convolutions through channel lanes: 16 to 64 channels, ragged tile and
 * column blocks, and 5 -> 7 channels (ragged K and N: the filter gradient's GEMM only; the others take row lanes).
 */
async function run(): Promise<{ values: Float32Array[]; gemms: string[] }> {
  takeFreshPipelineKeys(gpu().device);
  const out: Tensor[] = [];
  for (const [n, h, w, c, o] of [[2, 13, 10, 20, 36], [1, 9, 11, 16, 16], [1, 7, 5, 64, 40], [1, 9, 11, 5, 7]]) {
    const x = Tensor.fromData(Float32Array.from({ length: n * h * w * c }, (_, i) => Math.sin(i * 0.37)), [n, h, w, c]);
    const dy = Tensor.fromData(Float32Array.from({ length: n * h * w * o }, (_, i) => Math.cos(i * 0.21)), [n, h, w, o]);
    const k = Tensor.fromData(Float32Array.from({ length: 9 * c * o }, (_, i) => Math.cos(i) / c), [3, 3, c, o]);
    for (const tile of [2, 4] as const) {
      out.push(winogradForward(x, k, null, { lanes: 'channels', tile }), winogradInputGrad(dy, k, { lanes: 'channels', tile }), winogradFilterGrad(x, dy, { tile }));
      out.push(winogradForward(x, k, null, { lanes: 'rows', tile }));
    }
    // the direct register kernels: channel lanes from 32 outputs (64 -> 40 forward, 40 -> 64 back; two weight
    // layouts), pixel lanes below (16 -> 16: whole vec4 blocks; 5 -> 7: ragged)
    if (c === 64 || c === 16 || c === 5) {
      const direct = { algorithm: 'direct', variant: 'register' } as const;
      out.push(conv2dForward(x, k, null, direct), conv2dInputGrad(dy, k, direct), conv2dFilterGrad(x, dy, [3, 3], direct));
    }
    [x, dy, k].forEach((t) => t.dispose());
  }
  const values = await Promise.all(out.map((t) => t.read()));
  out.forEach((t) => t.dispose());
  const gemms = [...new Set(takeFreshPipelineKeys(gpu().device).filter((key) => GEMMS.test(key)).map((key) => key.slice(0, key.indexOf(' '))))];
  return { values, gemms };
}

describe('the subgroup Winograd GEMM', () => {
  beforeAll(async () => {
    await initGpu();
  });

  it('is on for a CPU adapter with subgroups of 8 or more, and only where the device can run it', () => {
    const g = gpu();
    const able = g.device.features.has('subgroups' as GPUFeatureName) && (g.adapter.subgroupMinSize ?? 0) >= 8;
    expect(subgroupGemm()).toBe(able && isCpuAdapter(g.adapter));
    expect(withSettings({ subgroupGemm: false }, subgroupGemm)).toBe(false);
    expect(withSettings({ subgroupGemm: true }, subgroupGemm)).toBe(able);
    // lavapipe on a 256-bit (AVX2 / AVX-512) machine: subgroups of 8, asked for by initGpu
    if (/llvmpipe/.test(g.adapter.description) && /256-bits/.test(g.adapter.device)) expect(able).toBe(true);
  });

  it('runs the _sg kernels when on and the kernels they replace when off, with bitwise the same results', async (ctx) => {
    const why = subgroupTwinsUnavailable();
    if (why) return ctx.skip(why);
    const on = await withSettings({ subgroupGemm: true }, run);
    const off = await withSettings({ subgroupGemm: false }, run);
    expect(on.gemms.sort()).toEqual(['conv2d_filter_register_sg', 'conv2d_register_px_sg', 'conv2d_register_sg', 'winograd_gemm_at_sg', 'winograd_gemm_rows_sg', 'winograd_gemm_sg']);
    expect(off.gemms.sort()).toEqual(['conv2d_filter_register', 'conv2d_register', 'conv2d_register_oc', 'winograd_gemm', 'winograd_gemm_at', 'winograd_gemm_oc']);
    expect(on.values.length).toBe(41);
    for (const [i, v] of on.values.entries()) {
      expect(v.every(Number.isFinite)).toBe(true);
      expect(Buffer.from(v.buffer).equals(Buffer.from(off.values[i]!.buffer))).toBe(true);
    }
  });

  it('SPINESEG_SUBGROUP_GEMM takes 0 or 1 and refuses anything else in one line', () => {
    expect(settingsFromEnvironment({ SPINESEG_SUBGROUP_GEMM: '1' })).toEqual({ subgroupGemm: true });
    expect(settingsFromEnvironment({ SPINESEG_SUBGROUP_GEMM: '0' })).toEqual({ subgroupGemm: false });
    expect(() => settingsFromEnvironment({ SPINESEG_SUBGROUP_GEMM: 'yes' })).toThrow("SPINESEG_SUBGROUP_GEMM='yes': expected 0 or 1");
  });
});

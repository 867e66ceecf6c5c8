import { describe, it, expect } from 'vitest';
import { gpu, GpuError } from '../src/runtime/gpu.ts';
import { registerShaderSources } from '../src/runtime/shaders.ts';
import { defineKernel } from '../src/kernels/runner.ts';
import { Tensor } from '../src/graph/tensor.ts';

describe('GPU errors surface as exceptions with the GPU message', () => {
  it('a shader that does not compile throws at the next sync, and the device keeps working', async () => {
    registerShaderSources({
      broken_for_test: `@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3<u32>) { out[g.x] = undefined_name; }`,
    });
    const out = Tensor.zeros([64]);
    const k = defineKernel({ name: 'broken_for_test', shader: 'broken_for_test', doc: 'deliberately invalid' });
    // wgsl_reflect parses it; Dawn rejects it when the pipeline is created
    let thrown: unknown = null;
    try {
      k.dispatch(gpu(), { out }, {}, [1]);
      await gpu().sync();
    } catch (e) {
      thrown = e;
    }
    // the compile error itself comes first (later lines are its cascade: invalid module -> pipeline -> pass)
    expect(thrown).toBeInstanceOf(GpuError);
    expect(String(thrown).split('\n')[0]).toMatch(/WebGPU error: .*WGSL.*unresolved value 'undefined_name'/);
    // the error is reported once; ordinary work goes on
    const t = Tensor.fromData([1, 2, 3], [3]);
    expect(Array.from(await t.read())).toEqual([1, 2, 3]);
    t.dispose();
    out.dispose();
  });

  it('a dispatch over the adapter limit is refused with the limit named', () => {
    const out = Tensor.zeros([4]);
    const k = defineKernel({ name: 'broken_for_test', shader: 'broken_for_test', doc: '' });
    expect(() => k.dispatch(gpu(), { out }, {}, [gpu().limits.maxComputeWorkgroupsPerDimension + 1])).toThrow(/maxComputeWorkgroupsPerDimension/);
    out.dispose();
  });
});

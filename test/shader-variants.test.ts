// A kernel's variants written once (src/runtime/shaders.ts shaderSource): `// #if NAME` ... `// #else` ... `// #endif`
// blocks kept or dropped by the kernel's `defines`, dropped lines left empty so that line numbers stay the file's, and
// one line naming the file and line for every malformed block. The SUBGROUPS variants themselves are checked against
// float64 in src/checks/ and bit for bit against their kernels in test/subgroup-gemm.test.ts.
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { registerShaderSources, shaderSource } from '../src/runtime/shaders.ts';
import '../src/kernels/all.ts';
import { registry } from '../src/kernels/runner.ts';

const src = ['head', '// #if A', 'a', '// #else', 'not a', '// #endif', 'middle', '// #if B', 'b', '// #endif', 'tail'].join('\n');

describe('shader variants', () => {
  it('keeps the #if lines of a define and the #else lines otherwise, blanking the others', () => {
    registerShaderSources({ test_variants: src });
    const lines = (defines: string[]) => shaderSource('test_variants', defines).split('\n');
    expect(lines([])).toEqual(['head', '// #if A', '', '// #else', 'not a', '// #endif', 'middle', '// #if B', '', '// #endif', 'tail']);
    expect(lines(['A'])).toEqual(['head', '// #if A', 'a', '// #else', '', '// #endif', 'middle', '// #if B', '', '// #endif', 'tail']);
    expect(lines(['A', 'B'])).toEqual(['head', '// #if A', 'a', '// #else', '', '// #endif', 'middle', '// #if B', 'b', '// #endif', 'tail']);
  });

  it('refuses nested, unbalanced and unknown blocks in one line naming the file and line', () => {
    const bad: [string, RegExp][] = [
      ['// #if A\n// #if B\n// #endif\n// #endif', /shaders\/bad\.wgsl:2: '\/\/ #if B' inside '\/\/ #if A' \(line 1\): blocks do not nest/],
      ['// #if A\nx', /shaders\/bad\.wgsl: '\/\/ #if A' \(line 1\) has no '\/\/ #endif'/],
      ['x\n// #endif', /shaders\/bad\.wgsl:2: '\/\/ #endif' without '\/\/ #if'/],
      ['// #if A\n// #else\n// #else\n// #endif', /shaders\/bad\.wgsl:3: a second '\/\/ #else'/],
      ['// #if A B\n// #endif', /shaders\/bad\.wgsl:1: '\/\/ #if' takes one name, got 'A B'/],
    ];
    for (const [text, message] of bad) {
      registerShaderSources({ bad: text });
      expect(() => shaderSource('bad', ['A'])).toThrow(message);
    }
    registerShaderSources({ test_variants: src });
    expect(() => shaderSource('test_variants', ['C'])).toThrow("shaders/test_variants.wgsl has no '// #if C' block: the define selects nothing");
  });

  it('every kernel with defines names blocks its shader has, and a shader without them reads as before', () => {
    const withDefines = [...registry.values()].filter((k) => k.spec.defines?.length);
    expect(withDefines.map((k) => k.name).sort()).toEqual(['conv2d_filter_register_sg', 'conv2d_register_px_sg', 'winograd_gemm_at_sg', 'winograd_gemm_rows_sg']);
    for (const k of withDefines) {
      const text = readFileSync(`shaders/${k.spec.shader}.wgsl`, 'utf8');
      for (const d of k.spec.defines!) expect(text, `shaders/${k.spec.shader}.wgsl`).toContain(`// #if ${d}`);
      // the variant enables subgroups; the kernel it twins does not
      expect(shaderSource(k.spec.shader, k.spec.defines)).toMatch(/^enable subgroups;$/m);
      expect(shaderSource(k.spec.shader)).not.toMatch(/^enable subgroups;$/m);
    }
    for (const f of readdirSync('shaders').filter((f) => f.endsWith('.wgsl'))) {
      const name = f.replace(/\.wgsl$/, '');
      const text = readFileSync(`shaders/${f}`, 'utf8');
      if (!/^\/\/ #if /m.test(text)) expect(shaderSource(name)).toBe(shaderSource(name, []));
    }
  });
});

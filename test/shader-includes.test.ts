// WGSL snippets (shaders/include/): every `// #include` resolves there, and each snippet's header says exactly
// who includes it, what it defines and what its includer must define, and every includer does define it.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { includePath, registerShaderSources, shaderSource } from '../src/runtime/shaders.ts';

const dir = 'shaders';
const kernels = readdirSync(dir).filter((f) => f.endsWith('.wgsl')).map((f) => f.replace(/\.wgsl$/, ''));
const snippets = readdirSync(join(dir, 'include')).filter((f) => f.endsWith('.wgsl')).map((f) => f.replace(/\.wgsl$/, ''));
const text = (name: string) => readFileSync(join(dir, `${name}.wgsl`), 'utf8');
const includes = (kernel: string) => [...text(kernel).matchAll(/^\/\/ #include (\w+)[ \t]*$/gm)].map((m) => m[1]!);
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\<>]/g, '\\$&');

/** The header fields of a snippet: `// Included by: a, b`, `// Defines: ...`, `// The includer must define: p.X: T, name: T`. */
function header(snippet: string): { by: string[]; defines: string[]; requires: { name: string; type: string }[] } {
  const t = text(includePath(snippet));
  const field = (label: string) => {
    const m = t.match(new RegExp(`^// ${label}: (.+)$`, 'm'));
    if (!m) throw new Error(`shaders/include/${snippet}.wgsl: no '// ${label}:' line in its header`);
    return m[1]!;
  };
  return {
    by: field('Included by').split(', '),
    defines: field('Defines').split(', '),
    // split on commas outside <...>
    requires: field('The includer must define').split(/, (?![^<]*>)/).map((r) => {
      const [, name, type] = r.match(/^([\w.]+): (.+)$/)!;
      return { name: name!, type: type! };
    }),
  };
}

/** Whether `kernel` declares what a snippet requires: a field of its uniform `p`, or a binding / override. */
function declares(kernel: string, req: { name: string; type: string }): boolean {
  const k = text(kernel);
  if (req.name.startsWith('p.')) {
    const struct = k.match(/var<uniform> p: (\w+);/)?.[1];
    const body = struct && k.match(new RegExp(`struct ${struct} \\{([^}]*)\\}`))?.[1];
    return !!body && new RegExp(`\\b${escape(req.name.slice(2))}: ${escape(req.type)}(,|\\s|$)`).test(body);
  }
  return new RegExp(`(var<[^>]*>|override) ${escape(req.name)}: ${escape(req.type)}(?![\\w<])`).test(k);
}

describe('WGSL snippets', () => {
  it('keeps every included snippet in shaders/include/ and nothing else there; kernels in shaders/ all have an entry point', () => {
    const included = new Set(kernels.flatMap(includes));
    expect([...included].sort()).toEqual([...snippets].sort());
    for (const k of kernels) expect(text(k), `shaders/${k}.wgsl`).toMatch(/@compute/);
    for (const s of snippets) expect(text(includePath(s)), `shaders/include/${s}.wgsl`).not.toMatch(/@compute|^\/\/ #include /m);
  });

  it("names in each snippet's header exactly its includers, the functions it defines and every p field it reads", () => {
    for (const s of snippets) {
      const h = header(s);
      const t = text(includePath(s));
      const code = t.replace(/\/\/.*$/gm, '');
      expect(h.by.sort(), `shaders/include/${s}.wgsl 'Included by'`).toEqual(kernels.filter((k) => includes(k).includes(s)).sort());
      for (const d of h.defines) expect(code, `shaders/include/${s}.wgsl defines ${d}`).toMatch(new RegExp(`\\b(fn|struct) ${escape(d.replace(/^struct /, ''))}\\b`));
      const fields = [...new Set([...code.matchAll(/\bp\.(\w+)/g)].map((m) => `p.${m[1]}`))].sort();
      expect(h.requires.filter((r) => r.name.startsWith('p.')).map((r) => r.name).sort(), `shaders/include/${s}.wgsl uniform fields`).toEqual(fields);
      for (const r of h.requires.filter((r) => !r.name.startsWith('p.'))) expect(code, `shaders/include/${s}.wgsl uses ${r.name}`).toMatch(new RegExp(`\\b${escape(r.name)}\\b`));
    }
  });

  it('finds every requirement declared, with its type, in every includer', () => {
    const missing: string[] = [];
    for (const s of snippets) for (const k of header(s).by) for (const r of header(s).requires) if (!declares(k, r)) missing.push(`shaders/${k}.wgsl lacks ${r.name}: ${r.type} (for include/${s})`);
    expect(missing).toEqual([]);
  });

  it('splices the snippet from shaders/include/ in place of the include line', () => {
    registerShaderSources({ 'test_includer': '// head\n// #include test_snippet\nfn main() {}', [includePath('test_snippet')]: 'fn snippet() {}' });
    expect(shaderSource('test_includer')).toBe('// head\nfn snippet() {}\nfn main() {}');
    registerShaderSources({ 'test_nested': '// #include test_deep', [includePath('test_deep')]: '// #include test_snippet' });
    expect(() => shaderSource('test_nested')).toThrow(/shaders\/include\/test_deep\.wgsl.*must not include/);
  });
});

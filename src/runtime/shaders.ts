// Where WGSL sources come from. Node reads `shaders/<name>.wgsl` (kernels) and `shaders/include/<name>.wgsl`
// (snippets) from disk (src/runtime/platform-node.ts); the browser build registers both folders through Vite's
// import.meta.glob (src/runtime/platform-browser.ts), keyed the same way ('conv2d_tiled', 'include/epilogue').
const sources = new Map<string, string>();
let loader: ((name: string) => string) | null = null;

export function registerShaderSources(map: Record<string, string>): void {
  for (const [name, text] of Object.entries(map)) sources.set(name, text);
}

export function setShaderLoader(fn: (name: string) => string): void {
  loader = fn;
}

function rawSource(name: string): string {
  let text = sources.get(name);
  if (text === undefined) {
    if (!loader) throw new Error(`shader '${name}' is not registered and no shader loader is set (call initGpu first)`);
    text = loader(name);
    sources.set(name, text);
  }
  return text;
}

const INCLUDE = /^\/\/ #include (\w+)[ \t]*$/gm;

/** Where the snippet a `// #include <name>` line names lives: shaders/include/<name>.wgsl. */
export const includePath = (name: string): string => `include/${name}`;

const CONDITIONAL = /^\/\/ #(if|else|endif)\b(.*)$/;

/**
 * The WGSL text of shaders/<name>.wgsl with its `// #include <other>` lines replaced by shaders/include/<other>.wgsl
 * (one level: snippets shared by several kernels, e.g. the convolutions' fused epilogue, never include). Each
 * snippet's header names what its includer must define.
 *
 * `defines` selects a variant of a kernel written once: lines between `// #if NAME` and `// #else` (or `// #endif`)
 * are kept when NAME is among them, lines between `// #else` and `// #endif` when it is not (one level, no nesting).
 * Dropped lines become empty lines, so the compiler's line numbers stay the file's. A define that the shader never
 * tests is an error, as is an unbalanced block.
 */
export function shaderSource(name: string, defines: readonly string[] = []): string {
  const text = rawSource(name).replace(INCLUDE, (_, other: string) => {
    const text = rawSource(includePath(other));
    if (/^\/\/ #include /m.test(text)) throw new Error(`shader snippet 'shaders/include/${other}.wgsl' (included by '${name}') must not include others`);
    if (/^\/\/ #(if|else|endif)\b/m.test(text)) throw new Error(`shader snippet 'shaders/include/${other}.wgsl' (included by '${name}') must not hold #if blocks`);
    return text;
  });
  return selectVariant(text, defines, `shaders/${name}.wgsl`);
}

function selectVariant(text: string, defines: readonly string[], where: string): string {
  const tested = new Set<string>();
  const out: string[] = [];
  // the open block: its name, its line, whether the current branch is kept and whether that is the #else
  let block = null as { name: string; at: number; keep: boolean; inElse: boolean } | null;
  for (const [i, line] of text.split('\n').entries()) {
    const m = CONDITIONAL.exec(line);
    if (!m) {
      out.push(block && !block.keep ? '' : line);
      continue;
    }
    const directive = m[1] as 'if' | 'else' | 'endif';
    const arg = m[2]!.trim();
    if (directive === 'if') {
      if (!/^\w+$/.test(arg)) throw new Error(`${where}:${i + 1}: '// #if' takes one name, got '${arg}'`);
      if (block) throw new Error(`${where}:${i + 1}: '// #if ${arg}' inside '// #if ${block.name}' (line ${block.at}): blocks do not nest`);
      block = { name: arg, at: i + 1, keep: defines.includes(arg), inElse: false };
      tested.add(arg);
    } else {
      if (arg !== '') throw new Error(`${where}:${i + 1}: '// #${directive}' takes nothing, got '${arg}'`);
      if (!block) throw new Error(`${where}:${i + 1}: '// #${directive}' without '// #if'`);
      if (directive === 'endif') block = null;
      else if (block.inElse) throw new Error(`${where}:${i + 1}: a second '// #else' for '// #if ${block.name}' (line ${block.at})`);
      else block = { ...block, keep: !block.keep, inElse: true };
    }
    out.push(line);
  }
  if (block) throw new Error(`${where}: '// #if ${block.name}' (line ${block.at}) has no '// #endif'`);
  for (const d of defines) if (!tested.has(d)) throw new Error(`${where} has no '// #if ${d}' block: the define selects nothing`);
  return out.join('\n');
}

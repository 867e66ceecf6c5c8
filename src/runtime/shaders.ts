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

/**
 * The WGSL text of shaders/<name>.wgsl with its `// #include <other>` lines replaced by shaders/include/<other>.wgsl
 * (one level: snippets shared by several kernels, e.g. the convolutions' fused epilogue, never include). Each
 * snippet's header names what its includer must define.
 */
export function shaderSource(name: string): string {
  return rawSource(name).replace(INCLUDE, (_, other: string) => {
    const text = rawSource(includePath(other));
    if (/^\/\/ #include /m.test(text)) throw new Error(`shader snippet 'shaders/include/${other}.wgsl' (included by '${name}') must not include others`);
    return text;
  });
}

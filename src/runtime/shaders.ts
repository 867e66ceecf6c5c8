// Where WGSL sources come from. Node reads `shaders/*.wgsl` from disk (src/runtime/platform-node.ts);
// the browser build registers them through Vite's import.meta.glob (src/runtime/platform-browser.ts).
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

/**
 * The WGSL text of shaders/<name>.wgsl with its `// #include <other>` lines replaced by shaders/<other>.wgsl
 * (one level: snippets shared by several kernels, e.g. the convolutions' fused epilogue, never include).
 */
export function shaderSource(name: string): string {
  return rawSource(name).replace(INCLUDE, (_, other: string) => {
    const text = rawSource(other);
    if (/^\/\/ #include /m.test(text)) throw new Error(`shader snippet '${other}' (included by '${name}') must not include others`);
    return text;
  });
}

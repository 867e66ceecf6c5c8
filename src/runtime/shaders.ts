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

export function shaderSource(name: string): string {
  let text = sources.get(name);
  if (text === undefined) {
    if (!loader) throw new Error(`shader '${name}' is not registered and no shader loader is set (call initGpu first)`);
    text = loader(name);
    sources.set(name, text);
  }
  return text;
}

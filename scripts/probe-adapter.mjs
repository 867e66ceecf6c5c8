// Exits 0 and prints the adapter when Dawn (npm `webgpu`) finds a WebGPU adapter, 1 otherwise.
process.env.XDG_RUNTIME_DIR ??= '/tmp';
const { create, globals } = await import('webgpu');
Object.assign(globalThis, globals);
const gpu = create([]);
const adapter = await gpu.requestAdapter();
if (!adapter) { console.error('no adapter'); process.exit(1); }
const i = adapter.info;
console.log(`${i.vendor} ${i.architecture} ${i.description}`.trim());
process.exit(0);

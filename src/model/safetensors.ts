// safetensors (https://github.com/huggingface/safetensors): 8-byte little-endian header length, a JSON header
// {name: {dtype, shape, data_offsets: [begin, end]}, __metadata__: {string: string}}, then the raw data.
// Pure functions over bytes so Node and the browser share them.
export interface NamedArray {
  name: string;
  shape: number[];
  data: Float32Array;
}

export function encodeSafetensors(arrays: NamedArray[], metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const a of arrays) {
    const n = a.shape.reduce((x, y) => x * y, 1);
    if (n !== a.data.length) throw new Error(`safetensors: ${a.name} has ${a.data.length} values for shape [${a.shape}]`);
    header[a.name] = { dtype: 'F32', shape: a.shape, data_offsets: [offset, offset + 4 * n] };
    offset += 4 * n;
  }
  let json = JSON.stringify(header);
  // pad the header with spaces so the data starts 8-byte aligned
  json += ' '.repeat((8 - ((8 + json.length) % 8)) % 8);
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const a of arrays) {
    out.set(new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength), at);
    at += a.data.byteLength;
  }
  return out;
}

export function decodeSafetensors(bytes: Uint8Array, what = 'safetensors file'): { arrays: Map<string, NamedArray>; metadata: Record<string, string> } {
  if (bytes.length < 8) throw new Error(`${what}: ${bytes.length} bytes is too short for a safetensors header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > bytes.length - 8 || headerLen > 100 * 1024 * 1024) throw new Error(`${what}: header length ${headerLen} exceeds the file (${bytes.length} bytes)`);
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] } | Record<string, string>>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen)));
  } catch (e) {
    throw new Error(`${what}: header is not valid JSON (${(e as Error).message})`);
  }
  const base = 8 + headerLen;
  const arrays = new Map<string, NamedArray>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = entry as Record<string, string>;
      continue;
    }
    const e = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    if (e.dtype !== 'F32') throw new Error(`${what}: tensor ${name} has dtype ${e.dtype}; only F32 is supported`);
    const [b, end] = e.data_offsets;
    const n = e.shape.reduce((x, y) => x * y, 1);
    if (end - b !== 4 * n || base + end > bytes.length) throw new Error(`${what}: tensor ${name} offsets [${b}, ${end}] do not fit shape [${e.shape}] or the file`);
    const copy = bytes.slice(base + b, base + end);
    arrays.set(name, { name, shape: e.shape, data: new Float32Array(copy.buffer) });
  }
  return { arrays, metadata };
}

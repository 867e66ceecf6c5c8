// Checkpoint validation before anything is allocated: config.json field by field (types, ranges, and whether
// the model it describes fits the adapter's buffer limits and a memory budget), then model.safetensors against
// that model (every tensor present, none unexpected, shapes, dtypes, offsets inside the file and disjoint,
// values finite). Pure over bytes and JSON so the CLI and the web page share it. Each failure is one line:
// "<file>: <tensor or field> = <value>: expected ...". Unknown extra config blocks are tolerated.
import { layerList, type UNetConfig } from './unet.ts';
import type { NamedArray } from './safetensors.ts';
import { CLASS_DISPLAY_NAMES } from '../pipeline/labels.ts';

/** Every failure of one file, one line each; `message` is those lines joined. */
export class CheckpointError extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join('\n'));
    this.name = 'CheckpointError';
  }
}

export interface ModelBudget {
  /** the adapter's maxStorageBufferBindingSize and maxBufferSize (bytes) */
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
  /** bytes the model's parameters plus the activations of one forward pass may take */
  memoryBytes: number;
  /** images per forward pass the estimate assumes */
  batch: number;
}

export interface ModelFootprint {
  parameterBytes: number;
  /** every layer output of one forward pass at `batch` (an upper bound on what inference keeps live) */
  activationBytes: number;
  largestBuffer: { name: string; bytes: number };
}

const show = (v: unknown): string => {
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}...` : v);
  if (v === undefined) return 'missing';
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 80 ? `${s.slice(0, 80)}...` : s;
};

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isRate = (v: unknown): v is number => isNum(v) && v >= 0 && v < 1;

/** Largest width/height the engine accepts (the paper uses 512x640); keeps the arithmetic below exact. */
export const MAX_INPUT_SIDE = 8192;
export const MAX_CHANNELS = 4096;

/** Bytes of parameters, of one forward pass's layer outputs, and the largest single buffer, from the config alone. */
export function modelFootprint(c: UNetConfig, batch: number): ModelFootprint {
  let parameterBytes = 0;
  let activationBytes = 0;
  let largestBuffer = { name: '', bytes: 0 };
  for (const l of layerList(c)) {
    const out = batch * l.outShape[0] * l.outShape[1] * l.outShape[2] * 4;
    activationBytes += out;
    if (out > largestBuffer.bytes) largestBuffer = { name: `${l.name} output`, bytes: out };
    for (const p of l.params) {
      const b = p.shape.reduce((x, y) => x * y, 1) * 4;
      parameterBytes += b;
      if (b > largestBuffer.bytes) largestBuffer = { name: p.name, bytes: b };
    }
  }
  // the input batch itself
  const input = batch * c.width * c.height * c.inChannels * 4;
  activationBytes += input;
  return { parameterBytes, activationBytes, largestBuffer };
}

const MiB = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;

/**
 * Checks a parsed config.json; returns the UNetConfig it describes or throws a CheckpointError listing every
 * bad field. With `budget`, the model must also fit the adapter's buffer limits and the memory budget.
 */
export function validateCheckpointConfig(file: string, json: unknown, budget?: ModelBudget): UNetConfig {
  const errors: string[] = [];
  const bad = (field: string, value: unknown, expected: string) => errors.push(`${file}: ${field} = ${show(value)}: expected ${expected}`);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new CheckpointError([`${file}: top level = ${show(json)}: expected a JSON object`]);
  const j = json as Record<string, unknown>;
  if (j.format !== 'spineseg-unet') bad('format', j.format, '"spineseg-unet" (a spineseg U-Net checkpoint)');
  if (j.version !== 1) bad('version', j.version, '1');
  const m = j.model;
  if (typeof m !== 'object' || m === null || Array.isArray(m)) {
    bad('model', m, 'an object with the U-Net settings');
    throw new CheckpointError(errors);
  }
  const mc = m as Record<string, unknown>;
  const side = (k: 'width' | 'height') => {
    const v = mc[k];
    if (!isInt(v) || v <= 0 || v % 16 !== 0 || v > MAX_INPUT_SIDE) bad(`model.${k}`, v, `a positive multiple of 16 up to ${MAX_INPUT_SIDE} (four 2x2 poolings)`);
  };
  side('width');
  side('height');
  if (mc.inChannels !== 1) bad('model.inChannels', mc.inChannels, '1 (grey MRI slices)');
  if (mc.classes !== CLASS_DISPLAY_NAMES.length) bad('model.classes', mc.classes, `${CLASS_DISPLAY_NAMES.length} (${CLASS_DISPLAY_NAMES.join(', ')})`);
  const channelList = (k: string, n: number) => {
    const v = mc[k];
    if (!Array.isArray(v) || v.length !== n || !v.every((x) => isInt(x) && x >= 1 && x <= MAX_CHANNELS)) bad(`model.${k}`, v, `${n} integers in 1..${MAX_CHANNELS}`);
  };
  channelList('filters', 5);
  if (!isInt(mc.bottomFilters) || mc.bottomFilters < 1 || mc.bottomFilters > MAX_CHANNELS) bad('model.bottomFilters', mc.bottomFilters, `an integer in 1..${MAX_CHANNELS}`);
  const rates = (k: string, n: number) => {
    const v = mc[k];
    if (!Array.isArray(v) || v.length !== n || !v.every(isRate)) bad(`model.${k}`, v, `${n} dropout rates in [0, 1)`);
  };
  rates('encoderDropout', 5);
  if (!isRate(mc.bottomDropout)) bad('model.bottomDropout', mc.bottomDropout, 'a dropout rate in [0, 1)');
  rates('decoderDropout', 4);
  if (!isNum(mc.widthMult) || mc.widthMult <= 0 || mc.widthMult > 16) bad('model.widthMult', mc.widthMult, 'a number in (0, 16]');
  if (!isNum(mc.leakyAlpha) || mc.leakyAlpha < 0 || mc.leakyAlpha > 1) bad('model.leakyAlpha', mc.leakyAlpha, 'a number in [0, 1]');
  if (!isNum(mc.bnMomentum) || mc.bnMomentum < 0 || mc.bnMomentum >= 1) bad('model.bnMomentum', mc.bnMomentum, 'a number in [0, 1)');
  if (!isInt(mc.seed) || mc.seed < 0 || mc.seed > 0xffffffff) bad('model.seed', mc.seed, 'an integer in 0..4294967295');
  const names = j.classes;
  if (!Array.isArray(names) || names.length !== CLASS_DISPLAY_NAMES.length || !names.every((s) => typeof s === 'string' && s.length > 0)) {
    bad('classes', names, `${CLASS_DISPLAY_NAMES.length} class names (${CLASS_DISPLAY_NAMES.join(', ')})`);
  }
  if (j.normalization !== undefined && typeof j.normalization !== 'string') bad('normalization', j.normalization, 'a string');
  if (errors.length) throw new CheckpointError(errors);

  const config = mc as unknown as UNetConfig;
  if (budget) {
    const problem = modelFitProblem(config, budget, false);
    if (problem) throw new CheckpointError([`${file}: model.width x model.height x model.widthMult = ${config.width}x${config.height} x${config.widthMult}: ${problem}`]);
  }
  return config;
}

/**
 * Why the model does not fit the adapter's buffer limit or the memory budget (one clause), or null. Training
 * keeps four copies of the parameters (weights, gradients, Adam's two moments) and about three of the activations
 * (forward outputs kept for backward, their gradients, scratch).
 */
export function modelFitProblem(c: UNetConfig, budget: ModelBudget, training: boolean): string | null {
  const f = modelFootprint(c, budget.batch);
  const maxBuffer = Math.min(budget.maxStorageBufferBindingSize, budget.maxBufferSize);
  if (f.largestBuffer.bytes > maxBuffer) return `its largest buffer (${f.largestBuffer.name}, ${MiB(f.largestBuffer.bytes)} at batch ${budget.batch}) exceeds the adapter's buffer limit of ${MiB(maxBuffer)}`;
  const params = f.parameterBytes * (training ? 4 : 1);
  const acts = f.activationBytes * (training ? 3 : 1);
  if (params + acts > budget.memoryBytes) return `${training ? 'training needs ' : ''}parameters ${MiB(params)} + activations ${MiB(acts)} at batch ${budget.batch}, over the memory budget of ${MiB(budget.memoryBytes)}`;
  return null;
}

interface HeaderEntry {
  dtype: unknown;
  shape: unknown;
  data_offsets: unknown;
}

/** At most this many lines per file: past it, the checkpoint is plainly not for this model. */
const MAX_LINES = 20;

/**
 * Checks safetensors bytes against the tensors `expected` (name -> shape) and decodes them. Throws a
 * CheckpointError listing every failure (tensor, value, what was expected).
 */
export function validateSafetensors(file: string, bytes: Uint8Array, expected: Map<string, number[]>, optional: ReadonlySet<string> = new Set()): Map<string, NamedArray> {
  const errors: string[] = [];
  const fail = (what: string, value: unknown, expectedText: string) => errors.push(`${file}: ${what} = ${typeof value === 'string' ? value : show(value)}: expected ${expectedText}`);
  if (bytes.length < 8) throw new CheckpointError([`${file}: file size = ${bytes.length} bytes: expected at least 8 (the safetensors header length)`]);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = view.getBigUint64(0, true);
  if (headerLen > BigInt(Math.min(bytes.length - 8, 100 * 2 ** 20))) {
    throw new CheckpointError([`${file}: header length = ${headerLen}: expected at most the ${bytes.length - 8} bytes after it (truncated or not a safetensors file)`]);
  }
  const base = 8 + Number(headerLen);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, base)));
  } catch (e) {
    throw new CheckpointError([`${file}: header = ${Number(headerLen)} bytes: expected a JSON object (${(e as Error).message})`]);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new CheckpointError([`${file}: header = ${show(header)}: expected a JSON object`]);
  const dataLength = bytes.length - base;
  const spans: Array<{ name: string; begin: number; end: number }> = [];
  const arrays = new Map<string, NamedArray>();
  const pastEnd: Array<{ name: string; begin: number; end: number }> = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (errors.length >= MAX_LINES) break;
    if (name === '__metadata__') continue;
    if (!expected.has(name)) {
      fail(`tensor ${name}`, 'present', 'no such tensor in the model config.json describes (a checkpoint of another model?)');
      continue;
    }
    const e = entry as HeaderEntry;
    if (typeof e !== 'object' || e === null) {
      fail(`tensor ${name}`, e, 'an object {dtype, shape, data_offsets}');
      continue;
    }
    const want = expected.get(name)!;
    if (e.dtype !== 'F32') {
      fail(`tensor ${name} dtype`, show(e.dtype), '"F32"');
      continue;
    }
    if (!Array.isArray(e.shape) || !e.shape.every((d) => isInt(d) && d >= 0)) {
      fail(`tensor ${name} shape`, e.shape, `[${want.join(', ')}]`);
      continue;
    }
    if (e.shape.join(',') !== want.join(',')) {
      fail(`tensor ${name} shape`, `[${e.shape.join(', ')}]`, `[${want.join(', ')}]`);
      continue;
    }
    const off = e.data_offsets;
    const n = want.reduce((a, b) => a * b, 1);
    if (!Array.isArray(off) || off.length !== 2 || !isInt(off[0]) || !isInt(off[1]) || off[0] < 0 || off[1] < off[0]) {
      fail(`tensor ${name} data_offsets`, off, '[begin, end] with 0 <= begin <= end');
      continue;
    }
    const [begin, end] = off as [number, number];
    if (end - begin !== 4 * n) {
      fail(`tensor ${name} data_offsets`, `[${begin}, ${end}]`, `${4 * n} bytes for shape [${want.join(', ')}] of F32`);
      continue;
    }
    if (end > dataLength) {
      // a truncated file cuts off many tensors: one line for the first
      pastEnd.push({ name, begin, end });
      continue;
    }
    spans.push({ name, begin, end });
    const data = new Float32Array(bytes.slice(base + begin, base + end).buffer);
    let bad = 0;
    let first = -1;
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) {
        if (first < 0) first = i;
        bad++;
      }
    }
    if (bad) fail(`tensor ${name}[${first}]`, String(data[first]), `finite numbers (${bad} of ${data.length} values are not)`);
    else if (name.endsWith('.moving_variance')) {
      const neg = data.findIndex((v) => v < 0);
      if (neg >= 0) fail(`tensor ${name}[${neg}]`, String(data[neg]), 'a variance >= 0');
    }
    arrays.set(name, { name, shape: [...want], data });
  }
  if (pastEnd.length) {
    const p = pastEnd.sort((a, b) => a.begin - b.begin)[0];
    fail(`tensor ${p.name} data_offsets`, `[${p.begin}, ${p.end}]`, `inside the ${dataLength} data bytes of the file (truncated? ${pastEnd.length} tensor(s) reach past its end)`);
  }
  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < spans.length; i++) {
    const [p, q] = [spans[i - 1], spans[i]];
    if (q.begin < p.end && q.end > q.begin) fail(`tensor ${q.name} data_offsets`, `[${q.begin}, ${q.end}]`, `no overlap with tensor ${p.name} [${p.begin}, ${p.end}]`);
  }
  for (const name of expected.keys()) {
    if (errors.length >= MAX_LINES) break;
    if (!(name in (header as object)) && !optional.has(name)) fail(`tensor ${name}`, 'missing', `shape [${expected.get(name)!.join(', ')}] of F32`);
  }
  if (errors.length) throw new CheckpointError(errors.slice(0, MAX_LINES));
  return arrays;
}

/** name -> shape of every parameter the config's U-Net has (no GPU needed). */
export function expectedParameters(c: UNetConfig): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const l of layerList(c)) for (const p of l.params) out.set(p.name, p.shape);
  return out;
}

/**
 * A checkpoint's config.json text and model.safetensors bytes, checked in full before anything is allocated: the
 * config field by field and against the budget, the weights against the model the config describes. The CLI
 * (src/model/checkpoint.ts, from files) and the page (shipped or dropped checkpoints) both go through it.
 */
export function validateCheckpointBytes(configName: string, configText: string, weightsName: string, weightsBytes: Uint8Array, budget: ModelBudget): { configJson: Record<string, unknown>; model: UNetConfig; weights: Map<string, NamedArray> } {
  let json: unknown;
  try {
    json = JSON.parse(configText);
  } catch (e) {
    throw new Error(`${configName}: not valid JSON (${(e as Error).message})`);
  }
  const model = validateCheckpointConfig(configName, json, budget);
  const weights = validateSafetensors(weightsName, weightsBytes, expectedParameters(model));
  return { configJson: json as Record<string, unknown>, model, weights };
}

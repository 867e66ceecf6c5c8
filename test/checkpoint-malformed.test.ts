// Damaged checkpoints: every case is its own small generated checkpoint folder, run through `spineseg predict`
// in a child process. Each must end with exit 1, one line naming the file and what was expected, no stack
// trace and no output folder; the untouched checkpoint must predict fine (so the cases can fail).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encode } from 'fast-png';
import { encodeSafetensors, type NamedArray } from '../src/model/safetensors.ts';
import { makeConfig, type UNetConfig } from '../src/model/unet.ts';
import { expectedParameters, validateCheckpointConfig, validateSafetensors, modelFootprint } from '../src/model/checkpoint-validate.ts';
import { CLASS_NAMES } from '../src/model/weights.ts';
import { runCli, runAll, failureProblems } from './helpers/bad-input.ts';
import { fixtureArrays, fixtureModel } from './helpers/checkpoint-fixture.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'spineseg-badckpt-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const modelConfig: UNetConfig = fixtureModel;
const goodConfig = () => ({ format: 'spineseg-unet', version: 1, model: { ...modelConfig }, classes: [...CLASS_NAMES], normalization: 'grey / 255', postprocess: { version: 1, unit: 'grid-px', classes: { '2': { keepLargest: true, minSize: 0, fillHoles: true } } }, training: { augment: { level: 'default' } }, notes: { by: 'a later tool' } });

const goodArrays = (): NamedArray[] => fixtureArrays();

/** Rewrites the safetensors header (JSON) while keeping the data bytes. */
function withHeader(bytes: Uint8Array, edit: (h: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>) => void): Uint8Array {
  const len = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + len)));
  edit(header);
  const head = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + head.length + bytes.length - 8 - len);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  out.set(bytes.subarray(8 + len), 8 + head.length);
  return out;
}

function makeCheckpoint(name: string, o: { config?: unknown; configText?: string; weights?: Uint8Array | null } = {}): string {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.json'), o.configText ?? JSON.stringify(o.config ?? goodConfig()));
  if (o.weights !== null) fs.writeFileSync(path.join(dir, 'model.safetensors'), o.weights ?? encodeSafetensors(goodArrays()));
  return dir;
}

const configWith = (edit: (c: ReturnType<typeof goodConfig>) => void) => {
  const c = goodConfig();
  edit(c);
  return c;
};
const arraysWith = (edit: (a: NamedArray[]) => void) => {
  const a = goodArrays();
  edit(a);
  return encodeSafetensors(a);
};

interface Case {
  name: string;
  build: () => string;
  error: RegExp;
  names: string;
}

const cfg = 'config.json';
const st = 'model.safetensors';
const cases: Case[] = [
  { name: 'classes 0', build: () => makeCheckpoint('classes0', { config: configWith((c) => (c.model.classes = 0)) }), error: /model\.classes = 0: expected 4/, names: cfg },
  { name: 'absurd input size', build: () => makeCheckpoint('huge', { config: configWith((c) => (c.model.width = 160000)) }), error: /model\.width = 160000: expected a positive multiple of 16/, names: cfg },
  { name: 'too big for the adapter', build: () => makeCheckpoint('toobig', { config: configWith((c) => Object.assign(c.model, { width: 8192, height: 8192, widthMult: 16 })) }), error: /largest buffer .* exceeds the adapter's buffer limit|over the memory budget/, names: cfg },
  { name: 'width not a number', build: () => makeCheckpoint('wstr', { config: configWith((c) => ((c.model as Record<string, unknown>).width = '32')) }), error: /model\.width = "32": expected/, names: cfg },
  { name: 'dropout out of range', build: () => makeCheckpoint('drop', { config: configWith((c) => (c.model.encoderDropout = [0.1, 1.5, 0.2, 0.2, 0.3])) }), error: /model\.encoderDropout = \[0\.1,1\.5,.*expected 5 dropout rates in \[0, 1\)/, names: cfg },
  { name: 'filters missing', build: () => makeCheckpoint('filters', { config: configWith((c) => delete (c.model as Partial<UNetConfig>).filters) }), error: /model\.filters = missing: expected 5 integers/, names: cfg },
  { name: 'no model block', build: () => makeCheckpoint('nomodel', { config: configWith((c) => delete (c as Partial<typeof c>).model) }), error: /model = missing: expected an object/, names: cfg },
  { name: 'wrong format', build: () => makeCheckpoint('format', { config: configWith((c) => (c.format = 'keras')) }), error: /format = "keras": expected "spineseg-unet"/, names: cfg },
  { name: 'config not JSON', build: () => makeCheckpoint('notjson', { configText: '{"format": "spineseg-unet",' }), error: /not valid JSON/, names: cfg },
  { name: 'config empty', build: () => makeCheckpoint('emptycfg', { configText: '' }), error: /not valid JSON/, names: cfg },
  { name: 'NaN weight', build: () => makeCheckpoint('nan', { weights: arraysWith((a) => (a.find((x) => x.name === 'enc2.conv1.kernel')!.data[5] = NaN)) }), error: /tensor enc2\.conv1\.kernel\[5\] = NaN: expected finite numbers \(1 of \d+ values are not\)/, names: st },
  { name: 'Infinity weight', build: () => makeCheckpoint('inf', { weights: arraysWith((a) => (a.find((x) => x.name === 'head.bias')!.data[2] = -Infinity)) }), error: /tensor head\.bias\[2\] = -Infinity: expected finite/, names: st },
  { name: 'negative variance', build: () => makeCheckpoint('negvar', { weights: arraysWith((a) => (a.find((x) => x.name === 'enc1.bn.moving_variance')!.data[0] = -1)) }), error: /tensor enc1\.bn\.moving_variance\[0\] = -1: expected a variance >= 0/, names: st },
  { name: 'tensor missing', build: () => makeCheckpoint('missing', { weights: arraysWith((a) => a.splice(a.findIndex((x) => x.name === 'dec1.bn.gamma'), 1)) }), error: /tensor dec1\.bn\.gamma = missing: expected shape \[4\] of F32/, names: st },
  { name: 'unexpected tensor', build: () => makeCheckpoint('extra', { weights: arraysWith((a) => a.push({ name: 'extra.kernel', shape: [2], data: new Float32Array(2) })) }), error: /tensor extra\.kernel = present: expected no such tensor/, names: st },
  { name: 'wrong shape', build: () => makeCheckpoint('shape', { weights: arraysWith((a) => (a.find((x) => x.name === 'head.bias')!.shape = [2, 2])) }), error: /tensor head\.bias shape = \[2, 2\]: expected \[4\]/, names: st },
  { name: 'F16 dtype', build: () => makeCheckpoint('dtype', { weights: withHeader(encodeSafetensors(goodArrays()), (h) => (h['head.bias'].dtype = 'F16')) }), error: /tensor head\.bias dtype = "F16": expected "F32"/, names: st },
  { name: 'overlapping offsets', build: () => makeCheckpoint('overlap', { weights: withHeader(encodeSafetensors(goodArrays()), (h) => (h['head.bias'].data_offsets = [h['enc1.conv1.kernel'].data_offsets[0], h['enc1.conv1.kernel'].data_offsets[0] + 16])) }), error: /data_offsets = \[\d+, \d+\]: expected no overlap with tensor/, names: st },
  { name: 'truncated weights', build: () => makeCheckpoint('trunc', { weights: ((b) => b.subarray(0, b.length - 100))(encodeSafetensors(goodArrays())) }), error: /data_offsets = \[\d+, \d+\]: expected inside the \d+ data bytes of the file \(truncated\? \d+ tensor\(s\) reach past its end\)/, names: st },
  { name: 'empty weights', build: () => makeCheckpoint('emptyw', { weights: new Uint8Array(0) }), error: /file size = 0 bytes: expected at least 8/, names: st },
  { name: 'header length past the file', build: () => makeCheckpoint('hdr', { weights: Uint8Array.from([255, 255, 255, 255, 0, 0, 0, 0, 123, 125]) }), error: /header length = 4294967295: expected at most the 2 bytes after it/, names: st },
  { name: 'weights not safetensors', build: () => makeCheckpoint('text', { weights: new TextEncoder().encode('this is not a checkpoint at all, just text') }), error: /header length = \d+: expected at most/, names: st },
  { name: 'weights file missing', build: () => makeCheckpoint('noweights', { weights: null }), error: /model\.safetensors: file not found/, names: st },
];

describe('spineseg predict with damaged checkpoints', () => {
  const image = path.join(root, 'slice.png');
  fs.writeFileSync(image, encode({ width: 32, height: 32, channels: 1, depth: 8, data: Uint8Array.from({ length: 1024 }, (_, i) => (i * 7) % 256) }));

  it('the intact checkpoint (with unknown extra blocks) predicts', async () => {
    const dir = makeCheckpoint('good');
    const out = path.join(root, 'out-good');
    const r = await runCli(['predict', '--checkpoint', dir, '--input', image, '--output', out]);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('spineseg:'))).toEqual([]);
    expect(r.code).toBe(0);
    expect(fs.existsSync(path.join(out, 'slice.png'))).toBe(true);
  }, 120_000);

  it(`refuses all ${cases.length} damaged checkpoints: exit 1, one line naming the file, no output`, async () => {
    const results = await runAll(cases, 2, async (c) => {
      const dir = c.build();
      const out = path.join(root, `out-${c.name.replace(/\W+/g, '-')}`);
      const r = await runCli(['predict', '--checkpoint', dir, '--input', image, '--output', out]);
      return { c, r, dir, outExists: fs.existsSync(out) };
    });
    const failures = results.flatMap(({ c, r, dir, outExists }) => {
      const problems = failureProblems(r, c.error, path.join(dir, c.names));
      if (outExists) problems.push('output folder written');
      return problems.length ? [`${c.name}: ${problems.join('; ')}\n  stderr: ${r.stderr.trim()}`] : [];
    });
    expect(failures).toEqual([]);
  }, 600_000);
});

describe('checkpoint validation (pure)', () => {
  it('lists every bad field, one line each', () => {
    const c = configWith((x) => Object.assign(x.model, { classes: 0, bnMomentum: 2, seed: -1 }));
    expect(() => validateCheckpointConfig('c.json', c)).toThrow(/^c\.json: model\.classes = 0: .*\nc\.json: model\.bnMomentum = 2: .*\nc\.json: model\.seed = -1: .*$/);
  });

  it('the footprint decides against the limits before allocating: the paper model needs 32 MiB of parameters', () => {
    const paper = makeConfig();
    const f = modelFootprint(paper, 1);
    expect(f.parameterBytes).toBe(8_037_972 * 4);
    expect(() => validateCheckpointConfig('c.json', { ...goodConfig(), model: paper }, { maxBufferSize: 2 ** 30, maxStorageBufferBindingSize: 2 ** 27, memoryBytes: 2 ** 20, batch: 1 })).toThrow(/over the memory budget of 1\.0 MiB/);
    expect(() => validateCheckpointConfig('c.json', { ...goodConfig(), model: paper }, { maxBufferSize: 2 ** 30, maxStorageBufferBindingSize: 2 ** 20, memoryBytes: 2 ** 40, batch: 1 })).toThrow(/largest buffer \(\S+ output, \d+\.\d MiB at batch 1\) exceeds the adapter's buffer limit of 1\.0 MiB/);
    expect(validateCheckpointConfig('c.json', { ...goodConfig(), model: paper }, { maxBufferSize: 2 ** 30, maxStorageBufferBindingSize: 2 ** 30, memoryBytes: 2 ** 34, batch: 1 })).toEqual(paper);
  });

  it('intact weights decode to the exact values', () => {
    const arrays = goodArrays();
    const out = validateSafetensors('w', encodeSafetensors(arrays), expectedParameters(modelConfig));
    expect(out.size).toBe(arrays.length);
    for (const a of arrays) expect(out.get(a.name)!.data).toEqual(a.data);
  });
});

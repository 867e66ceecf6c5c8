// Exact-value tests of small pure files of src/model written against Stryker's survivors (docs/MUTATION.md):
// the training presets and the safetensors byte format.
import { describe, it, expect } from 'vitest';
import { TRAIN_PRESETS, presetHelp, applyPreset } from '../src/model/presets.ts';
import { encodeSafetensors, decodeSafetensors } from '../src/model/safetensors.ts';

describe('presets', () => {
  it('the two presets and their flags', () => {
    expect(Object.keys(TRAIN_PRESETS)).toEqual(['paper', 'cpu']);
    expect(TRAIN_PRESETS.paper!.flags).toEqual({ size: '512x640', widthMult: '1', batch: '8', lr: '0.001', lrSchedule: 'constant', bnMomentum: '0.99', patience: '10', augment: 'none' });
    expect(TRAIN_PRESETS.cpu!.flags).toEqual({ size: '192x240', widthMult: '0.25', batch: '8', lr: '0.002', lrSchedule: 'poly', augment: 'default', bnMomentum: '0.9', epochs: '40', patience: '40' });
    expect(TRAIN_PRESETS.paper!.about).toMatch(/^the publication/);
    expect(TRAIN_PRESETS.cpu!.about).toMatch(/^a 2-core CPU/);
  });
  it('help: one line per preset, then its flags in kebab case', () => {
    const lines = presetHelp().split('\n');
    expect(lines.length, 'two lines per preset').toBe(4);
    expect(lines[0]).toBe(`  paper: ${TRAIN_PRESETS.paper!.about}`);
    expect(lines[1]).toBe('    --size 512x640 --width-mult 1 --batch 8 --lr 0.001 --lr-schedule constant --bn-momentum 0.99 --patience 10 --augment none');
    expect(lines[2]).toBe(`  cpu: ${TRAIN_PRESETS.cpu!.about}`);
    expect(lines[3]).toBe('    --size 192x240 --width-mult 0.25 --batch 8 --lr 0.002 --lr-schedule poly --augment default --bn-momentum 0.9 --epochs 40 --patience 40');
  });
  it('applyPreset fills what the user did not set, keeps what they set, and names an unknown preset', () => {
    const opts = { size: '64x80', lr: '0.5', other: 1 };
    expect(applyPreset(opts, undefined, () => false), 'no preset: the same object').toBe(opts);
    const out = applyPreset(opts, 'paper', (k) => k === 'size');
    expect(out, 'size kept, the rest from the preset').toEqual({ size: '64x80', lr: '0.001', other: 1, widthMult: '1', batch: '8', lrSchedule: 'constant', bnMomentum: '0.99', patience: '10', augment: 'none' });
    expect(opts, 'input not changed').toEqual({ size: '64x80', lr: '0.5', other: 1 });
    expect(applyPreset({}, 'cpu', () => true), 'everything set by the user').toEqual({});
    expect(() => applyPreset({}, 'gpu', () => false)).toThrow("--preset 'gpu' is not one of paper, cpu");
    // an inherited property of the table is not a preset either
    expect(() => applyPreset({}, 'toString', () => false)).toThrow("--preset 'toString' is not one of paper, cpu");
  });
});

const le64 = (bytes: Uint8Array) => Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));

function withHeader(header: unknown, data: number[] = [], pad = 0): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header) + ' '.repeat(pad));
  const out = new Uint8Array(8 + json.length + 4 * data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(new Uint8Array(Float32Array.from(data).buffer), 8 + json.length);
  return out;
}

describe('safetensors', () => {
  const a = { name: 'conv.w', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) };
  const b = { name: 'bias', shape: [2], data: Float32Array.from([-1.5, 7]) };
  it('encodes an 8-aligned header with offsets, F32 and metadata, then the raw values in order', () => {
    const bytes = encodeSafetensors([a, b], { format: 'pt' });
    const headerLen = le64(bytes);
    expect((8 + headerLen) % 8, 'data starts 8-byte aligned').toBe(0);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + headerLen));
    expect(text.trimEnd(), 'header JSON').toBe('{"__metadata__":{"format":"pt"},"conv.w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"bias":{"dtype":"F32","shape":[2],"data_offsets":[24,32]}}');
    expect(text.length - text.trimEnd().length, 'padding is under 8 spaces').toBeLessThan(8);
    expect(bytes.length, 'header + 8 values').toBe(8 + headerLen + 32);
    expect([...new Float32Array(bytes.slice(8 + headerLen).buffer)], 'raw values').toEqual([1, 2, 3, 4, 5, 6, -1.5, 7]);
    const empty = encodeSafetensors([]);
    expect(new TextDecoder().decode(empty.subarray(8, 8 + le64(empty))).trimEnd(), 'no arrays, no metadata').toBe('{"__metadata__":{}}');
    expect(empty.length % 8, 'aligned').toBe(0);
    expect(() => encodeSafetensors([{ name: 'x', shape: [2, 2], data: new Float32Array(3) }])).toThrow('safetensors: x has 3 values for shape [2,2]');
  });
  it('the padding fills up to the next multiple of 8 for every header length', () => {
    for (let k = 0; k < 9; k++) {
      const bytes = encodeSafetensors([], { k: 'x'.repeat(k) });
      const len = le64(bytes);
      expect((8 + len) % 8, `metadata of ${k} characters: aligned`).toBe(0);
      const json = JSON.stringify({ __metadata__: { k: 'x'.repeat(k) } });
      expect(len - json.length, `metadata of ${k} characters: fewest spaces`).toBe((8 - ((8 + json.length) % 8)) % 8);
      expect(len - json.length, 'fewer than 8').toBeLessThan(8);
    }
  });
  it('encodes a view into a larger buffer by its own bytes', () => {
    const big = Float32Array.from([9, 9, 1, 2, 9]);
    const view = big.subarray(2, 4);
    const bytes = encodeSafetensors([{ name: 'v', shape: [2], data: view }]);
    expect([...decodeSafetensors(bytes).arrays.get('v')!.data], 'view values').toEqual([1, 2]);
  });
  it('round-trips names, shapes, values and metadata', () => {
    const { arrays, metadata } = decodeSafetensors(encodeSafetensors([a, b], { epoch: '3' }));
    expect(metadata).toEqual({ epoch: '3' });
    expect([...arrays.keys()]).toEqual(['conv.w', 'bias']);
    expect(arrays.get('conv.w')!.shape).toEqual([2, 3]);
    expect([...arrays.get('conv.w')!.data]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(arrays.get('bias')!.name).toBe('bias');
    expect([...arrays.get('bias')!.data]).toEqual([-1.5, 7]);
    const scalar = decodeSafetensors(encodeSafetensors([{ name: 's', shape: [], data: Float32Array.from([4]) }]));
    expect([...scalar.arrays.get('s')!.data], 'a scalar (shape []) holds one value').toEqual([4]);
    const noMeta = decodeSafetensors(withHeader({ t: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, [2]));
    expect(noMeta.metadata, 'no __metadata__: empty').toEqual({});
  });
  it('decodes a byte view at an offset, copying the values out', () => {
    const enc = encodeSafetensors([b]);
    const host = new Uint8Array(enc.length + 5);
    host.set(enc, 5);
    const dec = decodeSafetensors(host.subarray(5));
    expect([...dec.arrays.get('bias')!.data], 'values from a view at offset 5').toEqual([-1.5, 7]);
    host.fill(0);
    expect([...dec.arrays.get('bias')!.data], 'a copy, not a view').toEqual([-1.5, 7]);
  });
  it('errors name the file and what does not fit', () => {
    expect(() => decodeSafetensors(new Uint8Array(7), 'm.safetensors')).toThrow('m.safetensors: 7 bytes is too short for a safetensors header');
    expect(() => decodeSafetensors(new Uint8Array(3))).toThrow('safetensors file: 3 bytes is too short');
    const h = withHeader({});
    expect(decodeSafetensors(h).arrays.size, 'an 8 + header file with no tensors').toBe(0);
    const tooLong = h.slice();
    new DataView(tooLong.buffer).setBigUint64(0, BigInt(tooLong.length - 7), true);
    expect(() => decodeSafetensors(tooLong, 'm')).toThrow(`m: header length ${tooLong.length - 7} exceeds the file (${tooLong.length} bytes)`);
    const exact = h.slice();
    expect(() => decodeSafetensors(exact, 'm'), 'header filling the file exactly is fine').not.toThrow();
    const huge = new Uint8Array(8 + 100 * 1024 * 1024 + 16);
    new DataView(huge.buffer).setBigUint64(0, BigInt(100 * 1024 * 1024 + 1), true);
    expect(() => decodeSafetensors(huge, 'm'), 'header over 100 MiB').toThrow(`m: header length ${100 * 1024 * 1024 + 1} exceeds the file`);
    const bad = withHeader({});
    bad[9] = 0x7b;
    expect(() => decodeSafetensors(bad, 'm')).toThrow(/^m: header is not valid JSON \(/);
    expect(() => decodeSafetensors(withHeader({ t: { dtype: 'F16', shape: [1], data_offsets: [0, 4] } }, [1]), 'm')).toThrow('m: tensor t has dtype F16; only F32 is supported');
    expect(() => decodeSafetensors(withHeader({ t: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, [1, 2]), 'm')).toThrow('m: tensor t offsets [0, 4] do not fit shape [2] or the file');
    expect(() => decodeSafetensors(withHeader({ t: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, [1, 2]), 'm'), 'past the end by one value').toThrow('m: tensor t offsets [4, 12] do not fit shape [2] or the file');
    const fits = decodeSafetensors(withHeader({ t: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, [1, 2]), 'm');
    expect([...fits.arrays.get('t')!.data], 'the last value of the file').toEqual([2]);
  });
});

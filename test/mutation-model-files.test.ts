// Exact-value tests of src/model's CPU files, written against Stryker's survivors (docs/MUTATION.md): the
// config.json rules and model footprint of checkpoint-validate.ts, weights.ts over a stand-in model (no GPU),
// and checkpoint.ts's folders and files (atomic write with an injected failure, fallbacks, validated reads).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { makeConfig, type UNet } from '../src/model/unet.ts';
import {
  CheckpointError, MAX_CHANNELS, MAX_INPUT_SIDE, expectedParameters, modelFitProblem, modelFootprint, validateCheckpointBytes, validateCheckpointConfig,
} from '../src/model/checkpoint-validate.ts';
import { CLASS_NAMES, loadParams, modelToSafetensors, readParams, safetensorsToModel } from '../src/model/weights.ts';
import {
  CheckpointWriteError, memoryBudgetBytes, readJsonFile, readSafetensorsFile, readValidatedCheckpoint, readValidatedOptimizer, resolveCheckpointDir, writeDirAtomic,
} from '../src/model/checkpoint.ts';
import { decodeSafetensors, encodeSafetensors, type NamedArray } from '../src/model/safetensors.ts';
import { CLASS_DISPLAY_NAMES } from '../src/pipeline/labels.ts';
import { withSettings } from '../src/runtime/settings.ts';
import { fixtureArrays, fixtureModel, writeFixtureCheckpoint } from './helpers/checkpoint-fixture.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'spineseg-model-files-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const errorOf = (f: () => unknown): Error => {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
};

const config = () => ({ format: 'spineseg-unet', version: 1, model: { ...fixtureModel }, classes: [...CLASS_DISPLAY_NAMES], normalization: 'grey / 255' });
/** the lines of the CheckpointError for config.json with model fields patched ([] when it passes) */
function modelLines(patch: Record<string, unknown>): string[] {
  try {
    validateCheckpointConfig('c.json', { ...config(), model: { ...fixtureModel, ...patch } });
    return [];
  } catch (e) {
    expect(e).toBeInstanceOf(CheckpointError);
    return (e as CheckpointError).lines;
  }
}

describe('checkpoint config.json rules', () => {
  it('a good config returns its model; constants', () => {
    expect(validateCheckpointConfig('c.json', config())).toEqual(fixtureModel);
    expect(validateCheckpointConfig('c.json', { ...config(), normalization: undefined })).toEqual(fixtureModel);
    expect([MAX_INPUT_SIDE, MAX_CHANNELS]).toEqual([8192, 4096]);
  });
  it('the top level, the format, the version, the model object', () => {
    for (const [v, shown] of [[null, 'null'], [[1], '[1]'], ['x', '"x"'], [undefined, 'missing']] as const) {
      const e = errorOf(() => validateCheckpointConfig('c.json', v));
      expect(e).toBeInstanceOf(CheckpointError);
      expect(e.message).toBe(`c.json: top level = ${shown}: expected a JSON object`);
    }
    expect((errorOf(() => validateCheckpointConfig('c.json', { ...config(), format: 'onnx', version: 2, model: [1] })) as CheckpointError).lines).toEqual([
      'c.json: format = "onnx": expected "spineseg-unet" (a spineseg U-Net checkpoint)',
      'c.json: version = 2: expected 1',
      'c.json: model = [1]: expected an object with the U-Net settings',
    ]);
    expect(errorOf(() => validateCheckpointConfig('c.json', { ...config(), model: null })).message).toBe('c.json: model = null: expected an object with the U-Net settings');
    expect(errorOf(() => validateCheckpointConfig('c.json', { ...config(), model: undefined })).message).toBe('c.json: model = missing: expected an object with the U-Net settings');
  });
  it('width and height: positive multiples of 16 up to 8192', () => {
    const want = (k: string, v: string) => `c.json: model.${k} = ${v}: expected a positive multiple of 16 up to 8192 (four 2x2 poolings)`;
    for (const v of [16, 8192]) expect(modelLines({ width: v, height: v }), `side ${v}`).toEqual([]);
    for (const v of [0, -16, 24, 8208, 16.5]) expect(modelLines({ width: v }), `width ${v}`).toEqual([want('width', String(v))]);
    expect(modelLines({ height: '32' })).toEqual([want('height', '"32"')]);
    expect(modelLines({ height: 8 })).toEqual([want('height', '8')]);
  });
  it('channels, classes, filters, bottom filters', () => {
    expect(modelLines({ inChannels: 3 })).toEqual(['c.json: model.inChannels = 3: expected 1 (grey MRI slices)']);
    expect(modelLines({ classes: 5 })).toEqual(['c.json: model.classes = 5: expected 4 (background, vertebrae, spinal canal, intervertebral discs)']);
    expect(modelLines({ filters: [1, 1, 1, 1, 4096] })).toEqual([]);
    for (const v of [[1, 1, 1, 1], [0, 1, 1, 1, 1], [1, 1, 1, 1, 4097], [1, 1, 1.5, 1, 1], 'x', [1, 1, 1, 1, 1, 1]]) {
      expect(modelLines({ filters: v }), `filters ${JSON.stringify(v)}`).toEqual([`c.json: model.filters = ${JSON.stringify(v)}: expected 5 integers in 1..4096`]);
    }
    for (const v of [1, 4096]) expect(modelLines({ bottomFilters: v })).toEqual([]);
    for (const v of [0, 4097, 2.5]) expect(modelLines({ bottomFilters: v })).toEqual([`c.json: model.bottomFilters = ${v}: expected an integer in 1..4096`]);
  });
  it('dropout rates in [0, 1)', () => {
    expect(modelLines({ encoderDropout: [0, 0, 0, 0, 0.99], bottomDropout: 0, decoderDropout: [0.5, 0, 0, 0] })).toEqual([]);
    for (const v of [[0, 0, 0, 0, 1], [0, 0, 0, 0, -0.01], [0, 0, 0, 0], [0, 0, 0, 0, '0'], 0.1]) {
      expect(modelLines({ encoderDropout: v }), JSON.stringify(v)).toEqual([`c.json: model.encoderDropout = ${JSON.stringify(v)}: expected 5 dropout rates in [0, 1)`]);
    }
    for (const v of [[0, 0, 0, 1], [0, 0, 0], null]) {
      expect(modelLines({ decoderDropout: v }), JSON.stringify(v)).toEqual([`c.json: model.decoderDropout = ${JSON.stringify(v)}: expected 4 dropout rates in [0, 1)`]);
    }
    for (const v of [1, -0.1, Infinity]) expect(modelLines({ bottomDropout: v }), `bottom ${v}`).toEqual([`c.json: model.bottomDropout = ${JSON.stringify(v)}: expected a dropout rate in [0, 1)`]);
  });
  it('width multiplier, leaky slope, BatchNorm momentum, seed', () => {
    for (const v of [16, 1e-6]) expect(modelLines({ widthMult: v })).toEqual([]);
    for (const v of [0, -1, 16.01]) expect(modelLines({ widthMult: v })).toEqual([`c.json: model.widthMult = ${v}: expected a number in (0, 16]`]);
    for (const v of [0, 1]) expect(modelLines({ leakyAlpha: v })).toEqual([]);
    for (const v of [-0.01, 1.01, '0.1']) expect(modelLines({ leakyAlpha: v })).toEqual([`c.json: model.leakyAlpha = ${JSON.stringify(v)}: expected a number in [0, 1]`]);
    expect(modelLines({ bnMomentum: 0 })).toEqual([]);
    for (const v of [1, -0.1]) expect(modelLines({ bnMomentum: v })).toEqual([`c.json: model.bnMomentum = ${v}: expected a number in [0, 1)`]);
    for (const v of [0, 4294967295]) expect(modelLines({ seed: v })).toEqual([]);
    for (const v of [-1, 4294967296, 1.5]) expect(modelLines({ seed: v })).toEqual([`c.json: model.seed = ${v}: expected an integer in 0..4294967295`]);
  });
  it('class names and normalization; every bad field listed at once; long values shortened', () => {
    const names = (v: unknown) => (errorOf(() => validateCheckpointConfig('c.json', { ...config(), classes: v })) as CheckpointError).lines;
    for (const v of [['a', 'b', 'c'], ['a', 'b', 'c', ''], ['a', 'b', 'c', 4], 'abcd']) {
      expect(names(v), JSON.stringify(v)).toEqual([`c.json: classes = ${JSON.stringify(v)}: expected 4 class names (background, vertebrae, spinal canal, intervertebral discs)`]);
    }
    expect(validateCheckpointConfig('c.json', { ...config(), classes: ['a', 'b', 'c', 'd'] })).toEqual(fixtureModel);
    expect(errorOf(() => validateCheckpointConfig('c.json', { ...config(), normalization: 3 })).message).toBe('c.json: normalization = 3: expected a string');
    expect(modelLines({ inChannels: 2, classes: 3 }).length).toBe(2);
    const long = 'x'.repeat(61);
    expect(errorOf(() => validateCheckpointConfig('c.json', { ...config(), format: long })).message).toBe(`c.json: format = "${'x'.repeat(60)}...": expected "spineseg-unet" (a spineseg U-Net checkpoint)`);
    expect(errorOf(() => validateCheckpointConfig('c.json', { ...config(), format: 'x'.repeat(60) })).message).toBe(`c.json: format = "${'x'.repeat(60)}": expected "spineseg-unet" (a spineseg U-Net checkpoint)`);
    const wide = Array.from({ length: 40 }, (_, i) => i % 10);
    expect(modelLines({ filters: wide })).toEqual([`c.json: model.filters = ${JSON.stringify(wide).slice(0, 80)}...: expected 5 integers in 1..4096`]);
    const eighty = [1111111111, 1111111111, 1111111111, 1111111111, 1111111111, 1111111111, 111111111111]; // 80 characters as JSON
    expect(JSON.stringify(eighty).length).toBe(80);
    expect(modelLines({ filters: eighty })).toEqual([`c.json: model.filters = ${JSON.stringify(eighty)}: expected 5 integers in 1..4096`]);
    expect(modelLines({ seed: Symbol('s') }), 'a value JSON cannot write').toEqual(['c.json: model.seed = Symbol(s): expected an integer in 0..4294967295']);
  });
});

describe('model footprint and fit', () => {
  const budget = (over: Partial<{ maxStorageBufferBindingSize: number; maxBufferSize: number; memoryBytes: number; batch: number }> = {}) => ({ maxStorageBufferBindingSize: 1e9, maxBufferSize: 1e9, memoryBytes: 1e9, batch: 2, ...over });
  it('parameter and activation bytes, the largest buffer', () => {
    expect(modelFootprint(fixtureModel, 1)).toEqual({ parameterBytes: 507464, activationBytes: 464640, largestBuffer: { name: 'bottom.conv2.kernel', bytes: 147456 } });
    expect(modelFootprint(fixtureModel, 2)).toEqual({ parameterBytes: 507464, activationBytes: 929280, largestBuffer: { name: 'bottom.conv2.kernel', bytes: 147456 } });
    expect(modelFootprint(fixtureModel, 100).largestBuffer).toEqual({ name: 'up1.concat output', bytes: 2457600 });
    const params = [...expectedParameters(fixtureModel).values()].reduce((a, s) => a + s.reduce((x, y) => x * y, 1) * 4, 0);
    expect(params, 'the same parameters as the checkpoint holds').toBe(507464);
  });
  it('fits, or names the buffer limit (the smaller of the two) or the memory budget, inference or training', () => {
    expect(modelFitProblem(fixtureModel, budget(), true)).toBeNull();
    expect(modelFitProblem(fixtureModel, budget({ maxBufferSize: 147456 }), false), 'the limit itself fits').toBeNull();
    expect(modelFitProblem(fixtureModel, budget({ maxBufferSize: 147455 }), false)).toBe("its largest buffer (bottom.conv2.kernel, 0.1 MiB at batch 2) exceeds the adapter's buffer limit of 0.1 MiB");
    expect(modelFitProblem(fixtureModel, budget({ maxStorageBufferBindingSize: 2 ** 16 }), false)).toBe("its largest buffer (bottom.conv2.kernel, 0.1 MiB at batch 2) exceeds the adapter's buffer limit of 0.1 MiB");
    expect(modelFitProblem(fixtureModel, budget({ maxStorageBufferBindingSize: 2 ** 16 }), false)).toContain('limit of 0.1 MiB');
    expect(modelFitProblem(fixtureModel, budget({ maxBufferSize: 2 ** 15 }), false)).toContain('limit of 0.0 MiB');
    expect(modelFitProblem(fixtureModel, budget({ memoryBytes: 507464 + 929280 }), false), 'exactly the budget').toBeNull();
    expect(modelFitProblem(fixtureModel, budget({ memoryBytes: 507464 + 929279 }), false)).toBe('parameters 0.5 MiB + activations 0.9 MiB at batch 2, over the memory budget of 1.4 MiB');
    expect(modelFitProblem(fixtureModel, budget({ memoryBytes: 4 * 507464 + 3 * 929280 }), true)).toBeNull();
    expect(modelFitProblem(fixtureModel, budget({ memoryBytes: 4 * 507464 + 3 * 929280 - 1 }), true)).toBe('training needs parameters 1.9 MiB + activations 2.7 MiB at batch 2, over the memory budget of 4.6 MiB');
    expect(modelFitProblem(fixtureModel, budget({ memoryBytes: 4 * 507464 + 3 * 464640, batch: 1 }), true), 'batch 1 fits').toBeNull();
  });
  it('validateCheckpointConfig with a budget; validateCheckpointBytes', () => {
    expect(validateCheckpointConfig('c.json', config(), budget())).toEqual(fixtureModel);
    expect(errorOf(() => validateCheckpointConfig('c.json', config(), budget({ memoryBytes: 1000 }))).message).toBe(
      'c.json: model.width x model.height x model.widthMult = 32x32 x0.125: parameters 0.5 MiB + activations 0.9 MiB at batch 2, over the memory budget of 0.0 MiB',
    );
    const weights = encodeSafetensors(fixtureArrays());
    const ok = validateCheckpointBytes('c.json', JSON.stringify(config()), 'm.st', weights, budget());
    expect(ok.model).toEqual(fixtureModel);
    expect(ok.configJson).toEqual(config());
    expect([...ok.weights.keys()]).toEqual([...expectedParameters(fixtureModel).keys()]);
    expect(() => validateCheckpointBytes('c.json', '{"format":', 'm.st', weights, budget())).toThrow(/^c\.json: not valid JSON \(.+\)$/);
    expect(() => validateCheckpointBytes('c.json', JSON.stringify({ ...config(), version: 3 }), 'm.st', weights, budget())).toThrow('c.json: version = 3: expected 1');
    expect(() => validateCheckpointBytes('c.json', JSON.stringify(config()), 'm.st', weights.subarray(0, 4), budget())).toThrow('m.st: file size = 4 bytes');
  });
});

/** A stand-in for UNet's parameter map: shapes, an upload that records, a read that returns the recorded data. */
function fakeModel(shapes: Record<string, number[]>) {
  const uploaded = new Map<string, Float32Array>();
  const params = new Map(Object.entries(shapes).map(([name, shape]) => [name, {
    shape,
    upload: (d: Float32Array) => void uploaded.set(name, Float32Array.from(d)),
    read: async () => uploaded.get(name) ?? new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(7),
  }]));
  return { model: { params } as unknown as UNet, uploaded };
}

describe('weights', () => {
  const arr = (name: string, shape: number[], v: number): NamedArray => ({ name, shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(v) });
  it('class names; reads every parameter with its shape', async () => {
    expect(CLASS_NAMES).toEqual(['background', 'vertebrae', 'spinal canal', 'intervertebral discs']);
    const { model } = fakeModel({ a: [2, 3], b: [4] });
    const read = await readParams(model);
    expect(read.map((p) => [p.name, p.shape, [...p.data]])).toEqual([['a', [2, 3], [7, 7, 7, 7, 7, 7]], ['b', [4], [7, 7, 7, 7]]]);
  });
  it('loadParams uploads every parameter; a missing, misshapen or unexpected one is an error naming it', () => {
    const { model, uploaded } = fakeModel({ a: [2, 3], b: [4] });
    loadParams(model, new Map([['a', arr('a', [2, 3], 1)], ['b', arr('b', [4], 2)]]), 'ck');
    expect([...uploaded.get('a')!, ...uploaded.get('b')!]).toEqual([1, 1, 1, 1, 1, 1, 2, 2, 2, 2]);
    expect(() => loadParams(model, new Map([['a', arr('a', [2, 3], 1)]]), 'ck')).toThrow('ck: parameter b missing');
    expect(() => loadParams(model, new Map([['a', arr('a', [3, 2], 1)], ['b', arr('b', [4], 2)]]), 'ck')).toThrow('ck: parameter a has shape [3,2], the model needs [2,3]');
    expect(() => loadParams(model, new Map([['a', arr('a', [6], 1)], ['b', arr('b', [4], 2)]]), 'ck')).toThrow('ck: parameter a has shape [6], the model needs [2,3]');
    expect(() => loadParams(model, new Map([['a', arr('a', [2, 3], 1)], ['b', arr('b', [4], 2)], ['c', arr('c', [1], 0)]]), 'ck')).toThrow('ck: unexpected parameter c (a checkpoint of another model?)');
  });
  it('to safetensors and back, with the format in the metadata', async () => {
    const { model } = fakeModel({ a: [2, 3], b: [4] });
    const bytes = await modelToSafetensors(model, { note: 'n' });
    const decoded = decodeSafetensors(bytes);
    expect(decoded.metadata).toEqual({ format: 'spineseg-unet', note: 'n' });
    expect(decodeSafetensors(await modelToSafetensors(model)).metadata).toEqual({ format: 'spineseg-unet' });
    const target = fakeModel({ a: [2, 3], b: [4] });
    safetensorsToModel(target.model, bytes, 'x.st');
    expect([...target.uploaded.get('b')!]).toEqual([7, 7, 7, 7]);
    expect(() => safetensorsToModel(fakeModel({ a: [2, 3] }).model, bytes, 'x.st')).toThrow('x.st: unexpected parameter b');
  });
});

describe('checkpoint folders and files', () => {
  const tmpLeft = (parent: string) => fs.readdirSync(parent).filter((f) => f.includes('.tmp-'));
  it('writeDirAtomic writes a folder whole, creating its parent, replacing the previous one', () => {
    const dir = path.join(root, 'runs', 'a', 'ck');
    writeDirAtomic(dir, { 'config.json': '{"v":1}', 'w.bin': new Uint8Array([1, 2]) });
    writeDirAtomic(dir, { 'config.json': '{"v":2}' });
    expect(fs.readdirSync(dir)).toEqual(['config.json']);
    expect(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')).toBe('{"v":2}');
    expect(tmpLeft(path.dirname(dir))).toEqual([]);
    expect(fs.existsSync(`${dir}.prev`)).toBe(false);
    fs.mkdirSync(path.join(root, 'runs', 'a', `.ck.tmp-${process.pid}`, 'stale'), { recursive: true });
    writeDirAtomic(dir, { 'config.json': '{"v":3}' });
    expect(tmpLeft(path.dirname(dir)), 'a stale temp folder of this process is cleared first').toEqual([]);
  });
  it('a failed write (injected full disk, or a real error) keeps the previous folder and names the cause', async () => {
    // fresh module instances: the injection counts writes per process (module state), so each run starts at 0
    vi.resetModules();
    const cp = await import('../src/model/checkpoint.ts');
    const st = await import('../src/runtime/settings.ts');
    const dir = path.join(root, 'fails', 'inject-ck');
    const files = { 'config.json': '{"v":1}', 'model.safetensors': 'w', 'extra.txt': 'x' };
    const failure = (f: () => void) => errorOf(f);
    st.withSettings({ failCheckpointWrite: { dir: 'inject-ck', nth: 2 } }, () => {
      cp.writeDirAtomic(dir, files);
      cp.writeDirAtomic(path.join(root, 'fails', 'other-ck'), files); // another folder name is not counted
      const e = failure(() => cp.writeDirAtomic(dir, { ...files, 'config.json': '{"v":2}' }));
      expect(e).toBeInstanceOf(cp.CheckpointWriteError);
      expect(e.message).toBe(`${dir}: writing the checkpoint failed (ENOSPC); the previous checkpoint there is intact`);
      expect(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')).toBe('{"v":1}');
      expect(fs.readdirSync(dir).sort()).toEqual(['config.json', 'extra.txt', 'model.safetensors']);
      expect(tmpLeft(path.dirname(dir))).toEqual([]);
      cp.writeDirAtomic(dir, { ...files, 'config.json': '{"v":3}' });
      expect(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'), 'only the n-th write fails').toBe('{"v":3}');
    });
    const fresh = path.join(root, 'fails', 'inject-ck-2', 'inject-ck');
    st.withSettings({ failCheckpointWrite: { dir: 'inject-ck', nth: 4 } }, () => {
      expect(failure(() => cp.writeDirAtomic(fresh, files)).message).toBe(`${fresh}: writing the checkpoint failed (ENOSPC); there is no earlier checkpoint`);
      expect(fs.existsSync(fresh)).toBe(false);
    });
    st.withSettings({ failCheckpointWrite: { dir: 'inject-ck', nth: 5 } }, () => {
      cp.writeDirAtomic(fresh, { 'only-one': 'x' });
      expect(fs.readdirSync(fresh), 'one file: nothing at index 1 to fail').toEqual(['only-one']);
    });
    const real = failure(() => writeDirAtomic(path.join(root, 'fails', 'real'), { 'config.json': '{}', 'no/such/sub': 'x' }));
    expect(real).toBeInstanceOf(CheckpointWriteError);
    expect(real.message).toBe(`${path.join(root, 'fails', 'real')}: writing the checkpoint failed (ENOENT); there is no earlier checkpoint`);
    expect(tmpLeft(path.join(root, 'fails'))).toEqual([]);
  });
  it('resolveCheckpointDir falls back to the .prev copy a crash left', () => {
    const dir = path.join(root, 'res', 'ck');
    fs.mkdirSync(`${dir}.prev`, { recursive: true });
    fs.writeFileSync(path.join(`${dir}.prev`, 'config.json'), '{}');
    expect(resolveCheckpointDir(dir)).toBe(`${dir}.prev`);
    fs.mkdirSync(dir);
    expect(() => resolveCheckpointDir(path.join(root, 'res', 'none'))).toThrow(`${path.join(root, 'res', 'none')}: no checkpoint here (config.json missing)`);
    fs.writeFileSync(path.join(dir, 'config.json'), '{}');
    expect(resolveCheckpointDir(dir)).toBe(dir);
  });
  it('reads JSON and safetensors files, naming a missing or bad one', () => {
    const j = path.join(root, 'r.json');
    fs.writeFileSync(j, '{"a":[1,2]}');
    expect(readJsonFile(j)).toEqual({ a: [1, 2] });
    expect(() => readJsonFile(path.join(root, 'none.json'))).toThrow(`${path.join(root, 'none.json')}: file not found`);
    fs.writeFileSync(j, '{"a":');
    expect(() => readJsonFile(j)).toThrow(new RegExp(`^${j.replace(/[.\\/-]/g, '\\$&')}: not valid JSON \\(.+\\)$`));
    const st = path.join(root, 'w.safetensors');
    fs.writeFileSync(st, encodeSafetensors([{ name: 'x', shape: [2], data: Float32Array.from([1, 2]) }]));
    expect([...readSafetensorsFile(st).get('x')!.data]).toEqual([1, 2]);
    expect(() => readSafetensorsFile(path.join(root, 'none.st'))).toThrow(`${path.join(root, 'none.st')}: file not found`);
  });
  it('memory budget: the setting in MiB, else 80 % of the machine', () => {
    expect(withSettings({ memoryBudgetMb: 3 }, () => memoryBudgetBytes())).toBe(3 * 2 ** 20);
    expect(withSettings({ memoryBudgetMb: null }, () => memoryBudgetBytes())).toBe(Math.floor(os.totalmem() * 0.8));
  });
  it('readValidatedCheckpoint: both files checked; missing or unreadable files named; the batch and budget count', () => {
    const dir = writeFixtureCheckpoint(path.join(root, 'valid'));
    const limits = { maxStorageBufferBindingSize: 2 ** 27, maxBufferSize: 2 ** 28 };
    const r = withSettings({ memoryBudgetMb: 64 }, () => readValidatedCheckpoint(dir, limits));
    expect(r.model).toEqual(fixtureModel);
    expect(r.configJson.normalization).toBe('grey / 255');
    expect(r.weights.size).toBe(expectedParameters(fixtureModel).size);
    expect(() => withSettings({ memoryBudgetMb: 1 }, () => readValidatedCheckpoint(dir, limits, 1)), 'batch 1 in 1 MiB').not.toThrow();
    expect(() => withSettings({ memoryBudgetMb: 1 }, () => readValidatedCheckpoint(dir, limits, 2))).toThrow('over the memory budget of 1.0 MiB');
    expect(() => withSettings({ memoryBudgetMb: 64 }, () => readValidatedCheckpoint(dir, { maxStorageBufferBindingSize: 2 ** 16, maxBufferSize: 2 ** 28 }))).toThrow("exceeds the adapter's buffer limit of 0.1 MiB");
    expect(() => withSettings({ memoryBudgetMb: 64 }, () => readValidatedCheckpoint(dir, { maxStorageBufferBindingSize: 2 ** 28, maxBufferSize: 2 ** 16 }))).toThrow("exceeds the adapter's buffer limit of 0.1 MiB");
    const empty = path.join(root, 'empty');
    fs.mkdirSync(empty);
    expect(() => readValidatedCheckpoint(empty, limits)).toThrow(`${path.join(empty, 'config.json')}: file not found`);
    fs.mkdirSync(path.join(empty, 'config.json'));
    expect(() => readValidatedCheckpoint(empty, limits)).toThrow(`${path.join(empty, 'config.json')}: cannot read (EISDIR)`);
    const noWeights = path.join(root, 'noweights');
    fs.mkdirSync(noWeights);
    fs.copyFileSync(path.join(dir, 'config.json'), path.join(noWeights, 'config.json'));
    expect(() => withSettings({ memoryBudgetMb: 64 }, () => readValidatedCheckpoint(noWeights, limits))).toThrow(`${path.join(noWeights, 'model.safetensors')}: file not found`);
  });
  it('readValidatedOptimizer: Adam moments per parameter, a schedule of 4 or 5 values, the step from the metadata', () => {
    const params = [{ name: 'p', shape: [2] }, { name: 'q', shape: [1, 3] }];
    const write = (name: string, schedule: number, step: string, extra: NamedArray[] = []) => {
      const dir = path.join(root, 'opt', name);
      fs.mkdirSync(dir, { recursive: true });
      const arrays: NamedArray[] = [
        { name: 'schedule', shape: [schedule], data: new Float32Array(schedule).fill(0.5) },
        { name: 'm.p', shape: [2], data: Float32Array.from([1, 2]) }, { name: 'v.p', shape: [2], data: Float32Array.from([3, 4]) },
        { name: 'm.q', shape: [1, 3], data: Float32Array.from([5, 6, 7]) }, { name: 'v.q', shape: [1, 3], data: Float32Array.from([8, 9, 10]) }, ...extra,
      ];
      fs.writeFileSync(path.join(dir, 'optimizer.safetensors'), encodeSafetensors(arrays, { step }));
      return dir;
    };
    const five = readValidatedOptimizer(write('five', 5, '12'), params);
    expect(five.step).toBe(12);
    expect([...five.arrays.keys()].sort()).toEqual(['m.p', 'm.q', 'schedule', 'v.p', 'v.q']);
    expect([...five.arrays.get('v.q')!.data]).toEqual([8, 9, 10]);
    expect(readValidatedOptimizer(write('four', 4, '0'), params).arrays.get('schedule')!.shape).toEqual([4]);
    const file = (name: string) => path.join(root, 'opt', name, 'optimizer.safetensors');
    expect(() => readValidatedOptimizer(write('six', 6, '1'), params)).toThrow(`${file('six')}: tensor schedule shape = [6]: expected [5]`);
    expect(() => readValidatedOptimizer(write('extra', 5, '1', [{ name: 'm.r', shape: [1], data: new Float32Array(1) }]), params)).toThrow(`${file('extra')}: tensor m.r = present`);
    for (const step of ['-1', '1.5', 'x']) {
      expect(() => readValidatedOptimizer(write(`step${step}`, 5, step), params), `step ${step}`).toThrow(`${file(`step${step}`)}: __metadata__.step = ${Number(step)}: expected a non-negative integer`);
    }
    const damaged = path.join(root, 'opt', 'damaged');
    fs.mkdirSync(damaged);
    fs.writeFileSync(path.join(damaged, 'optimizer.safetensors'), new Uint8Array([1, 2, 3]));
    expect(() => readValidatedOptimizer(damaged, params)).toThrow(`${path.join(damaged, 'optimizer.safetensors')}: file size = 3 bytes: expected at least 8`);
    expect(() => readValidatedOptimizer(path.join(root, 'opt', 'none'), params)).toThrow(`${path.join(root, 'opt', 'none', 'optimizer.safetensors')}: file not found`);
    const noSchedule = path.join(root, 'opt', 'nosched');
    fs.mkdirSync(noSchedule);
    fs.writeFileSync(path.join(noSchedule, 'optimizer.safetensors'), encodeSafetensors([
      { name: 'm.p', shape: [2], data: Float32Array.from([1, 2]) }, { name: 'v.p', shape: [2], data: Float32Array.from([3, 4]) },
      { name: 'm.q', shape: [1, 3], data: new Float32Array(3) }, { name: 'v.q', shape: [1, 3], data: new Float32Array(3) },
    ], { step: '4' }));
    expect(readValidatedOptimizer(noSchedule, params).step, 'the schedule is optional').toBe(4);
  });
});

it('makeConfig is the fixture model', () => {
  expect(makeConfig({ width: 32, height: 32, widthMult: 0.125, seed: 3 })).toEqual(fixtureModel);
});

// Exact-value tests for the survivors of the Stryker run over the whole of src/model/checkpoint-validate.ts
// (docs/MUTATION.md): whole error lines (not patterns), so a shape printed by the entry check ("[2,-1]", JSON) and
// one printed by the shape comparison ("[2, -1]") are told apart; ties of the largest buffer; the header and entry
// types; ordering of truncated and overlapping spans; the 20-line cap. Pure, no GPU.
import { describe, expect, it } from 'vitest';
import { layerList, makeConfig, type UNetConfig } from '../src/model/unet.ts';
import { CheckpointError, modelFootprint, validateCheckpointConfig, validateSafetensors } from '../src/model/checkpoint-validate.ts';
import { CLASS_DISPLAY_NAMES } from '../src/pipeline/labels.ts';
import { fixtureModel } from './helpers/checkpoint-fixture.ts';

/** safetensors bytes of a header object (or any JSON text) and F32 values */
function make(header: unknown, values: number[], raw?: Uint8Array): Uint8Array {
  const json = raw ?? new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + 4 * values.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(new Uint8Array(Float32Array.from(values).buffer), 8 + json.length);
  return out;
}

/** the error lines for these bytes ([] when they pass) */
function lines(bytes: Uint8Array, expected: [string, number[]][], optional: string[] = []): string[] {
  try {
    validateSafetensors('m.st', bytes, new Map(expected), new Set(optional));
    return [];
  } catch (e) {
    expect(e).toBeInstanceOf(CheckpointError);
    return (e as CheckpointError).lines;
  }
}

/** bytes of every layer output at this batch, from the layer list */
const layerListBytes = (c: UNetConfig, batch: number) => layerList(c).reduce((a, l) => a + batch * l.outShape[0] * l.outShape[1] * l.outShape[2] * 4, 0);

const t = (shape: number[], begin: number, end: number, dtype: unknown = 'F32') => ({ dtype, shape, data_offsets: [begin, end] });
const W: [string, number[]][] = [['w.kernel', [2]]];

describe('CheckpointError', () => {
  it('has its name and one line per failure in its message', () => {
    const e = new CheckpointError(['a: x', 'b: y']);
    expect(e.name).toBe('CheckpointError');
    expect(e.message).toBe('a: x\nb: y');
    expect(e.lines).toEqual(['a: x', 'b: y']);
  });
});

describe('config.json rules, exact lines', () => {
  const config = (model: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ format: 'spineseg-unet', version: 1, model: { ...fixtureModel, ...model }, classes: [...CLASS_DISPLAY_NAMES], ...extra });
  const configLines = (json: unknown): string[] => {
    try {
      validateCheckpointConfig('c.json', json);
      return [];
    } catch (e) {
      return (e as CheckpointError).lines;
    }
  };
  it('a NaN (possible from a caller, not from JSON) is not a number in range', () => {
    expect(configLines(config({ widthMult: NaN }))).toEqual(['c.json: model.widthMult = null: expected a number in (0, 16]']);
    expect(configLines(config({ leakyAlpha: NaN }))).toEqual(['c.json: model.leakyAlpha = null: expected a number in [0, 1]']);
  });
  it('class names must be non-empty strings, not arrays of one', () => {
    expect(configLines(config({}, { classes: ['background', ['x'], 'disc', 'canal'] }))).toEqual([
      `c.json: classes = ["background",["x"],"disc","canal"]: expected ${CLASS_DISPLAY_NAMES.length} class names (${CLASS_DISPLAY_NAMES.join(', ')})`,
    ]);
  });
});

describe('model footprint: ties and input channels', () => {
  it('the first of equally large buffers is named: outputs (head before softmax) and parameters (dec4 before dec1)', () => {
    // width 1/512: one channel everywhere, two after each concatenation, four at the head
    const c = makeConfig({ width: 16, height: 16, widthMult: 1 / 512 });
    expect(modelFootprint(c, 1).largestBuffer).toEqual({ name: 'head output', bytes: 16 * 16 * 4 * 4 });
    expect(modelFootprint(c, 0).largestBuffer).toEqual({ name: 'dec4.conv1.kernel', bytes: 3 * 3 * 2 * 1 * 4 });
  });
  it('the input batch counts every input channel', () => {
    const c = { ...makeConfig({ width: 16, height: 16, widthMult: 1 / 512 }), inChannels: 2 };
    expect(modelFootprint(c, 3).activationBytes).toBe(layerListBytes(c, 3) + 3 * 16 * 16 * 2 * 4);
  });
});

describe('safetensors rules, exact lines', () => {
  it('file size, header length and header text', () => {
    expect(lines(new Uint8Array(7), W)).toEqual(['m.st: file size = 7 bytes: expected at least 8 (the safetensors header length)']);
    // exactly 8 bytes: a header length of 0 and an empty header, refused as JSON
    expect(lines(new Uint8Array(8), W)).toEqual(['m.st: header = 0 bytes: expected a JSON object (Unexpected end of JSON input)']);
    const long = make({}, [1]);
    new DataView(long.buffer).setBigUint64(0, 7n, true);
    expect(lines(long, W)).toEqual(['m.st: header length = 7: expected at most the 6 bytes after it (truncated or not a safetensors file)']);
    // a header that is not UTF-8 is refused as such (the decoder is fatal), not decoded to a replacement character
    const bad = lines(make(null, [], Uint8Array.from([0x22, 0xff, 0x22])), W);
    expect(bad).toHaveLength(1);
    expect(bad[0]).toMatch(/^m\.st: header = 3 bytes: expected a JSON object \(.+\)$/);
    expect(bad[0]).not.toContain('"\ufffd"');
    expect(lines(make('null', []), W)).toEqual(['m.st: header = null: expected a JSON object']);
    expect(lines(make('5', []), W)).toEqual(['m.st: header = 5: expected a JSON object']);
    expect(lines(make('"x"', []), W)).toEqual(['m.st: header = "x": expected a JSON object']);
  });

  it('entries: null, dtype, shape entries and shapes, each line whole', () => {
    expect(lines(make({ 'w.kernel': null }, [1, 2]), W)).toEqual(['m.st: tensor w.kernel = null: expected an object {dtype, shape, data_offsets}']);
    expect(lines(make({ 'w.kernel': t([2], 0, 8, 'F16') }, [1, 2]), W)).toEqual(['m.st: tensor w.kernel dtype = "F16": expected "F32"']);
    const WK: [string, number[]][] = [['w.kernel', [2, 1]]];
    // refused as entries (JSON, no spaces) ...
    expect(lines(make({ 'w.kernel': t([2, -1], 0, 8) }, [1, 2]), WK)).toEqual(['m.st: tensor w.kernel shape = [2,-1]: expected [2, 1]']);
    expect(lines(make({ 'w.kernel': t([1.5, 2], 0, 8) }, [1, 2]), WK)).toEqual(['m.st: tensor w.kernel shape = [1.5,2]: expected [2, 1]']);
    expect(lines(make({ 'w.kernel': t([-1, 2], 0, 8) }, [1, 2]), WK)).toEqual(['m.st: tensor w.kernel shape = [-1,2]: expected [2, 1]']);
    expect(lines(make({ 'w.kernel': t('2' as unknown as number[], 0, 8) }, [1, 2]), WK)).toEqual(['m.st: tensor w.kernel shape = 2: expected [2, 1]']);
    // ... a zero entry is a valid entry of another shape (spaces)
    expect(lines(make({ 'w.kernel': t([0, 3], 0, 8) }, [1, 2]), WK)).toEqual(['m.st: tensor w.kernel shape = [0, 3]: expected [2, 1]']);
  });

  it('data offsets: two integers, begin <= end, an empty tensor allowed, the byte count named', () => {
    expect(lines(make({ 'w.kernel': { dtype: 'F32', shape: [2], data_offsets: [0, 8, 99] } }, [1, 2]), W)).toEqual(['m.st: tensor w.kernel data_offsets = [0,8,99]: expected [begin, end] with 0 <= begin <= end']);
    expect(lines(make({ 'w.kernel': t([2], 0, 12) }, [1, 2, 3]), W)).toEqual(['m.st: tensor w.kernel data_offsets = [0, 12]: expected 8 bytes for shape [2] of F32']);
    // a shape of two axes is named with its separator
    expect(lines(make({ 'w.kernel': t([2, 1], 0, 12) }, [1, 2, 3]), [['w.kernel', [2, 1]]])).toEqual(['m.st: tensor w.kernel data_offsets = [0, 12]: expected 8 bytes for shape [2, 1] of F32']);
    const E: [string, number[]][] = [['w.kernel', [2]], ['e.bias', [0]]];
    // an empty tensor: begin == end, anywhere, even inside another tensor's span
    expect(lines(make({ 'w.kernel': t([2], 0, 8), 'e.bias': t([0], 4, 4) }, [1, 2]), E)).toEqual([]);
    expect(lines(make({ 'w.kernel': t([2], 0, 8), 'e.bias': t([0], 8, 8) }, [1, 2]), E)).toEqual([]);
  });

  it('non-finite values and negative variances are named by their first index', () => {
    expect(lines(make({ 'w.kernel': t([2], 0, 8) }, [NaN, 1]), W)).toEqual(['m.st: tensor w.kernel[0] = NaN: expected finite numbers (1 of 2 values are not)']);
    const W3: [string, number[]][] = [['w.kernel', [3]]];
    expect(lines(make({ 'w.kernel': t([3], 0, 12) }, [Infinity, 1, NaN]), W3)).toEqual(['m.st: tensor w.kernel[0] = Infinity: expected finite numbers (2 of 3 values are not)']);
    expect(lines(make({ 'w.kernel': t([3], 0, 12) }, [1, -Infinity, NaN]), W3)).toEqual(['m.st: tensor w.kernel[1] = -Infinity: expected finite numbers (2 of 3 values are not)']);
    const V: [string, number[]][] = [['bn.moving_variance', [2]]];
    expect(lines(make({ 'bn.moving_variance': t([2], 0, 8) }, [-0.5, 1]), V)).toEqual(['m.st: tensor bn.moving_variance[0] = -0.5: expected a variance >= 0']);
  });

  it('truncation names the first tensor in the file past its end; overlaps are found between neighbours in file order', () => {
    const T: [string, number[]][] = [['a.kernel', [1]], ['b.kernel', [1]], ['c.kernel', [1]]];
    // header order c, a, b; data of one value: a [4, 8], b [8, 12], c [12, 16] all reach past it
    expect(lines(make({ 'c.kernel': t([1], 12, 16), 'a.kernel': t([1], 4, 8), 'b.kernel': t([1], 8, 12) }, [1]), T)).toEqual([
      'm.st: tensor a.kernel data_offsets = [4, 8]: expected inside the 4 data bytes of the file (truncated? 3 tensor(s) reach past its end)',
    ]);
    const O: [string, number[]][] = [['x.kernel', [3]], ['y.kernel', [1]]];
    // same begin: the shorter span comes first
    expect(lines(make({ 'x.kernel': t([3], 0, 12), 'y.kernel': t([1], 0, 4) }, [1, 2, 3]), O)).toEqual(['m.st: tensor x.kernel data_offsets = [0, 12]: expected no overlap with tensor y.kernel [0, 4]']);
    expect(lines(make({ 'y.kernel': t([1], 0, 4), 'x.kernel': t([3], 0, 12) }, [1, 2, 3]), O)).toEqual(['m.st: tensor x.kernel data_offsets = [0, 12]: expected no overlap with tensor y.kernel [0, 4]']);
    // a span inside another, listed first in the header: sorted by begin
    expect(lines(make({ 'y.kernel': t([1], 4, 8), 'x.kernel': t([3], 0, 12) }, [1, 2, 3]), O)).toEqual(['m.st: tensor y.kernel data_offsets = [4, 8]: expected no overlap with tensor x.kernel [0, 12]']);
  });

  it('missing tensors are named with their shape unless optional; never more than 20 lines', () => {
    const M: [string, number[]][] = [['w.kernel', [2]], ['z.bias', [3, 1]]];
    expect(lines(make({ 'w.kernel': t([2], 0, 8) }, [1, 2]), M)).toEqual(['m.st: tensor z.bias = missing: expected shape [3, 1] of F32']);
    expect(lines(make({ 'w.kernel': t([2], 0, 8) }, [1, 2]), M, ['z.bias'])).toEqual([]);
    // two tensors past the end first, then 20 unexpected ones: the loop stops at 20, the truncation line would be 21st
    const header: Record<string, unknown> = { 'a.kernel': t([1], 4, 8), 'b.kernel': t([1], 8, 12) };
    for (let i = 0; i < 22; i++) header[`u${i}`] = t([1], 0, 4);
    const got = lines(make(header, [1]), [['a.kernel', [1]], ['b.kernel', [1]]]);
    expect(got).toHaveLength(20);
    expect(got[0]).toBe('m.st: tensor u0 = present: expected no such tensor in the model config.json describes (a checkpoint of another model?)');
    expect(got[19]).toBe('m.st: tensor u19 = present: expected no such tensor in the model config.json describes (a checkpoint of another model?)');
  });
});

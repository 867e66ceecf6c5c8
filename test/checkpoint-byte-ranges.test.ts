// Checkpoint validation (src/model/checkpoint-validate.ts validateSafetensors): every byte-range rule has a
// case that breaks it by exactly one F32 value (4 bytes), on the tensor stored first, in the middle and last
// in the file, next to the intact file that must pass. Pure over bytes, no GPU.
import { describe, it, expect } from 'vitest';
import { validateSafetensors, CheckpointError } from '../src/model/checkpoint-validate.ts';

const shapes: [string, number[]][] = [
  ['a.kernel', [2, 3]],
  ['b.bias', [5]],
  ['c.gamma', [4]],
];
const expected = new Map(shapes);
const POSITIONS = ['start', 'middle', 'end'] as const;

interface Entry { name: string; begin: number; end: number }

/** Tensors laid out in order, each `4 * size` bytes, values i + 0.5. */
function layout(): Entry[] {
  let at = 0;
  return shapes.map(([name, shape]) => {
    const bytes = 4 * shape.reduce((a, b) => a * b, 1);
    const e = { name, begin: at, end: at + bytes };
    at += bytes;
    return e;
  });
}

function file(entries: Entry[], opts: { dataBytes?: number; headerLenDelta?: number } = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  for (const e of entries) header[e.name] = { dtype: 'F32', shape: expected.get(e.name), data_offsets: [e.begin, e.end] };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const dataBytes = opts.dataBytes ?? Math.max(0, ...entries.map((e) => e.end));
  const out = new Uint8Array(8 + json.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length + (opts.headerLenDelta ?? 0)), true);
  out.set(json, 8);
  const data = new Float32Array(dataBytes >> 2).map((_, i) => i + 0.5);
  out.set(new Uint8Array(data.buffer), 8 + json.length);
  return out;
}

function errorOf(bytes: Uint8Array, exp: Map<string, number[]> = expected): string {
  try {
    validateSafetensors('model.safetensors', bytes, exp);
  } catch (e) {
    expect(e, 'a CheckpointError').toBeInstanceOf(CheckpointError);
    return (e as Error).message;
  }
  return 'accepted';
}

describe('safetensors byte ranges, each broken by one F32 value', () => {
  it('the intact file passes and decodes every tensor from its own bytes', () => {
    const entries = layout();
    const arrays = validateSafetensors('model.safetensors', file(entries), expected);
    for (const e of entries) expect(Array.from(arrays.get(e.name)!.data), e.name).toEqual(Array.from({ length: (e.end - e.begin) / 4 }, (_, i) => e.begin / 4 + i + 0.5));
  });

  POSITIONS.forEach((where, k) => {
    it(`a tensor at the ${where} of the data one value short of its shape is refused`, () => {
      const entries = layout();
      entries[k].end -= 4;
      for (let j = k + 1; j < entries.length; j++) { entries[j].begin -= 4; entries[j].end -= 4; }
      const msg = errorOf(file(entries));
      expect(msg, `one value short at the ${where}: ${msg}`).toMatch(new RegExp(`tensor ${entries[k].name.replace('.', '\\.')} data_offsets = .*: expected ${4 * (expected.get(entries[k].name)!.reduce((a, b) => a * b, 1))} bytes`));
    });

    it(`a tensor at the ${where} of the data one value longer than its shape is refused`, () => {
      const entries = layout();
      entries[k].end += 4;
      for (let j = k + 1; j < entries.length; j++) { entries[j].begin += 4; entries[j].end += 4; }
      const msg = errorOf(file(entries));
      expect(msg, `one value long at the ${where}: ${msg}`).toMatch(new RegExp(`tensor ${entries[k].name.replace('.', '\\.')} data_offsets`));
    });

    it(`a tensor at the ${where} whose span reaches one value past the end of the data is refused as truncated`, () => {
      const entries = layout();
      const last = Math.max(...entries.map((e) => e.end));
      // move tensor k to the very end of the data, then cut the file by 4 bytes
      const size = entries[k].end - entries[k].begin;
      const others = entries.filter((_, j) => j !== k);
      let at = 0;
      for (const e of others) { const n = e.end - e.begin; e.begin = at; e.end = at + n; at += n; }
      entries[k].begin = at;
      entries[k].end = at + size;
      expect(entries[k].end).toBe(last);
      expect(errorOf(file(entries)), 'the same layout, not cut').toBe('accepted');
      const msg = errorOf(file(entries, { dataBytes: last - 4 }));
      expect(msg, `cut by 4 bytes with ${entries[k].name} last: ${msg}`).toMatch(new RegExp(`tensor ${entries[k].name.replace('.', '\\.')} data_offsets = \\[${entries[k].begin}, ${entries[k].end}\\]: expected inside the ${last - 4} data bytes`));
    });

    it(`a tensor at the ${where} overlapping its neighbour by one value is refused`, () => {
      const entries = layout();
      // tensor k shares its first (k > 0) or last (k = 0) value with its neighbour; sizes stay right
      const [p, q] = k === 0 ? [entries[0], entries[1]] : [entries[k - 1], entries[k]];
      q.begin -= 4;
      q.end -= 4;
      for (let j = entries.indexOf(q) + 1; j < entries.length; j++) { entries[j].begin -= 4; entries[j].end -= 4; }
      const msg = errorOf(file(entries));
      expect(msg, `overlap by 4 bytes at the ${where}: ${msg}`).toContain(`tensor ${q.name} data_offsets = [${q.begin}, ${q.end}]: expected no overlap with tensor ${p.name}`);
    });
  });

  it('a header length one value past the file is refused; one that ends exactly at the end of the file is read', () => {
    const msg = errorOf(file([], { headerLenDelta: 4 }), new Map());
    expect(msg, msg).toMatch(/header length = \d+: expected at most the \d+ bytes after it/);
    expect(errorOf(file([]), new Map()), 'an empty safetensors file (header "{}" and no data) for a model with no tensors').toBe('accepted');
  });

  it('a file shorter than the 8-byte header length is refused; offsets that start before 0 or end before they begin are refused', () => {
    expect(errorOf(new Uint8Array(7))).toMatch(/file size = 7 bytes: expected at least 8/);
    const before = layout();
    before[0].begin = -4;
    before[0].end -= 4;
    expect(errorOf(file(before))).toMatch(/tensor a\.kernel data_offsets = \[-4,\d+\]: expected \[begin, end\] with 0 <= begin <= end/);
    const backwards = layout();
    backwards[2] = { ...backwards[2], begin: backwards[2].end, end: backwards[2].end - 4 };
    expect(errorOf(file(backwards))).toMatch(/tensor c\.gamma data_offsets = \[\d+,\d+\]: expected \[begin, end\] with 0 <= begin <= end/);
  });
});

describe('safetensors entries other than byte ranges (pure)', () => {
  const shaped = new Map<string, number[]>([['bn.moving_variance', [3]], ['w.kernel', [2]]]);
  function make(header: Record<string, unknown>, values: number[]): Uint8Array {
    const json = new TextEncoder().encode(JSON.stringify(header));
    const out = new Uint8Array(8 + json.length + 4 * values.length);
    new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
    out.set(json, 8);
    out.set(new Uint8Array(Float32Array.from(values).buffer), 8 + json.length);
    return out;
  }
  const good = () => ({ 'bn.moving_variance': { dtype: 'F32', shape: [3], data_offsets: [0, 12] }, 'w.kernel': { dtype: 'F32', shape: [2], data_offsets: [12, 20] } });
  const values = [0, 0.5, 2, -1, 3];

  it('the intact file passes; a moving variance of exactly 0 is accepted', () => {
    expect(errorOf(make(good(), values), shaped)).toBe('accepted');
  });
  const cases: [string, (h: ReturnType<typeof good>) => unknown, number[], RegExp][] = [
    ['a dtype other than F32', (h) => ({ ...h, 'w.kernel': { ...h['w.kernel'], dtype: 'F16' } }), values, /tensor w\.kernel dtype = "F16": expected "F32"/],
    ['a negative shape entry', (h) => ({ ...h, 'w.kernel': { ...h['w.kernel'], shape: [-2] } }), values, /tensor w\.kernel shape = \[-2\]: expected \[2\]/],
    ['a fractional shape entry', (h) => ({ ...h, 'w.kernel': { ...h['w.kernel'], shape: [1.5] } }), values, /tensor w\.kernel shape = \[1\.5\]: expected \[2\]/],
    ['another shape', (h) => ({ ...h, 'w.kernel': { ...h['w.kernel'], shape: [1, 2] } }), values, /tensor w\.kernel shape = \[1, 2\]: expected \[2\]/],
    ['an entry that is not an object', (h) => ({ ...h, 'w.kernel': 7 }), values, /tensor w\.kernel = 7: expected an object/],
    ['a header that is an array', () => [1], values, /header = \[1\]: expected a JSON object/],
    ['a non-finite value, named by index', (h) => h, [0, 0.5, 2, -1, NaN], /tensor w\.kernel\[1\] = NaN: expected finite numbers \(1 of 2 values are not\)/],
    ['a negative moving variance, named by index', (h) => h, [0, -0.5, 2, -1, 3], /tensor bn\.moving_variance\[1\] = -0\.5: expected a variance >= 0/],
    ['a missing tensor', (h) => ({ 'bn.moving_variance': h['bn.moving_variance'] }), values.slice(0, 3), /tensor w\.kernel = missing: expected shape \[2\] of F32/],
    ['an unexpected tensor', (h) => ({ ...h, extra: { dtype: 'F32', shape: [1], data_offsets: [20, 24] } }), [...values, 1], /tensor extra = present: expected no such tensor/],
  ];
  for (const [what, edit, vals, want] of cases) {
    it(`refuses ${what}`, () => {
      const msg = errorOf(make(edit(good()) as Record<string, unknown>, vals), shaped);
      expect(msg, `${what}: ${msg}`).toMatch(want);
    });
  }
});

// Tests written against survivors of the Stryker run over mha.ts, dataset.ts and extract.ts
// (reports/stryker-incremental-pipeline-rest.json); each names the survivor it targets. Nothing runs at collection.
import { describe, expect, it } from 'vitest';
import { thrown } from './helpers/thrown.ts';

const enc = (s: string) => new TextEncoder().encode(s);
function mha(lines: string[], data = 24): Uint8Array {
  const head = enc([...lines, 'ElementDataFile = LOCAL'].join('\n') + '\n');
  const out = new Uint8Array(head.length + data);
  out.set(head);
  return out;
}
const base = ['ObjectType = Image', 'NDims = 3', 'DimSize = 2 3 4', 'ElementType = MET_UCHAR'];

describe('mha.ts survivors', () => {
  it('a non-finite first element is named (bad > 0); an empty list counts 0 numbers (the empty-string filter)', async () => {
    const { parseMetaImageHeader } = await import('../src/pipeline/mha.ts');
    const msg = (lines: string[]) => thrown(() => parseMetaImageHeader('v.mha', mha(lines))).message;
    expect(msg(['ObjectType = Image', 'NDims = 3', 'DimSize = x 3 4', 'ElementType = MET_UCHAR'])).toBe('v.mha: DimSize = "x 3 4": element 0 ("x") is not a finite number');
    expect(msg([...base, 'ElementSpacing ='])).toBe('v.mha: ElementSpacing = "": expected 3 numbers, found 0');
  });
  it('ElementType missing and BinaryData name their field', async () => {
    const { parseMetaImageHeader } = await import('../src/pipeline/mha.ts');
    const missing = thrown(() => parseMetaImageHeader('v.mha', mha(['NDims = 3', 'DimSize = 2 3 4'])));
    expect(missing).toMatchObject({ message: 'v.mha: ElementType is missing', file: 'v.mha', field: 'ElementType' });
    const binary = thrown(() => parseMetaImageHeader('v.mha', mha([...base, 'BinaryData = maybe'])));
    expect(binary).toMatchObject({ message: 'v.mha: BinaryData = "maybe": expected True or False', field: 'BinaryData' });
  });
  it('an exactly orthonormal matrix passes a tolerance of 0 (the test is "> tol")', async () => {
    const { parseMetaImageHeader } = await import('../src/pipeline/mha.ts');
    const h = parseMetaImageHeader('v.mha', mha([...base, 'TransformMatrix = 0 1 0 1 0 0 0 0 1']), undefined, { orthonormalTolerance: 0 });
    expect(h.transformMatrix).toEqual([0, 1, 0, 1, 0, 0, 0, 0, 1]);
  });
});

describe('dataset.ts survivors', () => {
  const sample = (file: string, v: number) => ({ patient: '1', sequence: 't2', file, image: Float32Array.of(v, v), labels: Uint8Array.of(v, v), height: 1, width: 2, spacing: [1, 1] as [number, number] });
  it('batches of 1 are allowed; no empty batch after the last sample; a bad size names batchSize', async () => {
    const { batches } = await import('../src/pipeline/dataset.ts');
    const xs = [sample('a', 0), sample('b', 1), sample('c', 2)];
    expect([...batches(xs, 1)].length).toBe(3);
    expect([...batches(xs, 3)].length).toBe(1);
    const e = thrown(() => [...batches(xs, 0)]);
    expect(e).toMatchObject({ message: 'batchSize = 0: must be a positive integer', field: 'batchSize', value: 0 });
  });
});

describe('extract.ts survivors', () => {
  it('extractPngSlice clips a 16-bit PNG (values / 255 above 1) to 1', async () => {
    const { extractPngSlice } = await import('../src/pipeline/extract.ts');
    const geometry = { size: [8, 8, 1] as [number, number, number], spacing: [1, 1, 1] as [number, number, number], origin: [0, 0, 0] as [number, number, number], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
    const s = extractPngSlice({ ...geometry, data: new Uint16Array(64).fill(510) }, { ...geometry, data: new Uint8Array(64) }, { imageFile: 'i.png', maskFile: 'm.png', width: 8, height: 8 });
    expect(Array.from(s.image)).toEqual(new Array(64).fill(1));
  });
});

// Exact-value tests of more pure files of src/pipeline, written against Stryker's survivors (docs/MUTATION.md):
// SPIDER level codes, volume geometry, the atomic writers and the PNG decoders.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { axisDirection, indexToPhysical, voxelCount } from '../src/pipeline/volume.ts';
import { replaceDirAtomic, tempPathBeside, writeFileAtomic, writeFileAtomicWith } from '../src/pipeline/atomic-write.ts';
import { MAX_PNG_PIXELS, checkPngHeader, decodeGreyPngBytes, decodeIntensityPngBytes } from '../src/pipeline/png.ts';
import { thrown } from './helpers/thrown.ts';
import { png, pack } from './helpers/png-fixture.ts';


// level-codes.ts builds LEVEL_CODES while it loads: a mutant that breaks that load must fail these tests, not the
// import of this whole file (Stryker counts a file that cannot load as no failed test), so each test imports it
const levelCodes = () => import('../src/pipeline/level-codes.ts');

describe('level codes', () => {
  // first: the test that loads the module is the one Stryker credits with the code run while it loads (the table)
  it('LEVEL_CODES: every code in order with its names, kind and class', async () => {
    const { LEVEL_CODES } = await levelCodes();
    expect(LEVEL_CODES.length).toBe(76);
    const codes = LEVEL_CODES.map((e) => e.code);
    expect(codes.slice(0, 3)).toEqual([1, 2, 3]);
    expect(codes.slice(24, 28)).toEqual([25, 100, 101, 102]);
    expect(codes.slice(50, 52)).toEqual([125, 201]);
    expect(codes[75]).toBe(225);
    expect(LEVEL_CODES[0]).toEqual({ code: 1, name: 'L5 vertebra', shortName: 'L5', kind: 'vertebra', semanticClass: 1 });
    expect(LEVEL_CODES[25]).toEqual({ code: 100, name: 'spinal canal', shortName: 'canal', kind: 'canal', semanticClass: 2 });
    expect(LEVEL_CODES[26]).toEqual({ code: 101, name: 'L5 vertebra (partly visible)', shortName: 'L5', kind: 'vertebra', semanticClass: 1 });
    expect(LEVEL_CODES[52]).toEqual({ code: 202, name: 'L4/L5 intervertebral disc', shortName: 'L4/L5', kind: 'disc', semanticClass: 3 });
  });
  it('vertebra names from the bottom, and the range refused outside 1-25', async () => {
    const { CANAL_CODE, MAX_LEVEL, vertebraName } = await levelCodes();
    expect([1, 2, 5, 6, 7, 17, 18, 24, 25].map(vertebraName)).toEqual(['L5', 'L4', 'L1', 'T12', 'T11', 'T1', 'C7', 'C1', 'C0']);
    for (const k of [0, 26, 1.5, -1, NaN]) expect(() => vertebraName(k), `k ${k}`).toThrow(`vertebra number ${k} is not 1-25`);
    expect([CANAL_CODE, MAX_LEVEL]).toEqual([100, 25]);
  });
  it('parses every code range, its edges and its neighbours', async () => {
    const { parseLevelCode } = await levelCodes();
    expect(parseLevelCode(100)).toEqual({ kind: 'canal', number: 0, partial: false });
    expect(parseLevelCode(1)).toEqual({ kind: 'vertebra', number: 1, partial: false });
    expect(parseLevelCode(25)).toEqual({ kind: 'vertebra', number: 25, partial: false });
    expect(parseLevelCode(101)).toEqual({ kind: 'vertebra', number: 1, partial: true });
    expect(parseLevelCode(125)).toEqual({ kind: 'vertebra', number: 25, partial: true });
    expect(parseLevelCode(201)).toEqual({ kind: 'disc', number: 1, partial: false });
    expect(parseLevelCode(225)).toEqual({ kind: 'disc', number: 25, partial: false });
    for (const code of [0, -1, 26, 99, 126, 200, 226, 1.5, 100.5, 201.5, NaN]) expect(parseLevelCode(code), `code ${code}`).toBeNull();
  });
  it('short and full names; an unknown code is an error naming it', async () => {
    const { levelName, levelShortName } = await levelCodes();
    expect([1, 5, 6, 100, 101, 201, 202, 206, 218].map(levelShortName)).toEqual(['L5', 'L1', 'T12', 'canal', 'L5', 'L5/S1', 'L4/L5', 'T12/L1', 'C7/T1']);
    expect(levelName(1)).toBe('L5 vertebra');
    expect(levelName(102)).toBe('L4 vertebra (partly visible)');
    expect(levelName(201)).toBe('L5/S1 intervertebral disc');
    expect(levelName(100)).toBe('spinal canal');
    for (const f of [levelShortName, levelName]) {
      for (const code of [0, 26, 300]) expect(() => f(code), `${f.name} ${code}`).toThrow(`label code ${code} is not a SPIDER level code (1-25, 100, 101-125, 201-225)`);
    }
  });
});

describe('volume geometry', () => {
  it('voxel count, axis directions, index to physical with a rotated direction', () => {
    expect(voxelCount([2, 3, 4])).toBe(24);
    expect(voxelCount([])).toBe(1);
    const direction = [0, 0, 1, 1, 0, 0, 0, -1, 0]; // column j = physical direction of axis j
    expect(axisDirection(direction, 0)).toEqual([0, 1, 0]);
    expect(axisDirection(direction, 1)).toEqual([0, 0, -1]);
    expect(axisDirection(direction, 2)).toEqual([1, 0, 0]);
    const vol = { origin: [10, 20, 30] as [number, number, number], spacing: [2, 3, 5] as [number, number, number], direction };
    // x = 10 + 5 k, y = 20 + 2 i, z = 30 - 3 j
    expect(indexToPhysical(vol, [1, 2, 3])).toEqual([25, 22, 24]);
    expect(indexToPhysical(vol, [0, 0, 0])).toEqual([10, 20, 30]);
    const full = { origin: [1, 2, 3] as [number, number, number], spacing: [1, 2, 3] as [number, number, number], direction: [1, 2, 3, 4, 5, 6, 7, 8, 9] };
    // r-th coordinate = origin[r] + sum_c direction[r][c] * spacing[c] * index[c] with index (1, 1, 1): 1+1+4+9 etc.
    expect(indexToPhysical(full, [1, 1, 1])).toEqual([1 + 1 + 4 + 9, 2 + 4 + 10 + 18, 3 + 7 + 16 + 27]);
  });
});

describe('atomic writes', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'spineseg-atomic-'));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  const left = (dir: string) => fs.readdirSync(dir).filter((f) => f.startsWith('.tmp-'));

  it('temp names: hidden, beside the file, with the pid, at most 8 random characters, new every call', () => {
    const a = tempPathBeside('/x/y/z.json');
    expect(path.dirname(a)).toBe('/x/y');
    expect(path.basename(a)).toMatch(new RegExp(`^\\.tmp-${process.pid}-[0-9a-z]{1,8}-z\\.json$`));
    const names = new Set(Array.from({ length: 20 }, () => tempPathBeside('/x/z.json')));
    expect(names.size).toBe(20);
    const lengths = Array.from({ length: 50 }, () => path.basename(tempPathBeside('f')).split('-')[2]!.length);
    expect(Math.max(...lengths), 'eight characters (after "0.")').toBe(8);
  });
  it('writeFileAtomic creates the folders, writes, leaves no temp file; a failed rename removes the temp and rethrows', () => {
    const file = path.join(root, 'a', 'b', 'c.txt');
    writeFileAtomic(file, 'one');
    writeFileAtomic(file, new Uint8Array([116, 119, 111]));
    expect(fs.readFileSync(file, 'utf8')).toBe('two');
    expect(left(path.dirname(file))).toEqual([]);
    const dirTarget = path.join(root, 'a', 'isdir');
    fs.mkdirSync(path.join(dirTarget, 'inner'), { recursive: true });
    expect(() => writeFileAtomic(dirTarget, 'x')).toThrow(/EISDIR|ENOTEMPTY|EEXIST|EPERM/);
    expect(left(path.join(root, 'a'))).toEqual([]);
  });
  it('writeFileAtomicWith: the writer fills the temp path; on failure the file is untouched and the first error rethrown', async () => {
    const file = path.join(root, 'w', 'x', 'out.bin');
    await writeFileAtomicWith(file, (tmp) => fs.writeFileSync(tmp, 'new'));
    expect(fs.readFileSync(file, 'utf8')).toBe('new');
    await expect(writeFileAtomicWith(file, async (tmp) => {
      fs.writeFileSync(tmp, 'half');
      throw new Error('writer failed');
    })).rejects.toThrow('writer failed');
    expect(fs.readFileSync(file, 'utf8')).toBe('new');
    expect(left(path.dirname(file))).toEqual([]);
    // a writer that fails before creating the temp file: the cleanup must not replace its error
    await expect(writeFileAtomicWith(path.join(root, 'w2', 'f'), () => {
      throw new Error('early');
    })).rejects.toThrow('early');
    expect(() => writeFileAtomic(path.join(root, 'nofile', '\0bad'), 'x')).toThrow(/null bytes|ERR_INVALID_ARG/);
  });
  it('replaceDirAtomic swaps a folder in, removes the previous one and any stale .prev', () => {
    const dir = path.join(root, 'd');
    const mk = (name: string, content: string) => {
      const t = path.join(root, name);
      fs.mkdirSync(path.join(t, 'sub'), { recursive: true });
      fs.writeFileSync(path.join(t, 'sub', 'f'), content);
      return t;
    };
    replaceDirAtomic(mk('t1', 'first'), dir);
    expect(fs.readFileSync(path.join(dir, 'sub', 'f'), 'utf8')).toBe('first');
    mk('d.prev', 'stale');
    replaceDirAtomic(mk('t2', 'second'), dir);
    expect(fs.readFileSync(path.join(dir, 'sub', 'f'), 'utf8')).toBe('second');
    expect(fs.existsSync(path.join(root, 'd.prev'))).toBe(false);
    expect(fs.existsSync(path.join(root, 't2'))).toBe(false);
    replaceDirAtomic(mk('t3', 'third'), dir, path.join(root, 'old'));
    expect(fs.readFileSync(path.join(dir, 'sub', 'f'), 'utf8')).toBe('third');
    expect(fs.existsSync(path.join(root, 'old'))).toBe(false);
  });
});

const rounded = (a: ArrayLike<number>) => Array.from(a, (v) => +v.toFixed(6));

describe('png: grey masks', () => {
  it('8-bit grey passes through; RGB and RGBA whose channels agree become grey', () => {
    expect(decodeGreyPngBytes('g.png', png(3, 2, 1, 8, [0, 76, 150, 29, 1, 255]))).toEqual({ data: Uint8Array.from([0, 76, 150, 29, 1, 255]), width: 3, height: 2 });
    expect(decodeGreyPngBytes('c.png', png(2, 1, 3, 8, [7, 7, 7, 9, 9, 9]))).toEqual({ data: Uint8Array.from([7, 9]), width: 2, height: 1 });
    expect(decodeGreyPngBytes('a.png', png(2, 1, 4, 8, [7, 7, 7, 0, 9, 9, 9, 3]))).toEqual({ data: Uint8Array.from([7, 9]), width: 2, height: 1 });
  });
  it('refuses colour (naming the pixel), other depths and grey+alpha', () => {
    for (const [data, pixel] of [[[1, 1, 1, 5, 6, 5], 1], [[1, 1, 1, 5, 5, 6], 1], [[2, 1, 1, 5, 5, 5], 0]] as const) {
      const e = thrown(() => decodeGreyPngBytes('c.png', png(2, 1, 3, 8, data)));
      expect(e.message).toBe(`c.png: pixel = ${pixel}: colour PNG; expected grey (R = G = B)`);
    }
    expect(() => decodeGreyPngBytes('c4.png', png(1, 1, 4, 8, [4, 4, 5, 4]))).toThrow('c4.png: pixel = 0: colour PNG');
    expect(() => decodeGreyPngBytes('d.png', png(1, 1, 1, 16, [4]))).toThrow('d.png: bit depth = 16: expected 8-bit PNG');
    expect(() => decodeGreyPngBytes('ga.png', png(1, 1, 2, 8, [4, 255]))).toThrow('ga.png: channels = 2: expected a grey PNG');
    expect(() => decodeGreyPngBytes('big.png', png(4, 4, 1, 8, new Array(16).fill(0)), 15)).toThrow('big.png: size = "4x4": 16 pixels exceed the budget of 15');
  });
});

describe('png: header checks', () => {
  const good = () => png(2, 3, 1, 8, [1, 2, 3, 4, 5, 6]);
  it('the claimed size; the budget is inclusive; 64 Mpx by default', () => {
    expect(checkPngHeader('x.png', good())).toEqual({ width: 2, height: 3, depth: 8, colourType: 0 });
    expect(checkPngHeader('x.png', good(), 6)).toEqual({ width: 2, height: 3, depth: 8, colourType: 0 });
    expect(() => checkPngHeader('x.png', good(), 5)).toThrow('x.png: size = "2x3": 6 pixels exceed the budget of 5');
    expect(MAX_PNG_PIXELS).toBe(67108864);
  });
  it('empty, no signature, too short, not IHDR, zero sizes', () => {
    const empty = thrown(() => checkPngHeader('e.png', new Uint8Array(0)));
    expect(empty.message).toBe('e.png: file size = 0: empty file; expected a PNG image');
    const sig = thrown(() => checkPngHeader('s.png', new TextEncoder().encode('hello world, not a png at all, really')));
    expect(sig.message).toBe('s.png: not a PNG image (no PNG signature in its first 8 bytes)');
    expect({ file: sig.file, field: sig.field }).toEqual({ file: 's.png', field: 'signature' });
    expect(() => checkPngHeader('s.png', good().subarray(0, 7)), '7 bytes of signature').toThrow('not a PNG image');
    for (const i of [0, 3, 7]) {
      const b = good();
      b[i] ^= 1;
      expect(() => checkPngHeader('s.png', b), `signature byte ${i}`).toThrow('not a PNG image');
    }
    expect(() => checkPngHeader('t.png', good().subarray(0, 8))).toThrow('t.png: file size = 8: truncated PNG (too short for its IHDR header)');
    expect(() => checkPngHeader('t.png', good().subarray(0, 32))).toThrow('t.png: file size = 32: truncated PNG');
    expect(checkPngHeader('t.png', good().subarray(0, 33))).toEqual({ width: 2, height: 3, depth: 8, colourType: 0 });
    for (const i of [12, 13, 14, 15]) {
      const b = good();
      b[i] = 0x41;
      expect(() => checkPngHeader('h.png', b), `type byte ${i}`).toThrow(/h\.png: first chunk = "[A-Z]{4}": expected IHDR \(damaged PNG\)/);
    }
    const sized = (w: number, h: number) => {
      const b = good();
      const v = new DataView(b.buffer, b.byteOffset);
      v.setUint32(16, w);
      v.setUint32(20, h);
      return b;
    };
    expect(() => checkPngHeader('z.png', sized(0, 3))).toThrow('z.png: size = "0x3": expected at least 1x1 pixels');
    expect(() => checkPngHeader('z.png', sized(3, 0))).toThrow('z.png: size = "3x0": expected at least 1x1 pixels');
    expect(checkPngHeader('z.png', sized(70000, 1))).toEqual({ width: 70000, height: 1, depth: 8, colourType: 0 });
    // a subarray of a larger buffer: the header is read at the view's offset
    const padded = new Uint8Array(good().length + 5);
    padded.set(good(), 5);
    expect(checkPngHeader('o.png', padded.subarray(5))).toEqual({ width: 2, height: 3, depth: 8, colourType: 0 });
  });
  it('a damaged body names the file and the decoder error', () => {
    const b = png(16, 16, 1, 8, Array.from({ length: 256 }, (_, i) => (i * 37) % 256));
    const e = thrown(() => decodeIntensityPngBytes('bad.png', b.subarray(0, b.length - 20)));
    expect(e.message).toMatch(/^bad\.png: truncated or damaged PNG \(.+\)$/);
    expect({ file: e.file, field: e.field }).toEqual({ file: 'bad.png', field: 'file' });
    expect(() => decodeGreyPngBytes('bad.png', b.subarray(0, b.length - 20))).toThrow('bad.png: truncated or damaged PNG');
  });
});

describe('png: intensity', () => {
  it('grey of every depth, rows padded to whole bytes', () => {
    for (const depth of [1, 2, 4] as const) {
      const max = 2 ** depth - 1;
      const values = [0, max, 1, max, 0, 1, 1, 0, max, 0, 0, 1, max, max, 0];
      const out = decodeIntensityPngBytes('g.png', png(5, 3, 1, depth, pack(values, 5, 3, depth)));
      expect({ w: out.width, h: out.height, d: out.depth }).toEqual({ w: 5, h: 3, d: depth });
      expect(rounded(out.image), `depth ${depth}`).toEqual(rounded(values.map((v) => v / max)));
    }
    const four = [0, 5, 10, 15, 3, 12, 7];
    expect(rounded(decodeIntensityPngBytes('g4.png', png(7, 1, 1, 4, pack(four, 7, 1, 4))).image)).toEqual(rounded(four.map((v) => v / 15)));
    expect(rounded(decodeIntensityPngBytes('g8.png', png(2, 1, 1, 8, [51, 255])).image)).toEqual([0.2, 1]);
    expect(rounded(decodeIntensityPngBytes('g16.png', png(2, 1, 1, 16, [65535, 13107])).image)).toEqual([1, 0.2]);
  });
  it('grey+alpha drops alpha; colour by luma, clamped at 1; palette by luma; an index past the palette is an error', () => {
    expect(rounded(decodeIntensityPngBytes('ga.png', png(3, 1, 2, 8, [51, 9, 0, 255, 255, 0])).image)).toEqual([0.2, 0, 1]);
    const rgb = decodeIntensityPngBytes('rgb.png', png(4, 1, 3, 8, [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255])).image;
    expect(rounded(rgb)).toEqual([0.299, 0.587, 0.114, 1]);
    expect(rgb[3], 'white is exactly 1').toBe(1);
    expect(rounded(decodeIntensityPngBytes('rgba.png', png(2, 1, 4, 8, [0, 0, 255, 0, 255, 0, 0, 77])).image)).toEqual([0.114, 0.299]);
    expect(rounded(decodeIntensityPngBytes('rgb16.png', png(1, 1, 3, 16, [0, 65535, 0])).image)).toEqual([0.587]);
    const pal = [[0, 0, 0], [255, 0, 0], [0, 255, 0], [255, 255, 255]];
    expect(rounded(decodeIntensityPngBytes('p.png', png(4, 1, 1, 8, [3, 2, 1, 0], pal)).image)).toEqual([1, 0.587, 0.299, 0]);
    expect(rounded(decodeIntensityPngBytes('p1.png', png(3, 2, 1, 1, pack([1, 0, 1, 0, 0, 1], 3, 2, 1), [[0, 0, 0], [0, 0, 255]])).image)).toEqual([0.114, 0, 0.114, 0, 0, 0.114]);
    const e = thrown(() => decodeIntensityPngBytes('p.png', png(2, 1, 1, 8, [0, 3], pal.slice(0, 2))));
    expect(e.message).toBe('p.png: palette index = 3: expected < 2 (palette size)');
  });
});

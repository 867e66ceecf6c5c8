// MRI slice PNGs as viewers export them: bit depth 1-16, grey, grey+alpha, RGB, RGBA and palette become grey
// intensity in [0, 1]; an oversized header is refused before decoding; empty, truncated and non-image files are
// refused naming the file (through `spineseg predict` in a child process: exit 1, one line, no output folder).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeIntensityPngBytes, checkPngHeader } from '../src/pipeline/png.ts';
import { runCli, runAll, failureProblems } from './helpers/bad-input.ts';
import { writeFixtureCheckpoint } from './helpers/checkpoint-fixture.ts';
import { png, pack } from './helpers/png-fixture.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'spineseg-png-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('decodeIntensityPngBytes', () => {
  const close = (a: Float32Array, b: number[]) => expect(Array.from(a).map((v) => +v.toFixed(6))).toEqual(b.map((v) => +v.toFixed(6)));

  it('scales every grey bit depth to [0, 1]', () => {
    for (const depth of [1, 2, 4] as const) {
      const max = 2 ** depth - 1;
      const values = [0, max, 1, max - 1, 0, 1 % (max + 1), max, 0, 1];
      close(decodeIntensityPngBytes('g.png', png(3, 3, 1, depth, pack(values, 3, 3, depth))).image, values.map((v) => v / max));
    }
    close(decodeIntensityPngBytes('g8.png', png(2, 2, 1, 8, [0, 255, 128, 7])).image, [0, 1, 128 / 255, 7 / 255]);
    close(decodeIntensityPngBytes('g16.png', png(2, 2, 1, 16, [0, 65535, 32768, 1000])).image, [0, 1, 32768 / 65535, 1000 / 65535]);
  });

  it('drops alpha, converts colour by luma, and looks palette entries up', () => {
    close(decodeIntensityPngBytes('ga.png', png(2, 1, 2, 8, [51, 0, 204, 255])).image, [0.2, 0.8]);
    close(decodeIntensityPngBytes('ga16.png', png(2, 1, 2, 16, [65535, 0, 0, 65535])).image, [1, 0]);
    close(decodeIntensityPngBytes('rgb.png', png(2, 1, 3, 8, [255, 0, 0, 90, 90, 90])).image, [0.299, 90 / 255]);
    close(decodeIntensityPngBytes('rgba16.png', png(1, 1, 4, 16, [0, 65535, 0, 12])).image, [0.587]);
    close(decodeIntensityPngBytes('pal.png', png(3, 1, 1, 8, [2, 0, 1], [[0, 0, 0], [255, 255, 255], [0, 0, 255]])).image, [0.114, 0, 1]);
    close(decodeIntensityPngBytes('pal2.png', png(3, 1, 1, 2, pack([1, 2, 0], 3, 1, 2), [[0, 0, 0], [255, 255, 255], [0, 0, 255]])).image, [1, 0.114, 0]);
  });

  it('refuses a header claiming more pixels than the budget before decoding anything', () => {
    const bytes = png(40, 30, 1, 8, new Array(1200).fill(1));
    expect(checkPngHeader('x.png', bytes)).toEqual({ width: 40, height: 30, depth: 8, colourType: 0 });
    expect(() => decodeIntensityPngBytes('x.png', bytes, 1000)).toThrow('x.png: size = "40x30": 1200 pixels exceed the budget of 1000');
  });
});

/** A PNG whose IHDR claims width x height (valid CRC does not matter: the size check comes first). */
function claimed(width: number, height: number): Uint8Array {
  const bytes = png(2, 2, 1, 8, [1, 2, 3, 4]);
  const view = new DataView(bytes.buffer);
  view.setUint32(16, width);
  view.setUint32(20, height);
  return bytes;
}

interface Case {
  name: string;
  bytes: () => Uint8Array;
  error: RegExp;
}

const cases: Case[] = [
  { name: 'empty', bytes: () => new Uint8Array(0), error: /file size = 0: empty file; expected a PNG image/ },
  { name: 'text', bytes: () => new TextEncoder().encode('not an image, just a note\n'), error: /not a PNG image \(no PNG signature/ },
  { name: 'truncated', bytes: () => ((b) => b.subarray(0, b.length - 30))(png(32, 32, 1, 8, new Array(1024).fill(0).map((_, i) => i % 251))), error: /truncated or damaged PNG/ },
  { name: 'header only', bytes: () => png(32, 32, 1, 8, new Array(1024).fill(3)).subarray(0, 20), error: /file size = 20: truncated PNG \(too short for its IHDR header\)/ },
  { name: 'huge header', bytes: () => claimed(100000, 100000), error: /size = "100000x100000": 10000000000 pixels exceed the budget of 67108864/ },
  { name: 'zero width', bytes: () => claimed(0, 32), error: /size = "0x32": expected at least 1x1 pixels/ },
  { name: 'no IHDR', bytes: () => ((b) => (b.set([0x49, 0x44, 0x41, 0x54], 12), b))(png(2, 2, 1, 8, [1, 2, 3, 4])), error: /first chunk = "IDAT": expected IHDR/ },
];

/** A slice folder of 4 patients (16-bit grey images, 8-bit masks), for `spineseg train`. */
function sliceFolder(name: string, image: (patient: number) => Uint8Array): string {
  const dir = path.join(root, name);
  fs.mkdirSync(path.join(dir, 'images'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'masks'), { recursive: true });
  for (let p = 1; p <= 4; p++) {
    const file = `${p}_t2_slice1.png`;
    fs.writeFileSync(path.join(dir, 'images', file), image(p));
    fs.writeFileSync(path.join(dir, 'masks', file), png(32, 32, 1, 8, Array.from({ length: 1024 }, (_, i) => ((i >> 5) < 12 ? 76 : (i & 31) < 8 ? 150 : 0))));
  }
  return dir;
}
const image16 = (p: number) => png(32, 32, 1, 16, Array.from({ length: 1024 }, (_, i) => ((i * 97 + p * 1000) % 65536)));
const trainArgs = (data: string, out: string) => ['train', '--data', data, '--out', out, '--size', '32x32', '--width-mult', '0.125', '--epochs', '1', '--batch', '2', '--val-fraction', '0.25', '--steps-per-epoch', '1', '--bn-momentum', '0.9'];

describe('spineseg train on PNG slice folders', () => {
  it('trains on 16-bit grey images, and refuses a truncated one naming it with no run folder left', async () => {
    const good = sliceFolder('train16', image16);
    const bad = sliceFolder('traintrunc', (p) => (p === 3 ? image16(p).subarray(0, 100) : image16(p)));
    const [ok, refused] = await Promise.all([runCli(trainArgs(good, path.join(root, 'run16'))), runCli(trainArgs(bad, path.join(root, 'runtrunc')))]);
    expect(ok.stderr.split('\n').filter((l) => l.startsWith('spineseg:'))).toEqual([]);
    expect(ok.code).toBe(0);
    expect(fs.existsSync(path.join(root, 'run16', 'checkpoint-last', 'model.safetensors'))).toBe(true);
    expect(failureProblems(refused, /truncated or damaged PNG/, path.join(bad, 'images', '3_t2_slice1.png'))).toEqual([]);
    expect(fs.existsSync(path.join(root, 'runtrunc'))).toBe(false);
  }, 300_000);
});

describe('spineseg predict on PNG slices', () => {
  const checkpoint = writeFixtureCheckpoint(path.join(root, 'checkpoint'));

  it('segments every bit depth and colour type (one folder, exit 0, one label map each)', async () => {
    const dir = path.join(root, 'kinds');
    fs.mkdirSync(dir);
    const n = 32 * 32;
    const ramp = (max: number) => Array.from({ length: n }, (_, i) => Math.round(((i * 37) % n) / (n - 1) * max));
    const files: Record<string, Uint8Array> = {
      'grey1.png': png(32, 32, 1, 1, pack(ramp(1), 32, 32, 1)),
      'grey2.png': png(32, 32, 1, 2, pack(ramp(3), 32, 32, 2)),
      'grey4.png': png(32, 32, 1, 4, pack(ramp(15), 32, 32, 4)),
      'grey8.png': png(32, 32, 1, 8, ramp(255)),
      'grey16.png': png(32, 32, 1, 16, ramp(65535)),
      'greyalpha8.png': png(32, 32, 2, 8, ramp(255).flatMap((v) => [v, 255])),
      'greyalpha16.png': png(32, 32, 2, 16, ramp(65535).flatMap((v) => [v, 65535])),
      'rgb8.png': png(32, 32, 3, 8, ramp(255).flatMap((v) => [v, v, 255 - v])),
      'rgba16.png': png(32, 32, 4, 16, ramp(65535).flatMap((v) => [v, v, v, 65535])),
      'palette.png': png(32, 32, 1, 8, ramp(3), [[0, 0, 0], [80, 80, 80], [160, 160, 160], [255, 255, 255]]),
    };
    for (const [name, bytes] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), bytes);
    const out = path.join(root, 'out-kinds');
    const r = await runCli(['predict', '--checkpoint', checkpoint, '--input', dir, '--output', out]);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('spineseg:'))).toEqual([]);
    expect(r.code).toBe(0);
    expect(fs.readdirSync(out).filter((f) => f.endsWith('.png')).sort()).toEqual(Object.keys(files).sort());
  }, 120_000);

  it(`refuses ${cases.length} damaged PNGs: exit 1, one line naming the file, no output (even beside a good slice)`, async () => {
    const results = await runAll(cases, 2, async (c) => {
      const dir = path.join(root, `bad-${c.name.replace(/\W+/g, '-')}`);
      fs.mkdirSync(dir);
      // the good slice sorts first: predict must check every file before writing any
      fs.writeFileSync(path.join(dir, 'a_good.png'), png(32, 32, 1, 8, new Array(1024).fill(0).map((_, i) => i % 256)));
      const file = path.join(dir, 'b_slice.png');
      fs.writeFileSync(file, c.bytes());
      const out = path.join(root, `out-${path.basename(dir)}`);
      const r = await runCli(['predict', '--checkpoint', checkpoint, '--input', dir, '--output', out]);
      return { c, r, file, outExists: fs.existsSync(out) };
    });
    const failures = results.flatMap(({ c, r, file, outExists }) => {
      const problems = failureProblems(r, c.error, file);
      if (outExists) problems.push('output folder written');
      return problems.length ? [`${c.name}: ${problems.join('; ')}\n  stderr: ${r.stderr.trim()}`] : [];
    });
    expect(failures).toEqual([]);
  }, 600_000);
});

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { encode } from 'fast-png';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'spineseg-bad-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const helper = path.resolve('test/helpers/prepare-cli.ts');

interface MhaSpec {
  dims?: string;
  type?: string;
  data: Buffer;
  spacing?: string;
  origin?: string;
  compressed?: boolean;
  dataFileLine?: string;
}

function mha(spec: MhaSpec): Buffer {
  const payload = spec.compressed ? zlib.deflateSync(spec.data) : spec.data;
  const lines = [
    'ObjectType = Image',
    'NDims = 3',
    'BinaryData = True',
    'BinaryDataByteOrderMSB = False',
    `CompressedData = ${spec.compressed ? 'True' : 'False'}`,
    ...(spec.compressed ? [`CompressedDataSize = ${payload.length}`] : []),
    'TransformMatrix = 1 0 0 0 1 0 0 0 1',
    `Offset = ${spec.origin ?? '0 0 0'}`,
    `ElementSpacing = ${spec.spacing ?? '3.3 0.6 0.6'}`,
    `DimSize = ${spec.dims ?? '4 16 16'}`,
    `ElementType = ${spec.type ?? 'MET_SHORT'}`,
    spec.dataFileLine ?? 'ElementDataFile = LOCAL',
  ];
  return Buffer.concat([Buffer.from(lines.join('\n') + '\n'), payload]);
}

const N = 4 * 16 * 16;
const imageData = () => Buffer.from(new Int16Array(N).map((_, i) => 100 + (i % 37)).buffer);
function maskData(extraCode?: number): Buffer {
  const codes = new Uint8Array(N);
  for (let i = 0; i < N; i++) {
    const y = Math.floor(i / 4) % 16;
    const z = Math.floor(i / 64);
    codes[i] = y < 6 ? (z % 4 === 3 ? 201 : 1) : y < 9 ? 100 : 0;
  }
  if (extraCode !== undefined) codes[N - 1] = extraCode;
  return Buffer.from(codes.buffer);
}

/** A valid one-case SPIDER folder; `mutate` breaks it. */
function makeCase(name: string, mutate: (dir: string) => void): string {
  const dir = path.join(root, name);
  fs.mkdirSync(path.join(dir, 'images'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'masks'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'images', '1_t1.mha'), mha({ data: imageData() }));
  fs.writeFileSync(path.join(dir, 'masks', '1_t1.mha'), mha({ type: 'MET_UCHAR', data: maskData() }));
  mutate(dir);
  return dir;
}
const img = (dir: string) => path.join(dir, 'images', '1_t1.mha');
const msk = (dir: string) => path.join(dir, 'masks', '1_t1.mha');

interface Case {
  name: string;
  build: () => string;
  /** Expected stderr pattern (after "spineseg: "). */
  error: RegExp;
  /** Path fragment the message must name. */
  names: string;
}

const cases: Case[] = [
  { name: 'truncated', build: () => makeCase('truncated', (d) => fs.writeFileSync(img(d), mha({ data: imageData() }).subarray(0, 400))), error: /DimSize = "4 16 16": with MET_SHORT needs 2048 bytes .* \(truncated file\)/, names: 'images/1_t1.mha' },
  { name: '10^12 voxels', build: () => makeCase('huge', (d) => fs.writeFileSync(img(d), mha({ dims: '10000 10000 10000', data: imageData() }))), error: /DimSize = "10000 10000 10000": 1000000000000 voxels x 2 bytes .* exceeds the size budget/, names: 'images/1_t1.mha' },
  { name: 'unsupported element type', build: () => makeCase('type', (d) => fs.writeFileSync(img(d), mha({ type: 'MET_LONG_LONG', data: imageData() }))), error: /ElementType = "MET_LONG_LONG": unsupported/, names: 'images/1_t1.mha' },
  { name: 'size mismatch', build: () => makeCase('size', (d) => fs.writeFileSync(msk(d), mha({ dims: '4 16 8', type: 'MET_UCHAR', data: maskData().subarray(0, N / 2) }))), error: /size \[4 16 8\] does not match .*images\/1_t1\.mha size \[4 16 16\]/, names: 'masks/1_t1.mha' },
  { name: 'geometry mismatch', build: () => makeCase('geometry', (d) => fs.writeFileSync(msk(d), mha({ origin: '0 5 0', type: 'MET_UCHAR', data: maskData() }))), error: /origin \[0 5 0\] does not match .*images\/1_t1\.mha origin \[0 0 0\]/, names: 'masks/1_t1.mha' },
  {
    name: 'NaN pixels',
    build: () => makeCase('nan', (d) => {
      const f = new Float32Array(N).fill(10);
      f[77] = NaN;
      fs.writeFileSync(img(d), mha({ type: 'MET_FLOAT', data: Buffer.from(f.buffer) }));
    }),
    error: /pixel = NaN: at voxel 77/,
    names: 'images/1_t1.mha',
  },
  { name: 'empty folder', build: () => makeCase('empty', (d) => (fs.rmSync(img(d)), fs.rmSync(msk(d)))), error: /images: folder holds no images/, names: 'empty/images' },
  { name: 'non-image file', build: () => makeCase('text', (d) => fs.writeFileSync(path.join(d, 'images', 'notes.txt'), 'hello')), error: /extension = "\.txt": not an image file/, names: 'images/notes.txt' },
  {
    name: '1x1 image',
    build: () => makeCase('tiny', (d) => {
      fs.writeFileSync(img(d), mha({ dims: '1 1 1', data: Buffer.from(new Int16Array([5]).buffer) }));
      fs.writeFileSync(msk(d), mha({ dims: '1 1 1', type: 'MET_UCHAR', data: Buffer.from([1]) }));
    }),
    error: /size \[1 1 1\] gives sagittal slices of 1x1 voxels, below the 8x8 minimum/,
    names: 'images/1_t1.mha',
  },
  { name: 'bad DimSize', build: () => makeCase('dimsize', (d) => fs.writeFileSync(img(d), mha({ dims: '4 -16 16', data: imageData() }))), error: /DimSize = "4 -16 16": dimension 1 \(-16\) is not a positive integer/, names: 'images/1_t1.mha' },
  { name: 'negative spacing', build: () => makeCase('spacing', (d) => fs.writeFileSync(img(d), mha({ spacing: '3.3 -0.6 0.6', data: imageData() }))), error: /ElementSpacing = "3.3 -0.6 0.6": spacing 1 \(-0.6\) must be positive/, names: 'images/1_t1.mha' },
  { name: 'missing ElementDataFile', build: () => makeCase('nodatafile', (d) => fs.writeFileSync(img(d), mha({ data: imageData(), dataFileLine: '' }))), error: /ElementDataFile|not a MetaImage/, names: 'images/1_t1.mha' },
  {
    name: 'corrupt compressed data',
    build: () => makeCase('zlib', (d) => {
      const good = mha({ data: imageData(), compressed: true });
      const bad = Buffer.from(good);
      for (let i = bad.length - 40; i < bad.length - 10; i++) bad[i] = bad[i]! ^ 0x5a;
      fs.writeFileSync(img(d), bad);
    }),
    error: /CompressedData = "True": pixel data (does not inflate|inflates to)/,
    names: 'images/1_t1.mha',
  },
  { name: 'unknown label', build: () => makeCase('label', (d) => fs.writeFileSync(msk(d), mha({ type: 'MET_UCHAR', data: maskData(150) }))), error: /unknown label 150 at voxel 1023/, names: 'masks/1_t1.mha' },
  { name: 'mask without image', build: () => makeCase('orphanmask', (d) => fs.writeFileSync(path.join(d, 'masks', '2_t2.mha'), mha({ type: 'MET_UCHAR', data: maskData() }))), error: /mask has no image/, names: 'masks/2_t2.mha' },
  { name: 'image without mask', build: () => makeCase('orphanimage', (d) => fs.writeFileSync(path.join(d, 'images', '2_t2.mha'), mha({ data: imageData() }))), error: /image has no mask/, names: 'images/2_t2.mha' },
  { name: 'binary garbage named .mha', build: () => makeCase('garbage', (d) => fs.writeFileSync(img(d), Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 97) % 256)))), error: /not a MetaImage/, names: 'images/1_t1.mha' },
  { name: 'non-SPIDER file name', build: () => makeCase('name', (d) => (fs.renameSync(img(d), path.join(d, 'images', 'scan.mha')), fs.renameSync(msk(d), path.join(d, 'masks', 'scan.mha')))), error: /file name = "scan.mha": expected <id>_<t1\|t2\|t2_SPACE>\.mha/, names: 'images/scan.mha' },
  {
    name: 'PNG mask with an unknown grey level',
    build: () => {
      const d = path.join(root, 'png');
      fs.mkdirSync(path.join(d, 'images'), { recursive: true });
      fs.mkdirSync(path.join(d, 'masks'), { recursive: true });
      const grey = new Uint8Array(16 * 20).fill(76);
      fs.writeFileSync(path.join(d, 'images', '5_t2_SPACE_slice3.png'), encode({ width: 16, height: 20, data: grey, channels: 1, depth: 8 }));
      grey[10] = 200;
      fs.writeFileSync(path.join(d, 'masks', '5_t2_SPACE_slice3.png'), encode({ width: 16, height: 20, data: grey, channels: 1, depth: 8 }));
      return d;
    },
    error: /unknown mask grey level 200 at voxel 10/,
    names: 'masks/5_t2_SPACE_slice3.png',
  },
  { name: 'missing input folder', build: () => path.join(root, 'does-not-exist'), error: /--input = .*: is not a folder/, names: 'does-not-exist' },
];

function runCli(args: string[]): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', helper, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('close', (code) => resolve({ code, stderr, stdout }));
  });
}

async function runAll<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  }));
  return out;
}

describe('spineseg prepare on malformed input', () => {
  it(`rejects all ${cases.length} malformed inputs with exit 1, a message naming the file, and no output folder`, async () => {
    expect(cases.length).toBeGreaterThanOrEqual(15);
    const results = await runAll(cases, 3, async (c) => {
      const input = c.build();
      const out = path.join(root, `out-${c.name.replace(/\W+/g, '-')}`);
      const r = await runCli(['prepare', '--input', input, '--out', out]);
      const leftovers = fs.readdirSync(root).filter((f) => f.startsWith(`.${path.basename(out)}.tmp`));
      return { c, r, outExists: fs.existsSync(out), leftovers };
    });
    const failures = results.flatMap(({ c, r, outExists, leftovers }) => {
      const problems: string[] = [];
      if (r.code !== 1) problems.push(`exit ${r.code}`);
      if (!r.stderr.startsWith('spineseg: ')) problems.push('stderr does not start with "spineseg: "');
      if (!c.error.test(r.stderr)) problems.push(`stderr does not match ${c.error}`);
      if (!r.stderr.includes(c.names)) problems.push(`stderr does not name ${c.names}`);
      if (outExists || leftovers.length > 0) problems.push(`partial output left: ${[outExists ? 'out' : '', ...leftovers].join(' ')}`);
      return problems.length ? [`${c.name}: ${problems.join('; ')}\n  stderr: ${r.stderr.trim().split('\n')[0]}`] : [];
    });
    expect(failures).toEqual([]);
  }, 120_000);

  it('a valid folder gives exit 0, slices, report.md and report.json; an existing --out is refused', async () => {
    const input = makeCase('valid', () => undefined);
    const out = path.join(root, 'out-valid');
    const ok = await runCli(['prepare', '--input', input, '--out', out, '--size', '32x40']);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    // the input has DimSize 4 along left-right and every sagittal slice holds all 4 classes in the same amounts:
    // 4 image/mask pairs, whatever the report says
    const written = fs.readdirSync(path.join(out, 'images')).sort();
    expect(written).toEqual(['1_t1_slice0.png', '1_t1_slice1.png', '1_t1_slice2.png', '1_t1_slice3.png']);
    expect(fs.readdirSync(path.join(out, 'masks')).sort()).toEqual(written);
    const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')) as { slices: { total: number; kept: number }; reoriented: unknown[] };
    expect([report.slices.total, report.slices.kept]).toEqual([4, 4]);
    expect(report.reoriented.length).toBe(1); // identity direction: rows run inferior -> superior and must be flipped
    expect(fs.readFileSync(path.join(out, 'report.md'), 'utf8')).toContain('## Table 1');
    const again = await runCli(['prepare', '--input', input, '--out', out]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/out-valid: --out = .*already exists/);
  }, 60_000);
});

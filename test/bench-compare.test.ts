// `spineseg bench compare`: result JSONs (train and kernel, two adapters) become one markdown table and PNG charts;
// a malformed file is refused naming the file and the field, and nothing is written then.
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchCompare, RESULTS_BEGIN, RESULTS_END } from '../bench/compare.ts';
import { checkTrainResult, parseBenchResult } from '../bench/schema.ts';
import { missingLimits, describeMissing } from '../bench/train-core.ts';
import { makeConfig } from '../src/model/unet.ts';

const timing = (ms: number) => ({ ms_per_step: ms, ms_min: ms * 0.9, ms_max: ms * 1.2, images_per_s: 2000 / ms, gflops: 1e9 / (ms * 1e6) });

function trainResult(adapter: string, oursMs: number, tfjsMs: number) {
  return {
    adapter: { vendor: 'v', architecture: 'a', device: '', description: adapter, backend: 'vulkan', features: ['timestamp-query'], limits: { maxBufferSize: 268435456 }, name: `${adapter} [v a, vulkan]` },
    date: '2026-11-29T00:00:00.000Z',
    settings: { size: '64x80', batch: 2, widthMult: 0.25, steps: 3, warmup: 1, convVariant: 'register', matmulVariant: 'register' },
    flops_per_step: 1e9,
    peak_pool_bytes: 1000,
    ours: timing(oursMs),
    tfjs: timing(tfjsMs),
    ratio: tfjsMs / oursMs,
    profile: null,
  };
}

const kernelResult = {
  adapter: 'SwiftShader Device [google swiftshader, vulkan]',
  variant: 'register',
  date: '2026-11-29T00:00:00.000Z',
  rows: [{ kernel: 'conv2d forward', shape: '2x128x160x32 -> 4, 1x1', where: 'output 1x1', ours_ms: 8, tfjs_ms: 30, ratio: 3.75, gflops: 1.3, tfjs_gflops: 0.35 }],
};

describe('bench compare', () => {
  let dir: string;
  const file = (name: string, v: unknown) => {
    const f = join(dir, name);
    writeFileSync(f, typeof v === 'string' ? v : JSON.stringify(v));
    return f;
  };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'spineseg-compare-'));
  });

  it('tabulates train and kernel results from two adapters and draws PNG charts', async () => {
    const a = file('node-lavapipe.json', trainResult('llvmpipe', 100, 800));
    const b = file('page-swiftshader.json', trainResult('SwiftShader Device', 250, 1500));
    const k = file('kernels.json', kernelResult);
    const t = file('pytorch.json', { framework: 'pytorch 2.5 fp32 eager (cudnn 90100)', device: 'NVIDIA H200', size: '512x640', batch: 8, width_mult: 1, ms_per_step: 61.5, ms_min: 60.1, ms_max: 63.2, images_per_s: 130.1 });
    const md = join(dir, 'RESULTS.md');
    writeFileSync(md, `# keep me\n\n${RESULTS_BEGIN}\nold table\n${RESULTS_END}\n\nkeep me too\n`);
    const png = join(dir, 'chart.png');
    const lines: string[] = [];
    // a result from Node records its CPU (bench/train.ts); compare shows it beside the adapter
    const c = file('node-epyc.json', { ...trainResult('llvmpipe', 100, 800), machine: { cpu: 'AMD EPYC', cores: 2 } });
    const out = await benchCompare([a, b, k, t, c], { png, resultsMd: md }, (s) => lines.push(s));
    expect(out).toMatch(/\| llvmpipe \[v a, vulkan\] +\| AMD EPYC \(2 cores\) +\| node-epyc\.json/);
    expect(out).toContain('| NVIDIA H200 | pytorch.json | pytorch 2.5 fp32 eager (cudnn 90100) | 512x640 | 8 | x1 | 61.5 (60.1-63.2) | 130.10 |');
    expect(out).toMatch(/\| llvmpipe \[v a, vulkan\] +\| not recorded +\| node-lavapipe\.json +\| 64x80 +\| 2 +\| x0\.25 +\| 100 \(90\.0-120\) +\| 800 \(720-960\) +\| 8\.00x/);
    expect(out).toMatch(/SwiftShader Device \[v a, vulkan\] +\| not recorded +\| page-swiftshader\.json .*\| 6\.00x/);
    expect(out).toMatch(/conv2d forward +\| 2x128x160x32 -> 4, 1x1 +\| 8\.0 +\| 30\.0 .*3\.75x/);
    for (const p of [png, join(dir, 'chart-kernels.png')]) expect([...readFileSync(p).subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    const doc = readFileSync(md, 'utf8');
    expect(doc).toContain('# keep me');
    expect(doc).toContain('keep me too');
    expect(doc).not.toContain('old table');
    expect(doc).toContain('| 8.00x');
  });

  it('refuses malformed results naming the file and the field, writing nothing', async () => {
    const good = file('good.json', trainResult('llvmpipe', 100, 800));
    const cases: [string, unknown, RegExp][] = [
      ['notjson.json', '{"adapter": ', /notjson\.json: not JSON/],
      ['noadapter.json', { ...trainResult('x', 1, 2), adapter: undefined }, /noadapter\.json: field 'adapter' must be an object, found nothing/],
      ['negative.json', { ...trainResult('x', 1, 2), ours: { ...timing(1), ms_per_step: -3 } }, /negative\.json: field 'ours\.ms_per_step' must be a finite number > 0, found -3/],
      ['string.json', { ...trainResult('x', 1, 2), tfjs: { ...timing(2), gflops: 'fast' } }, /string\.json: field 'tfjs\.gflops' must be a finite number > 0, found "fast"/],
      ['ratio.json', { ...trainResult('x', 1, 2), ratio: 5 }, /ratio\.json: field 'ratio' must be tfjs\.ms_per_step \/ ours\.ms_per_step = 2, found 5/],
      ['size.json', { ...trainResult('x', 1, 2), settings: { ...trainResult('x', 1, 2).settings, size: '64 by 80' } }, /size\.json: field 'settings\.size' must be WIDTHxHEIGHT, found "64 by 80"/],
      ['torch.json', { framework: 'pytorch', device: 'x', size: '512x640', batch: 8, width_mult: 1, ms_per_step: 'NaN', ms_min: 1, ms_max: 2, images_per_s: 1 }, /torch\.json: field 'ms_per_step' must be a finite number > 0, found "NaN"/],
      ['rows.json', { ...kernelResult, rows: [{ ...kernelResult.rows[0], tfjs_ms: null }] }, /rows\.json: field 'rows\[0\]\.tfjs_ms' must be a finite number > 0, found null/],
    ];
    for (const [name, v, message] of cases) {
      const bad = file(name, v);
      const png = join(dir, `${name}.png`);
      await expect(benchCompare([good, bad], { png }, () => {})).rejects.toThrow(message);
      expect(existsSync(png)).toBe(false);
    }
    await expect(benchCompare([join(dir, 'missing.json')], {}, () => {})).rejects.toThrow(/missing\.json: cannot read \(ENOENT\)/);
  });

  it('accepts a result without tfjs only with a null ratio', () => {
    const r = { ...trainResult('x', 1, 2), tfjs: null, ratio: null };
    expect(checkTrainResult(r, 'f').tfjs).toBeNull();
    expect(() => checkTrainResult({ ...r, ratio: 2 }, 'f.json')).toThrow(/f\.json: field 'ratio' must be null when tfjs is null, found 2/);
    expect(parseBenchResult(JSON.stringify(kernelResult), 'k.json').kind).toBe('kernels');
  });
});

describe('bench compare on interleaved runs and on every committed result', () => {
  const ab = {
    adapter: 'llvmpipe [mesa software, vulkan]',
    machine: { cpu: 'AMD EPYC', cores: 2, adapter: 'llvmpipe', vectorBits: 256, node: 'v20', dawn: 'webgpu 0.6.2' },
    date: '2026-12-06T00:00:00.000Z',
    size: '160x128',
    batch: 2,
    widthMult: 1,
    rows: [
      { side: 'ours', wall_min: 90, wall_median: 100, cpu_median: 150 },
      { side: 'jaxjs', wall_min: 500, wall_median: 600, cpu_median: 700 },
    ],
    samples: { ours: { wall: [90, 100, 120], cpu: [140, 150, 160] }, jaxjs: { wall: [500, 600, 650], cpu: [690, 700, 710] } },
  };

  it('tabulates a train_ab / predict_peers JSON per side with its CPU, against the first side', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spineseg-compare-ab-'));
    const f = join(dir, 'train-ab.json');
    writeFileSync(f, JSON.stringify(ab));
    const out = await benchCompare([f], {}, () => {});
    expect(out).toMatch(/\| train-ab\.json +\| training step +\| llvmpipe \[mesa software, vulkan\] +\| AMD EPYC \(2 cores\) +\| 160x128, batch 2, width x1 +\| jaxjs +\| 600 \(500\) +\| 700 +\| 6\.00x/);
    const parsed = parseBenchResult(JSON.stringify({ ...ab, kind: 'predict-peers', slices: 8, model: '192x240', samples: { ...ab.samples, ours: { wall: [90, 100, 120], cpu: null } } }), 'p.json');
    expect(parsed.kind).toBe('interleaved');
    if (parsed.kind === 'interleaved') expect(parsed.result.rows[0]).toMatchObject({ side: 'ours', cpu_median: null, wall_median: 100 });
  });

  it("shows the CPU's identity beside its name when the JSON records one (two machines both called \"AMD EPYC\" stay apart)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spineseg-compare-id-'));
    const zen5 = join(dir, 'zen5.json');
    const other = join(dir, 'other.json');
    writeFileSync(zen5, JSON.stringify({ ...ab, machine: { ...ab.machine, cpuId: 'AuthenticAMD family 26 model 2 stepping 1; 1 thread per core; avx2 fma avx512f' } }));
    writeFileSync(other, JSON.stringify({ ...ab, machine: { ...ab.machine, cpuId: 'AuthenticAMD family 25 model 1 stepping 1; 2 threads per core; avx2 fma' } }));
    const out = await benchCompare([zen5, other], {}, () => {});
    expect(out).toMatch(/\| zen5\.json +\| training step +\| [^|]+\| AMD EPYC \(2 cores; AuthenticAMD family 26 model 2 stepping 1; 1 thread per core; avx2 fma avx512f\) +\|/);
    expect(out).toMatch(/\| other\.json +\| training step +\| [^|]+\| AMD EPYC \(2 cores; AuthenticAMD family 25 model 1 stepping 1; 2 threads per core; avx2 fma\) +\|/);
    const train = join(dir, 'train.json');
    writeFileSync(train, JSON.stringify({ ...trainResult('llvmpipe', 100, 800), machine: { cpu: 'Intel(R) Xeon(R) CPU @ 2.20GHz', cores: 2, cpuId: 'GenuineIntel family 6 model 85 stepping 7; 2 threads per core; avx2 fma avx512f' } }));
    expect(await benchCompare([train], {}, () => {})).toContain('| Intel(R) Xeon(R) CPU @ 2.20GHz (2 cores; GenuineIntel family 6 model 85 stepping 7; 2 threads per core; avx2 fma avx512f) |');
  });

  it('refuses an interleaved JSON whose summary disagrees with its samples, or whose samples are not times', () => {
    expect(() => parseBenchResult(JSON.stringify({ ...ab, rows: [{ ...ab.rows[0], wall_median: 90 }, ab.rows[1]] }), 'ab.json')).toThrow(/ab\.json: field 'rows\[0\]\.wall_median' must be the median of samples\.ours\.wall = 100, found 90/);
    expect(() => parseBenchResult(JSON.stringify({ ...ab, samples: { ...ab.samples, jaxjs: { wall: [1, 'x'], cpu: [1] } } }), 'ab.json')).toThrow(/ab\.json: field 'samples\.jaxjs\.wall' must be a non-empty array of numbers > 0/);
  });

  it("reads every JSON in bench/results/ (the README's `bench compare bench/results/*.json`)", () => {
    const dir = join(import.meta.dirname, '..', 'bench', 'results');
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) expect(() => parseBenchResult(readFileSync(join(dir, f), 'utf8'), f), f).not.toThrow();
  });
});

describe('benchmark size against adapter limits', () => {
  const limits = { maxStorageBufferBindingSize: 134217728, maxBufferSize: 268435456, maxComputeInvocationsPerWorkgroup: 256, maxComputeWorkgroupSizeX: 256, maxComputeWorkgroupStorageSize: 16384 };
  it('names the limit, the bytes needed and the value found when the paper setting does not fit', () => {
    // largest activation: up1.concat (32 up-sampled + 16 skip channels) at 512x640, batch 8, 4 bytes
    const needed = 512 * 640 * 48 * 8 * 4;
    const missing = missingLimits(limits, makeConfig({ width: 512, height: 640, widthMult: 1 }), 8);
    expect(missing).toEqual([
      { limit: 'maxStorageBufferBindingSize', needed, found: 134217728 },
      { limit: 'maxBufferSize', needed, found: 268435456 },
    ]);
    expect(describeMissing(missing, 'the U-Net')).toBe(`the U-Net needs maxStorageBufferBindingSize >= ${needed} (this adapter: 134217728), maxBufferSize >= ${needed} (this adapter: 268435456)`);
    expect(missingLimits(limits, makeConfig({ width: 64, height: 80, widthMult: 0.25 }), 2)).toEqual([]);
    expect(missingLimits({}, makeConfig({ width: 64, height: 80, widthMult: 0.25 }), 2)[0]).toMatchObject({ limit: 'maxStorageBufferBindingSize', found: NaN });
  });
});

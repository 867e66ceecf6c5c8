// bench/schema.ts: a timing's median must lie in [min, max] (boundaries included), for ours and tfjs; and
// `bench compare --results-md` (bench/compare.ts) replaces only what lies between its two markers, keeping both
// markers and everything outside them, so a second run replaces its own first output.
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchCompare, RESULTS_BEGIN, RESULTS_END } from '../bench/compare.ts';
import { checkTrainResult, BenchSchemaError } from '../bench/schema.ts';

const dir = mkdtempSync(join(tmpdir(), 'spineseg-schema-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function trainResult(ours: { ms_min: number; ms_per_step: number; ms_max: number }) {
  const t = (x: typeof ours) => ({ ...x, images_per_s: 2000 / x.ms_per_step, gflops: 1 });
  return {
    adapter: { vendor: 'v', architecture: 'a', device: '', description: 'lavapipe', backend: 'vulkan', features: [], limits: { maxBufferSize: 268435456 }, name: 'lavapipe [v a, vulkan]' },
    date: '2026-11-29T00:00:00.000Z',
    settings: { size: '64x80', batch: 2, widthMult: 0.25, steps: 3, warmup: 1, convVariant: 'register', matmulVariant: 'register' },
    flops_per_step: 1e9,
    peak_pool_bytes: 1000,
    ours: t(ours),
    tfjs: t({ ms_min: 30, ms_per_step: 40, ms_max: 50 }),
    ratio: 40 / ours.ms_per_step,
    profile: null,
  };
}

function schemaError(v: unknown): string {
  try {
    checkTrainResult(v, 'r.json');
    return 'accepted';
  } catch (e) {
    expect(e).toBeInstanceOf(BenchSchemaError);
    return (e as Error).message;
  }
}

describe('bench schema: min <= median <= max', () => {
  it('accepts a median equal to the min or the max', () => {
    expect(schemaError(trainResult({ ms_min: 10, ms_per_step: 10, ms_max: 12 }))).toBe('accepted');
    expect(schemaError(trainResult({ ms_min: 10, ms_per_step: 12, ms_max: 12 }))).toBe('accepted');
  });
  for (const [what, t] of [
    ['below the min', { ms_min: 10, ms_per_step: 9.99, ms_max: 12 }],
    ['above the max', { ms_min: 10, ms_per_step: 12.01, ms_max: 12 }],
    ['with min above max', { ms_min: 13, ms_per_step: 12.5, ms_max: 12 }],
  ] as const) {
    it(`refuses ours.ms_per_step ${what}, naming the file and the field`, () => {
      const msg = schemaError(trainResult(t));
      expect(msg, msg).toMatch(/r\.json.*ours\.ms_per_step/);
    });
  }
  it('checks tfjs too', () => {
    const r = trainResult({ ms_min: 10, ms_per_step: 11, ms_max: 12 });
    r.tfjs.ms_per_step = 60;
    expect(schemaError(r)).toMatch(/r\.json.*tfjs\.ms_per_step/);
  });
});

describe('bench compare --results-md markers', () => {
  it('replaces only the marked section, keeps both markers and the text around them, and a second run replaces the first', async () => {
    const json = join(dir, 'run.json');
    writeFileSync(json, JSON.stringify(trainResult({ ms_min: 10, ms_per_step: 11, ms_max: 12 })));
    const md = join(dir, 'RESULTS.md');
    const before = '# Results\n\nprose before\n\n';
    const after = '\n\nprose after\n';
    writeFileSync(md, `${before}${RESULTS_BEGIN}\nold table\n${RESULTS_END}${after}`);
    const table = await benchCompare([json], { resultsMd: md }, () => {});
    const once = readFileSync(md, 'utf8');
    expect(once, 'the file after one run').toBe(`${before}${RESULTS_BEGIN}\n\n${table}\n\n${RESULTS_END}${after}`);
    await benchCompare([json], { resultsMd: md }, () => {});
    expect(readFileSync(md, 'utf8'), 'a second run gives the same file').toBe(once);
  });

  it('refuses a results file without the markers and leaves it as it was', async () => {
    const json = join(dir, 'run2.json');
    writeFileSync(json, JSON.stringify(trainResult({ ms_min: 10, ms_per_step: 11, ms_max: 12 })));
    const md = join(dir, 'NOMARKS.md');
    writeFileSync(md, `text\n${RESULTS_END}\n${RESULTS_BEGIN}\n`);
    await expect(benchCompare([json], { resultsMd: md }, () => {})).rejects.toThrow(/NOMARKS\.md: no section marked/);
    expect(readFileSync(md, 'utf8')).toBe(`text\n${RESULTS_END}\n${RESULTS_BEGIN}\n`);
  });
});

// bench/compile-cost.ts: every pipeline of a list is dispatched once in a child process with an empty Mesa shader
// cache and once more with the cache it filled; the JSON names the machine and has a row per pipeline, in list
// order, in both children. A list naming a kernel that does not exist is refused with the list's file name.
// No timing assertions: only that the figures exist and are non-negative.
import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../bench/compile-cost.ts';
import { pipelineList } from '../src/kernels/pipeline-cache.ts';

describe('bench/compile-cost.ts', () => {
  it('times the first and a second dispatch of each listed pipeline, cold and warm, and names the machine', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spineseg-compile-cost-test-'));
    const keys = ['binary {"OP":0}', 'concat_channels {}'];
    const list = join(dir, 'pipelines.json');
    writeFileSync(list, JSON.stringify(pipelineList('test adapter', 'compile-cost test', keys)));
    const out = join(dir, 'cost.json');
    await run({ list, json: out, all: false, child: undefined });
    const r = JSON.parse(readFileSync(out, 'utf8'));
    expect(r.machine.cpu).toBeTypeOf('string');
    expect(r.machine.adapter).toMatch(/\S/);
    for (const side of [r.cold, r.warm]) {
      expect(side.rows.map((x: { key: string }) => x.key)).toEqual(keys);
      for (const row of side.rows) for (const f of ['firstCpu', 'firstWall', 'againCpu', 'againWall']) expect(row[f]).toBeGreaterThanOrEqual(0);
      expect(side.processCpu).toBeGreaterThan(0);
    }
  }, 180_000);

  it('refuses a list entry naming no kernel, with the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spineseg-compile-cost-test-'));
    const list = join(dir, 'pipelines.json');
    writeFileSync(list, JSON.stringify(pipelineList('test adapter', 'compile-cost test', ['no_such_kernel {}'])));
    await expect(run({ list, json: undefined, all: false, child: undefined })).rejects.toThrow(/no kernel named 'no_such_kernel'/);
  }, 180_000);
});

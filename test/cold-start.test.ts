// Cold start (src/kernels/pipeline-cache.ts, src/app/warmup.ts, the runner's precompile): the recorded pipeline
// list round-trips through its file, pipelines precompiled from a list are the ones later dispatched and give the
// same bytes as lazily created ones (and a kernel check passes on them), a corrupt or old list is ignored with one
// line, and the progress callback sees (done, total). No timing assertions.
import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gpu, Gpu } from '../src/runtime/gpu.ts';
import { nodeGpu } from '../src/runtime/platform-node.ts';
import { withSettings } from '../src/runtime/settings.ts';
import { pipelineKey, usedPipelineKeys } from '../src/kernels/runner.ts';
import { matmulRegisterKernel, matmulTiledKernel } from '../src/kernels/matmul.ts';
import { parsePipelineKey, pipelineList, precompilePipelines, validatePipelineList, PIPELINE_LIST_VERSION } from '../src/kernels/pipeline-cache.ts';
import { pipelineListFile, warmUpPipelines } from '../src/app/warmup.ts';
import { checks } from '../src/checks/core.ts';

/** Every matmul pipeline there is: two kernels, each with TA, TB, ACC in {0, 1}. */
const matmulKeys = [matmulRegisterKernel, matmulTiledKernel].flatMap((k) =>
  [0, 1].flatMap((TA) => [0, 1].flatMap((TB) => [0, 1].map((ACC) => pipelineKey(k.name, { TA, TB, ACC })))),
);

/** C = A B of two 5x7 and 7x6 matrices by one matmul kernel on `g`, read back as bytes. */
async function matmulBytes(g: Gpu, kernel: typeof matmulRegisterKernel): Promise<Uint8Array> {
  const M = 5, K = 7, N = 6;
  const buf = (data: Float32Array | null, n: number) => {
    const b = g.device.createBuffer({ size: 4 * n, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    if (data) g.write(b, data);
    return b;
  };
  const A = buf(new Float32Array(M * K).map((_, i) => Math.sin(i + 1)), M * K);
  const B = buf(new Float32Array(K * N).map((_, i) => Math.cos(3 * i)), K * N);
  const C = buf(null, M * N);
  kernel.dispatch(g, { A, B, C }, { M, N, K }, [Math.ceil(N / 32), Math.ceil(M / 32), 1], { TA: 0, TB: 0, ACC: 0 });
  const out = new Uint8Array(await g.read(C, 4 * M * N));
  [A, B, C].forEach((b) => b.destroy());
  return out;
}

describe('precompiled pipelines', () => {
  // first in the file, so this process has created no matmul pipeline yet
  it('are the ones a kernel check then dispatches, and the check passes on them', async () => {
    const g = gpu();
    const steps: [number, number][] = [];
    const r = await precompilePipelines(g.device, matmulKeys, (done, total) => steps.push([done, total]));
    expect(r.problems).toEqual([]);
    expect(r.compiled + r.present).toBe(matmulKeys.length);
    for (const key of matmulKeys) {
      const { kernel, constants } = parsePipelineKey(key) as { kernel: string; constants: Record<string, number> };
      expect((kernel === 'matmul_tiled' ? matmulTiledKernel : matmulRegisterKernel).hasPipeline(g.device, constants), key).toBe(true);
    }
    const matmulChecks = checks.filter((c) => c.name.includes('matmul'));
    expect(matmulChecks.length).toBeGreaterThan(0);
    for (const c of matmulChecks) {
      const result = await c.run();
      expect(result.pass, `${c.name}: ${result.detail}`).toBe(true);
    }
    const used = usedPipelineKeys().filter((k) => k.startsWith('matmul_'));
    expect(used.length).toBeGreaterThan(0);
    for (const k of used) expect(matmulKeys, `${k} was dispatched without being precompiled`).toContain(k);
    // the progress callback: (0, total) first, then each settled one, ending at (total, total)
    expect(steps[0]).toEqual([0, r.compiled]);
    expect(steps.at(-1)).toEqual([r.compiled, r.compiled]);
    expect(steps.map(([d]) => d)).toEqual([...Array(r.compiled + 1).keys()]);
  });

  it('give the same bytes as pipelines created lazily on first use', async () => {
    const g = gpu();
    const adapter = await (await nodeGpu()).requestAdapter({ powerPreference: 'high-performance' });
    const device = await adapter!.requestDevice({ requiredLimits: { maxStorageBufferBindingSize: g.limits.maxStorageBufferBindingSize, maxBufferSize: g.limits.maxBufferSize } });
    const lazy = new Gpu(device, g.adapter);
    try {
      for (const kernel of [matmulRegisterKernel, matmulTiledKernel]) {
        expect(kernel.hasPipeline(lazy.device, { TA: 0, TB: 0, ACC: 0 })).toBe(false);
        expect(kernel.hasPipeline(g.device, { TA: 0, TB: 0, ACC: 0 })).toBe(true); // precompiled by the test above
        const [a, b] = [await matmulBytes(g, kernel), await matmulBytes(lazy, kernel)];
        expect(Buffer.from(a).equals(Buffer.from(b)), `${kernel.name}: precompiled and lazy pipelines differ`).toBe(true);
      }
    } finally {
      lazy.destroy();
    }
  });

  it('reports (done, total) to the progress callback, also for an empty list', async () => {
    const calls: [number, number][] = [];
    const r = await precompilePipelines(gpu().device, [], (d, t) => calls.push([d, t]));
    expect(r).toEqual({ compiled: 0, present: 0, problems: [] });
    expect(calls).toEqual([[0, 0]]);
  });
});

describe('the recorded pipeline list', () => {
  const run = JSON.stringify(['test', 1]);

  it('round-trips: keys in canonical form, the file written and read back, the list precompiled again', async () => {
    for (const key of usedPipelineKeys()) {
      const p = parsePipelineKey(key);
      expect(typeof p, `${key}: ${String(p)}`).toBe('object');
      const { kernel, constants } = p as { kernel: string; constants: Record<string, number> };
      expect(pipelineKey(kernel, constants)).toBe(key);
    }
    const list = pipelineList('some adapter', run, usedPipelineKeys());
    expect(validatePipelineList(JSON.parse(JSON.stringify(list)), 'memory')).toEqual(list);

    const dir = mkdtempSync(join(tmpdir(), 'spineseg-pipelines-'));
    await withSettings({ tuneDir: dir }, async () => {
      const lines: string[] = [];
      const first = await warmUpPipelines(run, undefined, (l) => lines.push(l), true);
      expect(first.compiled).toBe(0); // no list yet: the first run creates its pipelines lazily
      await matmulBytes(gpu(), matmulRegisterKernel);
      first.save();
      const file = pipelineListFile(run)!;
      const saved = validatePipelineList(JSON.parse(readFileSync(file, 'utf8')), file);
      expect(saved.keys).toEqual(usedPipelineKeys());
      expect(saved.run).toBe(run);
      const steps: [number, number][] = [];
      const again = await warmUpPipelines(run, (d, t) => steps.push([d, t]), (l) => lines.push(l), true);
      expect(again.compiled).toBe(0); // all already in this process
      expect(steps).toEqual([[0, 0]]);
      expect(lines).toEqual([]);
      // another run (or other kernel settings) has its own file
      expect(pipelineListFile(JSON.stringify(['test', 2]))).not.toBe(file);
      await withSettings({ fusedEpilogues: false }, async () => expect(pipelineListFile(run)).not.toBe(file));
      await withSettings({ precompile: false }, async () => expect(pipelineListFile(run)).toBeNull());
    });
  });

  it('is ignored with one line when corrupt, of another version or malformed, never a crash', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spineseg-pipelines-'));
    await withSettings({ tuneDir: dir }, async () => {
      const file = pipelineListFile(run)!;
      const bad: [string, RegExp][] = [
        ['{"version": 1, "keys": [', /not valid JSON|JSON/],
        [JSON.stringify({ version: PIPELINE_LIST_VERSION + 1, keys: [] }), /field 'version' is 2, expected 1/],
        [JSON.stringify({ version: PIPELINE_LIST_VERSION, keys: 'matmul_register {}' }), /field 'keys'/],
        [JSON.stringify({ version: PIPELINE_LIST_VERSION, keys: [42] }), /keys\[0\] is 42/],
        ['[]', /not a JSON object/],
      ];
      for (const [text, why] of bad) {
        writeFileSync(file, text);
        const lines: string[] = [];
        const w = await warmUpPipelines(run, undefined, (l) => lines.push(l), true);
        expect(w.compiled, text).toBe(0);
        expect(lines.length, text).toBe(1);
        expect(lines[0]).toContain(file);
        expect(lines[0]).toMatch(why);
        expect(lines[0]).toContain('ignored');
      }
      // on a CPU adapter (lavapipe here) a list is not precompiled unless asked: nothing compiled, nothing logged
      const cpuKey = pipelineKey('matmul_tiled', { TA: 1, TB: 0, ACC: 1 });
      writeFileSync(file, JSON.stringify({ version: PIPELINE_LIST_VERSION, adapter: 'x', run, date: '', keys: [cpuKey] }));
      const quiet: string[] = [];
      const skipped = await warmUpPipelines(run, undefined, (l) => quiet.push(l));
      expect([skipped.compiled, quiet]).toEqual([0, []]);
      expect(matmulTiledKernel.hasPipeline(gpu().device, { TA: 1, TB: 0, ACC: 1 })).toBe(true); // precompiled by the first test
      // entries this version lacks are skipped in one line; the rest is compiled
      const fresh = pipelineKey('matmul_tiled', { TA: 1, TB: 1, ACC: 1 });
      writeFileSync(file, JSON.stringify({ version: PIPELINE_LIST_VERSION, adapter: 'x', run, date: '', keys: ['no_such_kernel {}', 'matmul_register {"TA":"x"}', 'matmul_register{}', fresh] }));
      const lines: string[] = [];
      const w = await warmUpPipelines(run, undefined, (l) => lines.push(l), true);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/3 of 4 pipelines skipped \(no kernel named 'no_such_kernel'/);
      expect(w.compiled).toBeLessThanOrEqual(1); // 0 when the first test had already compiled it
      expect(matmulTiledKernel.hasPipeline(gpu().device, { TA: 1, TB: 1, ACC: 1 })).toBe(true);
    });
  });

  it('a pipeline that fails to compile is reported, not thrown', async () => {
    // an override constant the shader does not declare makes createComputePipelineAsync reject
    const r = await precompilePipelines(gpu().device, [pipelineKey('matmul_register', { NOT_AN_OVERRIDE: 1 })]);
    expect(r.compiled).toBe(0);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toContain('matmul_register {"NOT_AN_OVERRIDE":1}');
    gpu().check(); // no uncaptured error left behind
  });
});

// What each pipeline costs to compile on this adapter, the first time it is dispatched: lavapipe compiles a
// pipeline's LLVM code at its first dispatch (bench/RESULTS.md, "Cold start"), so a run's cold start is the sum
// of these. Each pipeline of a list (a run's recorded `pipelines-*.json`, src/app/warmup.ts) is dispatched once on
// one workgroup with zeroed parameters and small buffers, and the process CPU time (every lavapipe thread included)
// and wall time of that dispatch are taken; a second dispatch of the same pipeline gives what running it costs, so
// the difference is the compile. The children run with an empty Mesa shader cache (cold) and then with the cache
// they filled (warm: what a cache hit costs). The machine and adapter are recorded with the figures.
//
//   npx tsx bench/compile-cost.ts --list ~/.cache/spineseg/pipelines-<adapter>-<run>.json --json out.json
//   npx tsx bench/compile-cost.ts --all        (every kernel of the registry, default constants)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchMain, type BenchArgs } from './args.ts';

export const compileCostFlags = {
  '--list': { kind: 'string', doc: "a run's pipeline list (pipelines-*.json next to the tune cache)" },
  '--all': { kind: 'boolean', doc: 'every kernel of the registry with its default constants, instead of a list' },
  '--json': { kind: 'string', doc: 'write the figures and the machine here' },
  '--child': { kind: 'string', doc: 'internal: measure these keys (a JSON file) in this process' },
} as const;

type Options = BenchArgs<typeof compileCostFlags>;

interface Row {
  key: string;
  /** CPU ms (user + system, all threads) of the first dispatch and its wait */
  firstCpu: number;
  firstWall: number;
  /** the same for a second dispatch of the compiled pipeline */
  againCpu: number;
  againWall: number;
}

async function child(keysFile: string): Promise<void> {
  const keys = JSON.parse(readFileSync(keysFile, 'utf8')) as string[];
  const { initGpu } = await import('../src/runtime/gpu.ts');
  const { registry } = await import('../src/kernels/runner.ts');
  const { parsePipelineKey, placeholderBindings } = await import('../src/kernels/pipeline-cache.ts');
  const g = await initGpu();
  const pool: GPUBuffer[] = [];
  const buffer = () => {
    const b = g.device.createBuffer({ size: 4096, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC });
    pool.push(b);
    return b;
  };
  const rows: Row[] = [];
  for (const key of keys) {
    const parsed = parsePipelineKey(key);
    if (typeof parsed === 'string') throw new Error(`pipeline list: ${parsed}`);
    const k = registry.get(parsed.kernel)!;
    const { buffers, params } = placeholderBindings(k, buffer);
    const once = async () => {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      k.dispatch(g, buffers, params, [1, 1, 1], parsed.constants);
      await g.sync();
      const c = process.cpuUsage(c0);
      return { cpu: (c.user + c.system) / 1000, wall: performance.now() - t0 };
    };
    const first = await once();
    const again = await once();
    rows.push({ key, firstCpu: first.cpu, firstWall: first.wall, againCpu: again.cpu, againWall: again.wall });
  }
  for (const b of pool) b.destroy();
  const { machineInfo } = await import('./machine.ts');
  const c = process.cpuUsage();
  console.log(`ROWS ${JSON.stringify({ machine: machineInfo(g.adapter), rows, processCpu: (c.user + c.system) / 1000 })}`);
}

function measure(keysFile: string, cacheDir: string): { machine: unknown; rows: Row[]; processCpu: number; processWall: number } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--child', keysFile], {
    env: { ...process.env, MESA_SHADER_CACHE_DIR: cacheDir, SPINESEG_PRECOMPILE: '0' },
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const wall = performance.now() - t0;
  const line = r.stdout.split('\n').find((l) => l.startsWith('ROWS '));
  if (r.status !== 0 || !line) throw new Error(`compile-cost child failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return { ...(JSON.parse(line.slice(5)) as { machine: unknown; rows: Row[]; processCpu: number }), processWall: wall };
}

export async function run(o: Options): Promise<void> {
  if (o.child) return child(o.child);
  let keys: string[];
  let source: string;
  if (o.all) {
    const { registry } = await import('../src/kernels/runner.ts');
    await import('../src/kernels/all.ts');
    keys = [...registry.keys()].sort().map((name) => `${name} {}`);
    source = 'every kernel, default constants';
  } else if (o.list) {
    const { validatePipelineList, parsePipelineKey } = await import('../src/kernels/pipeline-cache.ts');
    const list = validatePipelineList(JSON.parse(readFileSync(o.list, 'utf8')), o.list);
    keys = list.keys;
    for (const [i, key] of keys.entries()) {
      const parsed = parsePipelineKey(key);
      if (typeof parsed === 'string') throw new Error(`${o.list}: keys[${i}]: ${parsed}`);
    }
    source = `the list of run ${list.run.slice(0, 120)}`;
  } else throw new Error('compile-cost: give --list <pipelines-*.json> or --all');
  const dir = mkdtempSync(join(tmpdir(), 'spineseg-compile-cost-'));
  try {
    const keysFile = join(dir, 'keys.json');
    writeFileSync(keysFile, JSON.stringify(keys));
    const cache = join(dir, 'mesa');
    const cold = measure(keysFile, cache);
    const warm = measure(keysFile, cache);
    const total = (rows: Row[], f: (r: Row) => number) => rows.reduce((s, r) => s + f(r), 0);
    console.log(`${keys.length} pipelines (${source}); ${JSON.stringify(cold.machine)}`);
    console.log('| pipeline | cold: first dispatch CPU ms | wall ms | again CPU ms | warm (cache hit): first dispatch CPU ms |');
    console.log('|---|---|---|---|---|');
    const order = cold.rows.map((r, i) => i).sort((a, b) => cold.rows[b]!.firstCpu - cold.rows[a]!.firstCpu);
    for (const i of order) {
      const c = cold.rows[i]!;
      const w = warm.rows[i]!;
      console.log(`| ${c.key} | ${c.firstCpu.toFixed(0)} | ${c.firstWall.toFixed(0)} | ${c.againCpu.toFixed(1)} | ${w.firstCpu.toFixed(0)} |`);
    }
    console.log(`| **all** | ${total(cold.rows, (r) => r.firstCpu).toFixed(0)} | ${total(cold.rows, (r) => r.firstWall).toFixed(0)} | ${total(cold.rows, (r) => r.againCpu).toFixed(0)} | ${total(warm.rows, (r) => r.firstCpu).toFixed(0)} |`);
    console.log(`whole child process: cold ${(cold.processCpu / 1000).toFixed(1)} s CPU / ${(cold.processWall / 1000).toFixed(1)} s wall, warm ${(warm.processCpu / 1000).toFixed(1)} s CPU / ${(warm.processWall / 1000).toFixed(1)} s wall`);
    if (o.json) {
      writeFileSync(o.json, JSON.stringify({ date: new Date().toISOString(), machine: cold.machine, source, gallivmPerf: process.env.GALLIVM_PERF ?? null, cold, warm }, null, 2) + '\n');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

benchMain(import.meta, 'bench/compile-cost.ts', compileCostFlags, run);

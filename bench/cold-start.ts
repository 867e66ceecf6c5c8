// Cold start, measured from process start on a warm disk: the time to the first training step and a one-slice
// `predict`, each before (SPINESEG_PRECOMPILE=0: pipelines created synchronously on first use) and after
// (the run's recorded pipeline list precompiled in parallel, src/app/warmup.ts), with the caches cold (an empty
// tune dir and an empty Mesa shader cache, MESA_SHADER_CACHE_DIR) and warm (both primed by an earlier run),
// interleaved round by round. Also what the TypeScript loader costs: `node -e ''` against `node --import tsx -e ''`,
// and `spineseg --help` through tsx against an esbuild bundle of the CLI. Wall and CPU time (user + system, from
// /usr/bin/time) of every process.
//
//   npx tsx bench/cold-start.ts --rounds 3 --json bench/results/cold-start/cold-start-2026-12-06.json
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, symlinkSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchMain, type BenchArgs } from './args.ts';

export const coldStartFlags = {
  '--rounds': { kind: 'number', doc: 'interleaved rounds of every scenario', default: 3, min: 1, integer: true },
  '--what': { kind: 'string', doc: 'comma-separated: train, predict, loader', default: 'train,predict,loader' },
  '--json': { kind: 'string', doc: 'write the raw numbers and the machine here' },
  '--child': { kind: 'string', doc: 'internal: run one measured training start (train)' },
  '--out': { kind: 'string', doc: 'internal: the child training run folder' },
} as const;

type Options = BenchArgs<typeof coldStartFlags>;

const root = new URL('..', import.meta.url).pathname;
const TRAIN = { data: join(root, 'data/sample'), width: 128, height: 160, widthMult: 0.25, batchSize: 8 };
const PREDICT_INPUT = 'models/default/test-subset/images/18_t2_SPACE_slice56.png';

/** The child: what `spineseg train --size 128x160 --width-mult 0.25 --epochs 1 --steps-per-epoch 1` does, printing the first step's moment. */
async function childTrain(out: string): Promise<void> {
  const { loadNodeTuning } = await import('../src/app/tune-store-node.ts');
  await loadNodeTuning();
  const { compileWithProgress } = await import('../src/cli/compile-progress.ts');
  const { helperCompileStats } = await import('../src/app/warmup.ts');
  const { augmentLevel } = await import('../src/model/augment.ts');
  const augment = augmentLevel('default');
  const warm = await compileWithProgress(JSON.stringify(['train', TRAIN.width, TRAIN.height, TRAIN.widthMult, TRAIN.batchSize, augment.level]));
  const { runTraining } = await import('../src/app/session.ts');
  let first = true;
  const progress = {
    step: () => {
      if (!first) return;
      first = false;
      const c = process.cpuUsage();
      console.log(`FIRST_STEP ${performance.now().toFixed(0)} ${((c.user + c.system) / 1000).toFixed(0)} ${warm.compiled} ${helperCompileStats.dispatched}`);
    },
    endEpoch: () => warm.save(),
  };
  await runTraining({ ...TRAIN, out, epochs: 1, patience: 10, lr: 0.001, lrSchedule: 'constant', warmupEpochs: 2, augment, bnMomentum: 0.99, testFraction: 0.15, valFraction: 0.12, seed: 42, stepsPerEpoch: 1, resume: false }, () => {}, progress);
  warm.save();
}

interface Sample {
  what: string;
  scenario: string;
  round: number;
  /** wall ms of the whole process, from spawn to exit */
  wallMs: number;
  /** user + system CPU ms of the process and its children (/usr/bin/time) */
  cpuMs: number;
  /** train: wall ms from spawn to the first step, and the child's own CPU ms by then */
  firstStepMs?: number;
  firstStepCpuMs?: number;
  /** pipelines precompiled from a list */
  precompiled?: number;
  /** pipelines the helper device had compiled by the first step (src/kernels/pipeline-cache.ts installHelperCompile) */
  helperDispatched?: number;
}

function timed(cmd: string[], env: Record<string, string>): Promise<{ wallMs: number; cpuMs: number; stdout: string; firstAt: number | null }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let firstAt: number | null = null;
    let stdout = '';
    let stderr = '';
    const p = spawn('/usr/bin/time', ['-f', 'TIME %e %U %S', ...cmd], { cwd: root, env: { ...process.env, ...env } });
    p.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (firstAt === null && stdout.includes('FIRST_STEP')) firstAt = performance.now() - t0;
    });
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => {
      const wallMs = performance.now() - t0;
      const m = /TIME ([\d.]+) ([\d.]+) ([\d.]+)/.exec(stderr);
      if (code !== 0 || !m) return reject(new Error(`${cmd.join(' ')} exited ${code}: ${stderr.slice(-600)}`));
      resolve({ wallMs, cpuMs: (Number(m[2]) + Number(m[3])) * 1000, stdout, firstAt });
    });
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export async function run(o: Options): Promise<Sample[]> {
  if (o.child === 'train') {
    await childTrain(o.out!);
    return [];
  }
  const what = o.what.split(',');
  const base = mkdtempSync(join(tmpdir(), 'spineseg-cold-'));
  const samples: Sample[] = [];
  // warm caches: one tune dir and one Mesa cache per verb and side, primed once before the rounds
  const warmDirs = (side: string, verb: string) => ({ tune: join(base, `warm-${side}-${verb}-tune`), mesa: join(base, `warm-${side}-${verb}-mesa`) });
  let fresh = 0;
  const coldDirs = () => ({ tune: join(base, `cold-${++fresh}-tune`), mesa: join(base, `cold-${fresh}-mesa`) });
  const envFor = (side: string, dirs: { tune: string; mesa: string }) => {
    mkdirSync(dirs.mesa, { recursive: true });
    return { SPINESEG_PRECOMPILE: side === 'after' ? '1' : '0', SPINESEG_TUNE_DIR: dirs.tune, MESA_SHADER_CACHE_DIR: dirs.mesa };
  };
  const once = async (verb: string, scenario: string, round: number) => {
    const [side, cache] = scenario.split('-') as [string, string];
    // listonly: the recorded list with an empty Mesa cache (what the parallel precompile alone gains)
    const dirs = cache === 'warm' ? warmDirs(side, verb) : cache === 'listonly' ? { tune: warmDirs(side, verb).tune, mesa: coldDirs().mesa } : coldDirs();
    const env = envFor(side, dirs);
    if (verb === 'train') {
      const out = join(base, `run-${++fresh}`);
      const r = await timed(['node', '--import', 'tsx', 'bench/cold-start.ts', '--child', 'train', '--out', out], env);
      const m = /FIRST_STEP (\d+) (\d+) (\d+) (\d+)/.exec(r.stdout);
      rmSync(out, { recursive: true, force: true });
      return { what: verb, scenario, round, wallMs: r.wallMs, cpuMs: r.cpuMs, firstStepMs: r.firstAt ?? undefined, firstStepCpuMs: m ? Number(m[2]) : undefined, precompiled: m ? Number(m[3]) : undefined, helperDispatched: m ? Number(m[4]) : undefined };
    }
    const outDir = join(base, `pred-${++fresh}`);
    const r = await timed(['npx', 'spineseg', 'predict', '--input', PREDICT_INPUT, '--output', outDir], env);
    rmSync(outDir, { recursive: true, force: true });
    return { what: verb, scenario, round, wallMs: r.wallMs, cpuMs: r.cpuMs };
  };
  const scenarios = ['before-cold', 'after-cold', 'after-listonly', 'before-warm', 'after-warm'];
  for (const verb of what.filter((w) => w === 'train' || w === 'predict')) {
    for (const side of ['before', 'after']) await once(verb, `${side}-warm`, 0); // primes the warm caches (not recorded)
    for (let round = 1; round <= o.rounds; round++) {
      for (let j = 0; j < scenarios.length; j++) {
        const s = await once(verb, scenarios[(j + round - 1) % scenarios.length]!, round);
        samples.push(s);
        console.log(`${verb} ${s.scenario.padEnd(12)} round ${round}: ${s.firstStepMs !== undefined ? `first step ${(s.firstStepMs / 1000).toFixed(1)} s (CPU ${((s.firstStepCpuMs ?? 0) / 1000).toFixed(1)} s, ${s.precompiled} precompiled, ${s.helperDispatched} by the helper device), ` : ''}total ${(s.wallMs / 1000).toFixed(1)} s wall, ${(s.cpuMs / 1000).toFixed(1)} s CPU`);
      }
    }
  }
  if (what.includes('loader')) {
    const bundleDir = join(base, 'bundle');
    // the bundle sits two folders deep beside links to shaders/ and node_modules/, where src/cli/main.ts would be
    mkdirSync(join(bundleDir, 'src', 'cli'), { recursive: true });
    for (const name of ['shaders', 'node_modules', 'models', 'package.json']) if (!existsSync(join(bundleDir, name))) symlinkSync(join(root, name), join(bundleDir, name));
    execFileSync(join(root, 'node_modules/.bin/esbuild'), ['src/cli/main.ts', '--bundle', '--platform=node', '--format=esm', '--packages=external', `--outfile=${join(bundleDir, 'src/cli/main.mjs')}`, '--log-level=error'], { cwd: root });
    writeFileSync(join(bundleDir, 'run.mjs'), "const { main } = await import('./src/cli/main.mjs');\nawait main(process.argv);\n");
    const loaders: [string, string[]][] = [
      ['node -e ""', ['node', '-e', '']],
      ['node --import tsx -e ""', ['node', '--import', 'tsx', '-e', '']],
      ['npx spineseg --help', ['npx', 'spineseg', '--help']],
      ['node bin/spineseg.mjs --help', ['node', 'bin/spineseg.mjs', '--help']],
      ['node <esbuild bundle> --help', ['node', join(bundleDir, 'run.mjs'), '--help']],
    ];
    for (let round = 1; round <= o.rounds + 2; round++) {
      for (const [scenario, cmd] of loaders) {
        const r = await timed(cmd, {});
        samples.push({ what: 'loader', scenario, round, wallMs: r.wallMs, cpuMs: r.cpuMs });
      }
    }
    for (const [scenario] of loaders) {
      const xs = samples.filter((s) => s.what === 'loader' && s.scenario === scenario);
      console.log(`loader ${scenario.padEnd(30)} median ${median(xs.map((s) => s.wallMs)).toFixed(0)} ms wall, ${median(xs.map((s) => s.cpuMs)).toFixed(0)} ms CPU (${xs.length} runs)`);
    }
  }
  for (const verb of ['train', 'predict']) {
    for (const scenario of scenarios) {
      const xs = samples.filter((s) => s.what === verb && s.scenario === scenario);
      if (xs.length === 0) continue;
      const first = xs.filter((s) => s.firstStepMs !== undefined);
      console.log(`${verb} ${scenario.padEnd(12)} median ${first.length ? `first step ${(median(first.map((s) => s.firstStepMs!)) / 1000).toFixed(1)} s, ` : ''}total ${(median(xs.map((s) => s.wallMs)) / 1000).toFixed(1)} s wall, ${(median(xs.map((s) => s.cpuMs)) / 1000).toFixed(1)} s CPU (${xs.length} runs)`);
    }
  }
  if (o.json) {
    const { initGpu } = await import('../src/runtime/gpu.ts');
    const { machineInfo } = await import('./machine.ts');
    const g = await initGpu();
    writeFileSync(o.json, JSON.stringify({ bench: 'cold-start', date: new Date().toISOString(), machine: machineInfo(g.adapter), loadAverage: (await import('node:os')).loadavg(), samples }, null, 1) + '\n');
  }
  rmSync(base, { recursive: true, force: true });
  return samples;
}

benchMain(import.meta, 'bench/cold-start.ts', coldStartFlags, run);

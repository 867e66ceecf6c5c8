// `spineseg bench train | kernels | metrics | matmul`: the benchmarks in bench/, from the CLI.
import type { Command } from 'commander';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseNumber, parseModelShape, DEFAULT_MODEL_SIZE } from './options.ts';

const benchDir = fileURLToPath(new URL('../../bench/', import.meta.url));

/** Runs a bench script in its own process (each creates its own GPU and tfjs instance). */
function runScript(script: string, args: string[]): void {
  const r = spawnSync(process.execPath, ['--import', 'tsx', `${benchDir}${script}`, ...args], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`bench/${script} failed (exit ${r.status})`);
}

/**
 * The benchmarks live in the repository, not in the published package (package.json "files"), and their peers
 * (tfjs, jax-js, onnxruntime-web) are dev dependencies: an installed `spineseg bench` says where to get them.
 */
function requireBenchDir(): void {
  if (!existsSync(benchDir)) throw new Error(`spineseg bench: ${benchDir} not found: the benchmarks are not part of the installed package; run them from a clone of the repository after \`npm ci\` (it installs tfjs, jax-js and onnxruntime-web, the peers they time)`);
}

export function register(program: Command): void {
  const bench = program.command('bench').description('benchmarks against tfjs-backend-webgpu, jax-js and onnxruntime-web on the same adapter, and PyTorch CPU (from a clone of the repository)');
  bench.hook('preAction', () => requireBenchDir());
  bench
    .command('train')
    .description('time full U-Net training steps, spineseg and tfjs-backend-webgpu')
    .option('--size <WxH>', 'input width x height', DEFAULT_MODEL_SIZE)
    .option('--batch <n>', 'batch size', '2')
    .option('--width-mult <m>', 'channel width multiplier', '1')
    .option('--steps <k>', 'timed steps', '5')
    .option('--warmup <k>', 'warm-up steps', '1')
    .option('--no-tfjs', 'skip the tfjs-backend-webgpu baseline')
    .option('--jaxjs', 'also time jax-js (@jax-js/jax, WebGPU) on the same adapter, after checking its loss and gradients against ours')
    .option('--json <file>', 'write the results as JSON')
    .option('--profile', 'also time one step per kernel with GPU timestamp queries')
    .option('--tune', 'first run `spineseg tune` at this size, batch and width (its cache, this adapter) and use its choices')
    .option('--augment <level>', 'augment each step (none | light | default | heavy) and time interleaved steps without / with it')
    .option('--torch [python]', 'also time PyTorch on the CPU (bench/gpu/unet_torch.py; needs `import torch`), optionally with this python', false)
    .action(async (o: { size: string; batch: string; widthMult: string; steps: string; warmup: string; tfjs: boolean; jaxjs?: boolean; json?: string; profile?: boolean; tune?: boolean; augment?: string; torch: boolean | string }) => {
      const { benchTrain } = await import('../../bench/train.ts');
      const { augmentLevel } = await import('../model/augment.ts');
      await benchTrain({
        ...parseModelShape(o),
        steps: parseNumber(o.steps, '--steps', { min: 1, integer: true }),
        warmup: parseNumber(o.warmup, '--warmup', { min: 0, integer: true }),
        tfjs: o.tfjs,
        jaxjs: Boolean(o.jaxjs),
        json: o.json,
        profile: Boolean(o.profile),
        tune: Boolean(o.tune),
        augment: o.augment === undefined ? undefined : augmentLevel(o.augment),
        torch: o.torch === false ? undefined : o.torch === true ? 'python3' : o.torch,
      });
    });
  bench
    .command('compare')
    .description('one table (and a PNG chart) of result JSONs from bench train/kernels --json or the web app, any adapters')
    .argument('<files...>', 'result JSON files')
    .option('--png <file>', 'write the chart here', 'bench-compare.png')
    .option('--results-md <file>', "replace the marked 'bench compare' section of this markdown file (bench/RESULTS.md)")
    .action(async (files: string[], o: { png: string; resultsMd?: string }) => {
      const { benchCompare } = await import('../../bench/compare.ts');
      await benchCompare(files, { png: o.png, resultsMd: o.resultsMd });
    });
  bench
    .command('memory')
    .description('a long training run: live GPU buffers, pooled bytes and process RSS at the start, step 100, middle and end')
    .option('--steps <n>', 'training steps', '1000')
    .option('--size <WxH>', 'input width x height', '64x80')
    .option('--width-mult <m>', 'channel width multiplier', '0.125')
    .option('--batch <n>', 'batch size', '2')
    .option('--data <dir>', 'slice folder (default: the built-in sample)')
    .option('--json <file>', 'write the samples as JSON')
    .action(async (o: { steps: string; size: string; widthMult: string; batch: string; data?: string; json?: string }) => {
      const { benchMemory } = await import('../../bench/memory.ts');
      await benchMemory({
        steps: parseNumber(o.steps, '--steps', { min: 100, integer: true }),
        ...parseModelShape(o),
        data: o.data,
        json: o.json,
      });
    });
  for (const [name, script, what] of [
    ['kernels', 'kernels.ts', 'conv and transposed conv kernels at the U-Net layer shapes'],
    ['metrics', 'metrics.ts', 'GPU metrics against the TypeScript reference'],
    ['matmul', 'matmul.ts', 'f32 matmul GFLOP/s'],
    ['winograd', 'winograd.ts', 'Winograd vs direct 3x3 convs per U-Net layer shape and pass (--errors: float64 errors)'],
    ['train-ab', 'train_ab.ts', 'training steps of several engines interleaved step by step (--direct, --tfjs, --torch, --no-idle-waits)'],
    ['predict-ab', 'predict_ab.ts', 'one full-size slice, default conv choices vs all direct, interleaved'],
    ['predict', 'predict_peers.ts', 'full-size slices with a checkpoint, ours against onnxruntime-web (--ort: WebGPU and Wasm providers, checked first), interleaved'],
  ] as const) {
    bench
      .command(name)
      .description(what)
      .allowUnknownOption()
      .argument('[args...]', `passed to bench/${script}`)
      .action((args: string[]) => runScript(script, args));
  }
}

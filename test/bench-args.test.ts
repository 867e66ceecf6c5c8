// The bench scripts' one flag parser (bench/args.ts): unknown flags, missing values and non-numbers refused in
// one line naming the flag and the value (and a non-zero exit when a script is run), WIDTHxHEIGHT sizes, and
// one default model size (src/cli/options.ts DEFAULT_MODEL_SIZE) for tune, bench train, demo and the bench scripts.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { parseBenchArgs, benchUsage, type FlagSpecs } from '../bench/args.ts';
import { DEFAULT_MODEL_SIZE } from '../src/cli/options.ts';
import { buildProgram } from '../src/cli/main.ts';
import { trainAbFlags } from '../bench/train_ab.ts';
import { winogradFlags } from '../bench/winograd.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

const flags = {
  '--size': { kind: 'size', doc: 'WxH', default: DEFAULT_MODEL_SIZE },
  '--steps': { kind: 'number', doc: 'steps', default: 5, min: 1, integer: true },
  '--width-mult': { kind: 'number', doc: 'width', default: 1, min: 0.01 },
  '--flush-every': { kind: 'numbers', doc: 'per N', min: 0, integer: true },
  '--json': { kind: 'string', doc: 'file' },
  '--quick': { kind: 'boolean', doc: 'fewer' },
} as const satisfies FlagSpecs;

const refusal = (argv: string[]) => {
  try {
    parseBenchArgs('bench/x.ts', flags, argv);
  } catch (e) {
    return (e as Error).message;
  }
  return 'accepted';
};

describe('bench flags', () => {
  it('gives the defaults, typed, with camel-case names', () => {
    expect(parseBenchArgs('bench/x.ts', flags, [])).toEqual({ size: { width: 128, height: 160 }, steps: 5, widthMult: 1, flushEvery: [], json: undefined, quick: false });
    expect(parseBenchArgs('bench/x.ts', flags, ['--size', '160x128', '--steps=7', '--width-mult', '0.25', '--flush-every', '16,64', '--json', 'out.json', '--quick'])).toEqual({
      size: { width: 160, height: 128 },
      steps: 7,
      widthMult: 0.25,
      flushEvery: [16, 64],
      json: 'out.json',
      quick: true,
    });
  });

  it('refuses an unknown flag, naming it', () => {
    expect(refusal(['--stesp', '3'])).toBe('bench/x.ts: unknown flag --stesp (flags: --size, --steps, --width-mult, --flush-every, --json, --quick)');
    expect(refusal(['extra'])).toMatch(/^bench\/x\.ts: unexpected argument 'extra'/);
  });

  it('refuses a value that is not a number (NaN), out of range or not an integer, naming the flag and the value', () => {
    expect(refusal(['--steps', 'abc'])).toBe("bench/x.ts: --steps 'abc' must be an integer >= 1");
    expect(refusal(['--steps', '0'])).toBe("bench/x.ts: --steps '0' must be an integer >= 1");
    expect(refusal(['--steps', '2.5'])).toBe("bench/x.ts: --steps '2.5' must be an integer >= 1");
    expect(refusal(['--width-mult', 'NaN'])).toBe("bench/x.ts: --width-mult 'NaN' must be a number >= 0.01");
    expect(refusal(['--flush-every', '16,x'])).toBe("bench/x.ts: --flush-every 'x' must be an integer >= 0");
  });

  it('refuses a flag without its value, a value on a switch and a repeated flag', () => {
    expect(refusal(['--steps'])).toBe('bench/x.ts: --steps needs a value');
    expect(refusal(['--json', '--quick'])).toBe('bench/x.ts: --json needs a value');
    expect(refusal(['--quick=1'])).toBe("bench/x.ts: --quick takes no value (got '1')");
    expect(refusal(['--steps', '2', '--steps', '3'])).toBe('bench/x.ts: --steps given twice');
  });

  it('parses sizes as WIDTHxHEIGHT and refuses other spellings', () => {
    expect(parseBenchArgs('bench/x.ts', flags, ['--size', '512x640']).size).toEqual({ width: 512, height: 640 });
    expect(refusal(['--size', '160'])).toBe("bench/x.ts: --size '160' is not WIDTHxHEIGHT (for example 512x640)");
    expect(refusal(['--size', '160*128'])).toBe("bench/x.ts: --size '160*128' is not WIDTHxHEIGHT (for example 512x640)");
  });

  it('lists every flag with its default in the usage', () => {
    const usage = benchUsage('bench/x.ts', flags);
    for (const f of Object.keys(flags)) expect(usage).toContain(f);
    expect(usage).toContain(`(default ${DEFAULT_MODEL_SIZE})`);
  });

  it('a bench script run with an unknown flag or a non-number exits non-zero with one line naming it', () => {
    for (const [args, line] of [
      [['--runs', 'many'], "bench/predict_ab.ts: --runs 'many' must be an integer >= 1"],
      [['--bogus'], 'bench/predict_ab.ts: unknown flag --bogus (flags: --size, --width-mult, --runs, --json)'],
    ] as const) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/predict_ab.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(1);
      expect(r.stderr.trim().split('\n').filter((l) => !l.startsWith('Warning:'))).toEqual([line]);
    }
  });
});

describe('one default model size', () => {
  const sizeDefault = (program: Command, path: string[]): unknown => {
    let cmd: Command | undefined = program;
    for (const name of path) cmd = cmd?.commands.find((c) => c.name() === name);
    expect(cmd, `spineseg ${path.join(' ')}`).toBeDefined();
    return cmd!.options.find((o) => o.long === '--size')?.defaultValue;
  };

  it('tune, bench train, demo and the bench scripts default to the same WIDTHxHEIGHT', async () => {
    expect(DEFAULT_MODEL_SIZE).toBe('128x160');
    const program = await buildProgram();
    expect(sizeDefault(program, ['tune'])).toBe(DEFAULT_MODEL_SIZE);
    expect(sizeDefault(program, ['bench', 'train'])).toBe(DEFAULT_MODEL_SIZE);
    expect(sizeDefault(program, ['demo'])).toBe(DEFAULT_MODEL_SIZE);
    expect(trainAbFlags['--size'].default).toBe(DEFAULT_MODEL_SIZE);
    expect(winogradFlags['--size'].default).toBe(DEFAULT_MODEL_SIZE);
  });
});

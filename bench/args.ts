// The one flag parser of the bench scripts (bench/*.ts run by `npx tsx bench/X.ts` or `spineseg bench X`):
// each script declares its flags, `parseBenchArgs` checks argv strictly against them, and the script's
// exported `run(options)` takes the typed result. An unknown flag, a missing value and a value that is not a
// number are refused in one line naming the flag and the value (`benchMain` prints it and exits 1).
// Numbers go through the CLI's parseNumber and model sizes through its parseSize, so `--size` means
// WIDTHxHEIGHT everywhere (src/cli/options.ts, DEFAULT_MODEL_SIZE).
import { pathToFileURL } from 'node:url';
import { parseNumber, parseSize } from '../src/cli/options.ts';

export type FlagSpec =
  | { kind: 'boolean'; doc: string }
  | { kind: 'string'; doc: string; default?: string }
  | { kind: 'number'; doc: string; default?: number; min?: number; max?: number; integer?: boolean }
  /** comma-separated numbers, e.g. --flush-every 16,64 */
  | { kind: 'numbers'; doc: string; min?: number; integer?: boolean }
  /** WIDTHxHEIGHT */
  | { kind: 'size'; doc: string; default?: string };

export type FlagSpecs = Record<string, FlagSpec>;

type ValueOf<F extends FlagSpec> = F extends { kind: 'boolean' }
  ? boolean
  : F extends { kind: 'numbers' }
    ? number[]
    : F extends { kind: 'size' }
      ? F extends { default: string }
        ? { width: number; height: number }
        : { width: number; height: number } | undefined
      : F extends { kind: 'number' }
        ? F extends { default: number }
          ? number
          : number | undefined
        : F extends { default: string }
          ? string
          : string | undefined;

/** `--width-mult` -> `widthMult` */
type Camel<S extends string> = S extends `${infer A}-${infer B}` ? `${A}${Capitalize<Camel<B>>}` : S;
type Key<S> = S extends `--${infer N}` ? Camel<N> : never;

export type BenchArgs<S extends FlagSpecs> = { [K in keyof S as Key<K & string>]: ValueOf<S[K]> };

function camel(flag: string): string {
  return flag.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

function parseValue(flag: string, spec: FlagSpec, raw: string): unknown {
  switch (spec.kind) {
    case 'number':
      return parseNumber(raw, flag, { min: spec.min, max: spec.max, integer: spec.integer });
    case 'numbers':
      return raw.split(',').map((part) => parseNumber(part, flag, { min: spec.min, integer: spec.integer }));
    case 'size': {
      const [width, height] = parseSize(raw, flag);
      return { width, height };
    }
    default:
      return raw;
  }
}

/**
 * Parses `argv` (the arguments after the script) against `specs`; throws one line naming the script, the
 * flag and the value for an unknown flag, a flag without its value, a repeated flag or a malformed value.
 */
export function parseBenchArgs<S extends FlagSpecs>(script: string, specs: S, argv: readonly string[]): BenchArgs<S> {
  const out: Record<string, unknown> = {};
  for (const [flag, spec] of Object.entries(specs)) {
    const key = camel(flag);
    if (spec.kind === 'boolean') out[key] = false;
    else if (spec.kind === 'numbers') out[key] = [];
    else out[key] = 'default' in spec && spec.default !== undefined ? parseValue(flag, spec, String(spec.default)) : undefined;
  }
  const seen = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const flag = eq > 0 ? a.slice(0, eq) : a;
    const spec = specs[flag];
    if (!spec) {
      const known = Object.keys(specs).join(', ');
      throw new Error(`${script}: ${flag.startsWith('-') ? `unknown flag ${flag}` : `unexpected argument '${a}'`} (flags: ${known || 'none'})`);
    }
    if (seen.has(flag)) throw new Error(`${script}: ${flag} given twice`);
    seen.add(flag);
    if (spec.kind === 'boolean') {
      if (eq > 0) throw new Error(`${script}: ${flag} takes no value (got '${a.slice(eq + 1)}')`);
      out[camel(flag)] = true;
      continue;
    }
    const raw = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (raw === undefined || (eq < 0 && raw.startsWith('--'))) throw new Error(`${script}: ${flag} needs a value`);
    try {
      out[camel(flag)] = parseValue(flag, spec, raw);
    } catch (e) {
      throw new Error(`${script}: ${(e as Error).message}`);
    }
  }
  return out as BenchArgs<S>;
}

/** One line per flag, for a script's --help. */
export function benchUsage(script: string, specs: FlagSpecs): string {
  const lines = Object.entries(specs).map(([flag, s]) => {
    const value = s.kind === 'boolean' ? '' : s.kind === 'size' ? ' WxH' : s.kind === 'numbers' ? ' N,M' : s.kind === 'number' ? ' N' : ' VALUE';
    const dflt = 'default' in s && s.default !== undefined ? ` (default ${s.default})` : '';
    return `  ${`${flag}${value}`.padEnd(24)} ${s.doc}${dflt}`;
  });
  return `usage: npx tsx ${script} [flags]\n${lines.join('\n')}`;
}

/**
 * Runs a bench script when it is the process's entry point: parses process.argv against `specs`, calls
 * `run`, and exits (Dawn keeps Node alive otherwise): 0 when done, 1 with one line on stderr on a bad flag
 * or a failure. Imported (by the CLI or a test), it does nothing.
 */
export function benchMain<S extends FlagSpecs>(meta: ImportMeta, script: string, specs: S, run: (o: BenchArgs<S>) => Promise<unknown>): void {
  if (!process.argv[1] || pathToFileURL(process.argv[1]).href !== meta.url) return;
  const argv = process.argv.slice(2);
  if (argv.includes('--help')) {
    console.log(benchUsage(script, specs));
    process.exit(0);
  }
  let options: BenchArgs<S>;
  try {
    options = parseBenchArgs(script, specs, argv);
  } catch (e) {
    console.error((e as Error).message);
    process.exit(1);
  }
  run(options).then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}

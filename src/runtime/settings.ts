// Every knob of the engine in one typed registry (tfjs' flags, tinygrad's Context): each setting has a
// documented default, may be read once from one SPINESEG_* environment variable (Node; refused in one line
// naming the variable and the value when malformed), may be provided by a host (the page passes its values,
// the autotuner its per-shape choices), and may be overridden inside a scope:
//
//   await withSettings({ convAlgorithm: 'direct', fusedEpilogues: false }, async () => { ... });
//
// which restores the previous values on exit, also when `fn` throws. Tests, checks and benchmarks use
// scopes instead of flipping module globals. `spineseg doctor` lists every setting with its value and where
// the value came from (default / environment / a host / override).
//
// Test-only switches read by the test files themselves, not by the engine (so not in this registry):
//   SPINESEG_SLOW=1               the slow kernel and metric cases (test/kernels-*.test.ts, test/metrics.test.ts)
//   SPINESEG_UPDATE_SCREENSHOT=1  rewrite the README's page screenshot (test/browser.test.ts)
//   SPINESEG_SHIPPED_MODEL=DIR    check another model folder laid out as models/default (test/shipped-model*.test.ts)
// and scripts/setup.sh's SPINESEG_NPM_CI / SPINESEG_BROWSER (shell, read before Node runs).
//
// No node: imports: src/runtime is used by the page too; process.env is read only where `process` exists.

/** A convolution choice for one layer shape and pass (the autotuner's cache entries; src/kernels/conv_algorithm.ts). */
export interface ConvChoiceSetting {
  algorithm: 'direct' | 'winograd';
  variant?: 'register' | 'tiled';
  lanes?: 'rows' | 'channels';
  tile?: 2 | 4;
  wgx?: number;
}

/** Checkpoint-write fault injection: the `nth` write of a checkpoint folder named `dir` fails. */
export interface CheckpointWriteFault {
  dir: string;
  nth: number;
}

export interface Settings {
  /** Force one algorithm for every eligible stride-1 3x3 conv (null: per shape, tuned or built in). SPINESEG_CONV=direct|winograd */
  convAlgorithm: 'direct' | 'winograd' | null;
  /** Fuse bias + BatchNorm + activation into the convolutions' output (src/kernels/epilogue.ts). SPINESEG_FUSE=0|1 */
  fusedEpilogues: boolean;
  /** Sleep through known GPU waits instead of letting Dawn poll, and poll the rest through a 1 ms timer (src/runtime/gpu.ts idleWait, throttledPolling). SPINESEG_IDLE_WAITS=0|1 */
  idleWaits: boolean;
  /** Dispatches recorded before an automatic submission (0: only at sync / read). SPINESEG_FLUSH_EVERY=N */
  flushEvery: number;
  /** Where the autotuner's cache lives (null: $XDG_CACHE_HOME/spineseg or ~/.cache/spineseg; 'off': none). SPINESEG_TUNE_DIR */
  tuneDir: string | null;
  /** Record the pipelines a run dispatches beside the tune cache and precompile that list, in parallel, when the same run starts again (src/app/warmup.ts). SPINESEG_PRECOMPILE=0|1 */
  precompile: boolean;
  /** Memory a model may take, MiB (null: 80 % of the machine's memory). SPINESEG_MEMORY_BUDGET_MB */
  memoryBudgetMb: number | null;
  /** Fault injection: destroy the WebGPU device after this training step (null: never). SPINESEG_INJECT_DEVICE_LOSS_AT_STEP */
  injectDeviceLossAtStep: number | null;
  /** Fault injection: fail the n-th write of a checkpoint folder of this name. SPINESEG_FAIL_CHECKPOINT_WRITE="<dir name>:<n>" */
  failCheckpointWrite: CheckpointWriteFault | null;
  /** The PNG slice set (null: ../shared/data/spider-t2space-png beside the repository). SPINESEG_DATA */
  dataRoot: string | null;
  /** The Chromium the browser tests and scripts drive. SPINESEG_CHROMIUM */
  chromium: string;
  /** Skip the browser tests, with a printed reason. SPINESEG_SKIP_BROWSER=0|1 */
  skipBrowser: boolean;
  /** Print the stack of a CLI error after its one-line message. SPINESEG_DEBUG=0|1 */
  debug: boolean;
  /** Matmul variant (null: register tiles on CPU adapters, workgroup tiles elsewhere). Override only. */
  matmulVariant: 'tiled' | 'register' | null;
  /** Direct conv GEMM variant (null: by adapter type, as matmul). Override only. */
  convVariant: 'register' | 'tiled' | null;
  /** Register conv thread mapping (null: the shape decides). Override only. */
  channelLanes: 'channel' | 'pixel' | null;
  /** Per-shape conv choices by convShapeKey (the autotuner's cache; {}: built-in defaults). Provided by the tune cache. */
  convChoices: Record<string, ConvChoiceSetting>;
  /** Cap on one Winograd band's transformed tensor, bytes, >= 64 (null: the binding limit only). Override only. */
  winogradBandBytes: number | null;
  /** Threads per workgroup of the channel-lane kernels, 1-256 (null: 8 on CPU adapters, by layer width elsewhere; src/kernels/winograd.ts laneWorkgroup). SPINESEG_LANE_WG=N */
  laneWorkgroup: number | null;
  /** Channels per thread of the Winograd transforms, 1 or 4 (null: 1 on CPU adapters, 4 elsewhere; src/kernels/winograd.ts transformChannels). SPINESEG_TRANSFORM_CH=1|4 */
  transformChannels: 1 | 4 | null;
  /** The channel-lane Winograd GEMM that shares its rows through subgroup broadcasts (null: on CPU adapters whose device has subgroups of at least 8; src/kernels/winograd.ts subgroupGemm). SPINESEG_SUBGROUP_GEMM=0|1 */
  subgroupGemm: boolean | null;
}

export type SettingName = keyof Settings;
/** Where a setting's value came from. */
export type SettingSource = 'default' | 'environment' | 'page' | 'tune cache' | 'override';

interface Spec<T> {
  doc: string;
  default: T;
  /** the environment variable it is read from, when it is */
  env?: string;
  /** parses the variable's text; throws with what was expected */
  parse?(raw: string): T;
  /** refuses a value (from any source): returns what was expected, or null when fine */
  check?(v: T): string | null;
  show?(v: T): string;
}

const oneOf =
  <T extends string>(...names: T[]) =>
  (raw: string): T => {
    if (!(names as string[]).includes(raw)) throw new Error(`expected ${names.join(' or ')}`);
    return raw as T;
  };

function bool(raw: string): boolean {
  if (raw === '1' || raw === 'true') return true;
  if (raw === '0' || raw === 'false') return false;
  throw new Error('expected 0 or 1');
}

function integerAtLeast(min: number) {
  return (raw: string): number => {
    const v = Number(raw);
    if (!/^\s*[+-]?\d+\s*$/.test(raw) || !(v >= min)) throw new Error(`expected an integer >= ${min}`);
    return v;
  };
}

const specs: { [K in SettingName]: Spec<Settings[K]> } = {
  convAlgorithm: { doc: 'force one algorithm for every eligible 3x3 conv', default: null, env: 'SPINESEG_CONV', parse: oneOf('direct', 'winograd'), show: (v) => v ?? 'per shape (tuned or built in)' },
  fusedEpilogues: { doc: 'bias + BatchNorm + activation fused into the convolutions', default: true, env: 'SPINESEG_FUSE', parse: bool, show: (v) => (v ? 'on' : 'off') },
  idleWaits: { doc: 'sleep through known GPU waits instead of polling', default: true, env: 'SPINESEG_IDLE_WAITS', parse: bool, show: (v) => (v ? 'on' : 'off') },
  flushEvery: {
    doc: 'dispatches recorded before an automatic submission (0: at sync only)',
    default: 0,
    env: 'SPINESEG_FLUSH_EVERY',
    parse: integerAtLeast(0),
    check: (v) => (Number.isInteger(v) && v >= 0 ? null : 'expected an integer >= 0'),
  },
  tuneDir: { doc: "the autotuner's cache folder ('off': none)", default: null, env: 'SPINESEG_TUNE_DIR', parse: (raw) => raw, show: (v) => v ?? '$XDG_CACHE_HOME/spineseg or ~/.cache/spineseg' },
  precompile: { doc: "record a run's pipelines beside the tune cache and precompile them in parallel at the next start", default: true, env: 'SPINESEG_PRECOMPILE', parse: bool, show: (v) => (v ? 'on' : 'off') },
  memoryBudgetMb: {
    doc: 'memory a model may take, MiB',
    default: null,
    env: 'SPINESEG_MEMORY_BUDGET_MB',
    parse: (raw) => {
      const v = Number(raw);
      if (raw.trim() === '' || !(v > 0) || !Number.isFinite(v)) throw new Error('expected a number of MiB > 0');
      return v;
    },
    check: (v) => (v === null || (Number.isFinite(v) && v > 0) ? null : 'expected a number of MiB > 0'),
    show: (v) => (v === null ? "80 % of the machine's memory" : `${v} MiB`),
  },
  injectDeviceLossAtStep: { doc: 'fault injection: destroy the GPU device after this training step', default: null, env: 'SPINESEG_INJECT_DEVICE_LOSS_AT_STEP', parse: integerAtLeast(0), show: (v) => (v === null ? 'never' : `after step ${v}`) },
  failCheckpointWrite: {
    doc: 'fault injection: fail the n-th write of a checkpoint folder of this name',
    default: null,
    env: 'SPINESEG_FAIL_CHECKPOINT_WRITE',
    parse: (raw) => {
      const m = /^([^:]+):(\d+)$/.exec(raw);
      if (!m || !(Number(m[2]) >= 1)) throw new Error("expected '<checkpoint folder name>:<n>', n >= 1");
      return { dir: m[1], nth: Number(m[2]) };
    },
    show: (v) => (v === null ? 'never' : `${v.dir}:${v.nth}`),
  },
  dataRoot: { doc: 'the PNG slice set', default: null, env: 'SPINESEG_DATA', parse: (raw) => raw, show: (v) => v ?? '../shared/data/spider-t2space-png beside the repository' },
  chromium: { doc: 'the Chromium the browser tests drive', default: '/usr/bin/chromium', env: 'SPINESEG_CHROMIUM', parse: (raw) => raw, show: (v) => v },
  skipBrowser: { doc: 'skip the browser tests (with a printed reason)', default: false, env: 'SPINESEG_SKIP_BROWSER', parse: bool, show: (v) => (v ? 'yes' : 'no') },
  debug: { doc: "print a CLI error's stack", default: false, env: 'SPINESEG_DEBUG', parse: bool, show: (v) => (v ? 'on' : 'off') },
  matmulVariant: { doc: 'matmul variant', default: null, check: (v) => (v === null || v === 'tiled' || v === 'register' ? null : "expected 'tiled', 'register' or null"), show: (v) => v ?? 'by adapter type' },
  convVariant: { doc: 'direct conv GEMM variant', default: null, check: (v) => (v === null || v === 'tiled' || v === 'register' ? null : "expected 'tiled', 'register' or null"), show: (v) => v ?? 'by adapter type' },
  channelLanes: { doc: 'register conv thread mapping', default: null, check: (v) => (v === null || v === 'channel' || v === 'pixel' ? null : "expected 'channel', 'pixel' or null"), show: (v) => v ?? 'by shape' },
  convChoices: { doc: 'per-shape conv choices', default: {}, show: (v) => `${Object.keys(v).length} shape/pass choices` },
  winogradBandBytes: {
    doc: "cap on one Winograd band's bytes",
    default: null,
    check: (v) => (v === null || v >= 64 ? null : `Winograd band size ${v} bytes is too small (expected >= 64)`),
    show: (v) => (v === null ? 'the binding limit' : `${v} bytes`),
  },
  laneWorkgroup: {
    doc: 'threads per workgroup of the channel-lane conv and Winograd GEMM kernels',
    default: null,
    env: 'SPINESEG_LANE_WG',
    parse: (raw) => {
      const v = integerAtLeast(1)(raw);
      if (v > 256) throw new Error('expected an integer from 1 to 256');
      return v;
    },
    check: (v) => (v === null || (Number.isInteger(v) && v >= 1 && v <= 256) ? null : 'expected an integer from 1 to 256'),
    show: (v) => (v === null ? '8 on CPU adapters, by layer width elsewhere' : `${v}`),
  },
  transformChannels: {
    doc: 'channels per thread of the Winograd input, output and gradient transforms',
    default: null,
    env: 'SPINESEG_TRANSFORM_CH',
    parse: (raw) => {
      if (raw === '1' || raw === '4') return Number(raw) as 1 | 4;
      throw new Error('expected 1 or 4');
    },
    check: (v) => (v === null || v === 1 || v === 4 ? null : 'expected 1, 4 or null'),
    show: (v) => (v === null ? '1 on CPU adapters, 4 elsewhere' : `${v}`),
  },
  subgroupGemm: {
    doc: 'the channel-lane Winograd GEMM with subgroup broadcasts of its rows (shaders/winograd_gemm_sg.wgsl)',
    default: null,
    env: 'SPINESEG_SUBGROUP_GEMM',
    parse: (raw) => {
      if (raw === '1' || raw === '0') return raw === '1';
      throw new Error('expected 0 or 1');
    },
    check: (v) => (v === null || typeof v === 'boolean' ? null : 'expected true, false or null'),
    show: (v) => (v === null ? 'on CPU adapters with subgroups of 8 or more' : v ? 'on' : 'off'),
  },
};

const names = Object.keys(specs) as SettingName[];

/** The environment variable a setting is read from (undefined: override only). */
export function settingEnvName(name: SettingName): string | undefined {
  return specs[name].env;
}

type Layer = { values: Partial<Settings>; sources: Partial<Record<SettingName, SettingSource>> };

/**
 * The settings an environment gives: every SPINESEG_* variable of the registry that is set and non-empty,
 * parsed; a malformed one throws one line naming the variable and the value.
 */
export function settingsFromEnvironment(env: Record<string, string | undefined>): Partial<Settings> {
  const out: Partial<Record<SettingName, unknown>> = {};
  for (const n of names) {
    const s = specs[n] as Spec<unknown>;
    const raw = s.env ? env[s.env] : undefined;
    if (raw === undefined || raw === '' || !s.parse) continue;
    try {
      out[n] = s.parse(raw);
    } catch (e) {
      throw new Error(`${s.env}='${raw}': ${(e as Error).message}`);
    }
  }
  return out as Partial<Settings>;
}

function checked(values: Partial<Settings>, from: string): void {
  for (const [k, v] of Object.entries(values)) {
    const s = specs[k as SettingName] as Spec<unknown> | undefined;
    if (!s) throw new Error(`${from}: no setting named '${k}' (settings: ${names.join(', ')})`);
    if (v === undefined) continue;
    const problem = s.check?.(v);
    if (problem) throw new Error(`${from}: setting ${k} = ${JSON.stringify(v)}: ${problem}`);
  }
}

let env: Layer | null = null;
const provided: Layer = { values: {}, sources: {} };
const scopes: Layer[] = [];
let current: Settings | null = null;

function environmentLayer(): Layer {
  if (!env) {
    const vars = typeof process !== 'undefined' && process.env ? process.env : {};
    const values = settingsFromEnvironment(vars);
    env = { values, sources: Object.fromEntries(Object.keys(values).map((k) => [k, 'environment'])) };
  }
  return env;
}

function layers(): Layer[] {
  return [environmentLayer(), provided, ...scopes];
}

/** The values in force now (the innermost scope's, else provided, else the environment's, else defaults). */
export function settings(): Readonly<Settings> {
  if (!current) {
    const merged = Object.fromEntries(names.map((n) => [n, specs[n].default])) as Record<SettingName, unknown>;
    for (const l of layers()) for (const [k, v] of Object.entries(l.values)) if (v !== undefined) merged[k as SettingName] = v;
    current = merged as unknown as Settings;
  }
  return current;
}

/** One setting's value now. */
export function setting<K extends SettingName>(name: K): Settings[K] {
  return settings()[name];
}

/**
 * Values a host supplies for the rest of the process, below any scope: the page passes its settings,
 * the autotuner its cached choices ('tune cache'). `undefined` for a name withdraws an earlier value.
 */
export function provideSettings(values: Partial<Settings>, source: Exclude<SettingSource, 'default' | 'environment'>): void {
  checked(values, `settings from the ${source}`);
  for (const [k, v] of Object.entries(values)) {
    const n = k as SettingName;
    if (v === undefined) {
      delete provided.values[n];
      delete provided.sources[n];
    } else {
      (provided.values as Record<string, unknown>)[n] = v;
      provided.sources[n] = source;
    }
  }
  current = null;
}

/**
 * Runs `fn` with these settings overridden; the previous values return when it ends, returns a promise that
 * settles, or throws. Scopes nest. Overlapping async scopes (two started, the first ended before the second)
 * are refused, since one process-wide value cannot hold both.
 */
export function withSettings<T>(values: Partial<Settings>, fn: () => T): T {
  checked(values, 'withSettings');
  const layer: Layer = { values: { ...values }, sources: Object.fromEntries(Object.keys(values).map((k) => [k, 'override'])) };
  scopes.push(layer);
  current = null;
  const exit = () => {
    const at = scopes.lastIndexOf(layer);
    const last = at === scopes.length - 1;
    if (at >= 0) scopes.splice(at, 1);
    current = null;
    if (!last) throw new Error(`withSettings(${Object.keys(values).join(', ')}): scopes ended out of order (two async scopes overlapped)`);
  };
  let result: T;
  try {
    result = fn();
  } catch (e) {
    exit();
    throw e;
  }
  if (result instanceof Promise) {
    return result.then(
      (v) => {
        exit();
        return v;
      },
      (e) => {
        exit();
        throw e;
      },
    ) as T;
  }
  exit();
  return result;
}

export interface SettingRow {
  name: SettingName;
  /** the environment variable, or '' when the setting has none */
  env: string;
  value: string;
  source: SettingSource;
  doc: string;
}

/** Every setting, its value as text and where the value came from (what `spineseg doctor` prints). */
export function settingRows(): SettingRow[] {
  const now = settings();
  const ls = layers();
  return names.map((n) => {
    const s = specs[n] as Spec<unknown>;
    let source: SettingSource = 'default';
    for (const l of ls) if (l.values[n] !== undefined) source = l.sources[n] ?? source;
    const v = now[n];
    return { name: n, env: s.env ?? '', value: s.show ? s.show(v) : JSON.stringify(v), source, doc: s.doc };
  });
}

/** Forgets the environment read (a test that changes process.env calls this; the next read parses it again). */
export function rereadEnvironment(): void {
  env = null;
  current = null;
}

// The pipelines a run will use, compiled before it starts: a run records the pipeline keys it dispatched
// (`usedPipelineKeys`, src/kernels/runner.ts), a host stores that list (Node: src/app/warmup.ts, next to the tune
// cache), and the next run of the same work precompiles exactly those, all at once with createComputePipelineAsync,
// so Dawn compiles them off the JavaScript thread and in parallel instead of one at a time inside the first step.
// A list that names a kernel or constants this version no longer has is never fatal: those entries are skipped
// (or fail to compile and are created lazily on first use, as without a list).
import './all.ts';
import { registry, pipelineKey, usedPipelineKeys, takeFreshPipelineKeys, type Kernel } from './runner.ts';
import { isCpuAdapter, requestHelperGpu, type Gpu } from '../runtime/gpu.ts';

export { usedPipelineKeys };

/** Bump when the list's layout changes; a list of another version is ignored. */
export const PIPELINE_LIST_VERSION = 1;

export interface PipelineList {
  version: number;
  /** the adapter the list was recorded on (adapterName) */
  adapter: string;
  /** what run it came from, as the host describes it (verb, model config, settings); for people reading the file */
  run: string;
  date: string;
  /** pipeline keys: `<kernel name> <constants as JSON>` */
  keys: string[];
}

export function pipelineList(adapter: string, run: string, keys: string[] = usedPipelineKeys()): PipelineList {
  return { version: PIPELINE_LIST_VERSION, adapter, run, date: new Date().toISOString(), keys: [...keys] };
}

/** Checks a parsed list file; throws one line naming `where`, the field and the value. */
export function validatePipelineList(v: unknown, where: string): PipelineList {
  const l = v as PipelineList;
  if (!l || typeof l !== 'object' || Array.isArray(l)) throw new Error(`${where}: not a JSON object`);
  if (l.version !== PIPELINE_LIST_VERSION) throw new Error(`${where}: field 'version' is ${JSON.stringify(l.version)}, expected ${PIPELINE_LIST_VERSION}`);
  if (!Array.isArray(l.keys)) throw new Error(`${where}: field 'keys' is ${JSON.stringify(l.keys)}, expected an array`);
  for (const [i, k] of l.keys.entries()) if (typeof k !== 'string') throw new Error(`${where}: keys[${i}] is ${JSON.stringify(k)}, expected a string`);
  return l;
}

/** A key's kernel name and constants, or why it cannot be used (an unknown kernel, constants that are not numbers). */
export function parsePipelineKey(key: string): { kernel: string; constants: Record<string, number> } | string {
  const space = key.indexOf(' ');
  if (space < 1) return `'${key}' is not '<kernel> <constants>'`;
  const kernel = key.slice(0, space);
  if (!registry.has(kernel)) return `no kernel named '${kernel}'`;
  let constants: unknown;
  try {
    constants = JSON.parse(key.slice(space + 1));
  } catch {
    return `'${key}': constants are not JSON`;
  }
  if (!constants || typeof constants !== 'object' || Array.isArray(constants) || !Object.values(constants).every((x) => typeof x === 'number' && Number.isFinite(x))) {
    return `'${key}': constants are not an object of numbers`;
  }
  const c = constants as Record<string, number>;
  // the runner keys its pipelines by the constants' JSON: a key written another way would compile twice
  if (pipelineKey(kernel, c) !== key) return `'${key}' is not in canonical form`;
  return { kernel, constants: c };
}

export interface PrecompileResult {
  /** pipelines created now */
  compiled: number;
  /** already there (created earlier in this process) */
  present: number;
  /** entries skipped or failed, each with why (they are created lazily if a run uses them) */
  problems: string[];
}

/**
 * Creates the pipelines of `keys` on `device` with createComputePipelineAsync, all started at once; `onProgress`
 * gets (done, total) at the start and after each one settles. Never throws for a bad entry: it lands in `problems`.
 */
export async function precompilePipelines(device: GPUDevice, keys: readonly string[], onProgress?: (done: number, total: number) => void): Promise<PrecompileResult> {
  const result: PrecompileResult = { compiled: 0, present: 0, problems: [] };
  const todo: { kernel: string; constants: Record<string, number> }[] = [];
  for (const key of new Set(keys)) {
    const parsed = parsePipelineKey(key);
    if (typeof parsed === 'string') result.problems.push(parsed);
    else if (registry.get(parsed.kernel)!.hasPipeline(device, parsed.constants)) result.present++;
    else todo.push(parsed);
  }
  let done = 0;
  onProgress?.(0, todo.length);
  await Promise.all(
    todo.map(async ({ kernel, constants }) => {
      try {
        await registry.get(kernel)!.precompile(device, constants);
        result.compiled++;
      } catch (e) {
        result.problems.push(`${pipelineKey(kernel, constants)}: ${(e as Error).message.split('\n')[0]}`);
      }
      onProgress?.(++done, todo.length);
    }),
  );
  return result;
}

/**
 * What one dispatch of `k` on a single workgroup needs in order to run at all: a buffer from `buffer` for each storage
 * binding and every uniform parameter zero. lavapipe compiles a pipeline at its first dispatch, so this is how a
 * pipeline is compiled without real data (the helper compile below, bench/compile-cost.ts).
 */
export function placeholderBindings(k: Kernel, buffer: () => GPUBuffer): { buffers: Record<string, GPUBuffer>; params: Record<string, number | number[]> } {
  return {
    buffers: Object.fromEntries(k.storageNames.map((n) => [n, buffer()])),
    params: Object.fromEntries(k.uniformMembers.map((m) => [m.name, m.count === 1 ? 0 : new Array<number>(m.count).fill(0)])),
  };
}

/** Fewer fresh pipelines than this at a wait are not worth a second device. */
export const HELPER_COMPILE_MIN = 4;
/** A helper dispatch quicker than this found the pipeline in Mesa's shader cache. */
export const HELPER_CACHE_HIT_MS = 40;

export interface HelperCompileStats {
  /** helper runs started (waits that had enough fresh pipelines) */
  started: number;
  /** pipelines the helper dispatched */
  dispatched: number;
  /** runs that stopped because the first two dispatches were cache hits */
  stoppedWarm: number;
  /** the helper run in progress or last finished (tests await it) */
  last?: Promise<void>;
}

/**
 * lavapipe compiles a pipeline's code at its first dispatch, one after another in the device's single queue thread,
 * so a run's first step on a cold Mesa shader cache compiles its ~50 pipelines in a row. The helper compile takes the
 * other end: when a wait begins with at least HELPER_COMPILE_MIN pipelines created since the last wait
 * (takeFreshPipelineKeys), a second device (requestHelperGpu, its own queue thread) dispatches them once each on
 * one workgroup with zeroed parameters and small buffers, newest first, until the wait ends. Each lands in Mesa's
 * shader cache, where the main queue finds it when it gets there. A run of a warm cache stops after its first two
 * dispatches (both under HELPER_CACHE_HIT_MS: a cache hit took 5-20 ms here, the quickest cold compile over 100 ms). Results never change: the helper writes only its own buffers.
 * Installed on CPU adapters by src/app/warmup.ts; returns a function that uninstalls it.
 */
export function installHelperCompile(g: Gpu, stats?: HelperCompileStats): () => void {
  let running = false;
  const hook = () => {
    if (running) return;
    const keys = takeFreshPipelineKeys(g.device);
    if (keys.length < HELPER_COMPILE_MIN) return;
    running = true;
    let waiting = true;
    if (stats) stats.started++;
    const run = helperCompile(keys.reverse(), () => !waiting, stats).finally(() => (running = false));
    if (stats) stats.last = run;
    return () => {
      waiting = false;
    };
  };
  g.waitHooks.push(hook);
  return () => {
    const i = g.waitHooks.indexOf(hook);
    if (i >= 0) g.waitHooks.splice(i, 1);
  };
}

/** Dispatches each of `keys` once on a helper device until `stop()` says so; never throws (a helper is an optimisation). */
async function helperCompile(keys: readonly string[], stop: () => boolean, stats?: HelperCompileStats): Promise<void> {
  let helper: Gpu | null = null;
  const buffers: GPUBuffer[] = [];
  try {
    helper = await requestHelperGpu();
    if (!helper) return;
    const fast: boolean[] = [];
    for (const key of keys) {
      if (stop()) break;
      const parsed = parsePipelineKey(key);
      if (typeof parsed === 'string') continue;
      const k = registry.get(parsed.kernel)!;
      const h = helper;
      const { buffers: bound, params } = placeholderBindings(k, () => {
        const b = h.device.createBuffer({ size: 4096, usage: GPUBufferUsage.STORAGE });
        buffers.push(b);
        return b;
      });
      const t0 = performance.now();
      k.dispatch(h, bound, params, [1, 1, 1], parsed.constants);
      await h.sync();
      if (stats) stats.dispatched++;
      fast.push(performance.now() - t0 < HELPER_CACHE_HIT_MS);
      if (fast.length === 2 && fast.every(Boolean)) {
        if (stats) stats.stoppedWarm++;
        break;
      }
    }
  } catch {
    // a helper that fails leaves the main device to compile everything itself, as without one
  } finally {
    for (const b of buffers) b.destroy();
    helper?.device.destroy();
  }
}

/** Whether this Gpu gets the helper compile (CPU adapters: lavapipe, SwiftShader). */
export function wantsHelperCompile(g: Gpu): boolean {
  return isCpuAdapter(g.adapter);
}

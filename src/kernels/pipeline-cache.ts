// The pipelines a run will use, compiled before it starts: a run records the pipeline keys it dispatched
// (`usedPipelineKeys`, src/kernels/runner.ts), a host stores that list (Node: src/app/warmup.ts, next to the tune
// cache), and the next run of the same work precompiles exactly those, all at once with createComputePipelineAsync,
// so Dawn compiles them off the JavaScript thread and in parallel instead of one at a time inside the first step.
// A list that names a kernel or constants this version no longer has is never fatal: those entries are skipped
// (or fail to compile and are created lazily on first use, as without a list).
import './all.ts';
import { registry, pipelineKey, usedPipelineKeys } from './runner.ts';

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

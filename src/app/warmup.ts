// Cold start in Node: the pipelines a run dispatched are written next to the tune cache, as
// pipelines-<adapter key>-<run key>.json in the `tuneDir` folder (~/.cache/spineseg, $SPINESEG_TUNE_DIR), and the
// next run of the same work (same verb, model config, batch, conv choices and kernel settings, same adapter) compiles
// exactly that list before it starts, all at once with createComputePipelineAsync (src/kernels/pipeline-cache.ts),
// on GPU adapters only: on lavapipe that made the first step slower (measured; see warmUpPipelines).
// A first run finds no list and creates pipelines lazily, as before. On CPU adapters, where the list is not
// precompiled, a helper device compiles a step's new pipelines from the other end while the main queue compiles
// them in order (installHelperCompile, src/kernels/pipeline-cache.ts): a cold first training step 1.17x sooner here.
// `SPINESEG_PRECOMPILE=0` turns all of it off.
//
// Dawn keeps no compiled pipelines between processes here: its blob cache needs load/store callbacks from the
// embedder (DawnCacheDeviceDescriptor or a platform CachingInterface), and the `webgpu` package's requestDevice
// chains only toggles (bench/RESULTS.md, "Cold start"). Mesa's own disk cache (~/.cache/mesa_shader_cache_db) does
// keep lavapipe's compiled shaders, so a warm machine compiles faster with or without this list.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../pipeline/atomic-write.ts';
import { gpu, adapterName, isCpuAdapter } from '../runtime/gpu.ts';
import { settings } from '../runtime/settings.ts';
import { adapterKey } from '../kernels/autotune.ts';
import { installHelperCompile, pipelineList, precompilePipelines, usedPipelineKeys, validatePipelineList, wantsHelperCompile, type HelperCompileStats } from '../kernels/pipeline-cache.ts';
import { tuneDir } from './tune-store-node.ts';

/** What decides which pipelines a run creates, besides the adapter: the host's description of the work and the kernel settings. */
function runKey(run: string): string {
  const s = settings();
  const text = JSON.stringify([run, s.convAlgorithm, s.fusedEpilogues, s.matmulVariant, s.convVariant, s.channelLanes, s.winogradBandBytes, s.laneWorkgroup, s.transformChannels, s.subgroupGemm, s.convChoices]);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/** The list file of this run on this adapter, or null when the cache folder is off (or precompiling is). */
export function pipelineListFile(run: string): string | null {
  const dir = tuneDir();
  if (!dir || !settings().precompile) return null;
  return join(dir, `pipelines-${adapterKey(gpu().adapter)}-${runKey(run)}.json`);
}

let helperInstalled = false;
/** What the helper compile of this process did (bench/cold-start.ts prints it). */
export const helperCompileStats: HelperCompileStats = { started: 0, dispatched: 0, stoppedWarm: 0 };

export interface PipelineWarmup {
  /** the list file (null: none used) */
  file: string | null;
  /** pipelines compiled from the list before the run */
  compiled: number;
  /** seconds the precompilation took */
  seconds: number;
  /** writes the pipelines this process has dispatched so far as the run's list (a no-op without a file) */
  save(): void;
}

/**
 * Before a run: precompiles (not on a CPU adapter unless `onCpuAdapter`) the pipelines the last run of `run` dispatched (when a list exists), reporting
 * (done, total) to `onProgress`. A list that cannot be read or is of another version is ignored with one line to
 * `log`, and entries it names that this version lacks are skipped with one line; neither is an error.
 */
export async function warmUpPipelines(run: string, onProgress?: (done: number, total: number) => void, log: (line: string) => void = console.error, onCpuAdapter = false): Promise<PipelineWarmup> {
  const file = pipelineListFile(run);
  const warm: PipelineWarmup = {
    file,
    compiled: 0,
    seconds: 0,
    save() {
      const keys = usedPipelineKeys();
      if (!file || keys.length === 0) return;
      try {
        writeFileAtomic(file, JSON.stringify(pipelineList(adapterName(gpu().adapter), run, keys), null, 1) + '\n');
      } catch (e) {
        log(`${file}: the pipeline list was not saved (${(e as Error).message.split('\n')[0]})`);
      }
    },
  };
  // lavapipe compiles a pipeline's LLVM code at its first dispatch, not at creation, and pipelines created through
  // createComputePipelineAsync made that first-dispatch compile cost about twice the CPU (bench/RESULTS.md, "Cold
  // start"): on a CPU adapter the list is only recorded (for a GPU) unless a caller asks (the tests); a helper device
  // compiles the run's pipelines from the other end instead (installHelperCompile)
  if (settings().precompile && wantsHelperCompile(gpu()) && !helperInstalled) {
    installHelperCompile(gpu(), helperCompileStats);
    helperInstalled = true;
  }
  if (!file || !existsSync(file) || (isCpuAdapter(gpu().adapter) && !onCpuAdapter)) return warm;
  let keys: string[];
  try {
    keys = validatePipelineList(JSON.parse(readFileSync(file, 'utf8')), file).keys;
  } catch (e) {
    const m = (e as Error).message.split('\n')[0]!;
    log(`${m.startsWith(file) ? m : `${file}: ${m}`}; ignored (pipelines are created as they are first used, and the list is written again)`);
    return warm;
  }
  const t0 = performance.now();
  const r = await precompilePipelines(gpu().device, keys, onProgress);
  warm.compiled = r.compiled;
  warm.seconds = (performance.now() - t0) / 1000;
  if (r.problems.length > 0) log(`${file}: ${r.problems.length} of ${keys.length} pipelines skipped (${r.problems[0]}${r.problems.length > 1 ? ', ...' : ''}); they are created when first used`);
  return warm;
}

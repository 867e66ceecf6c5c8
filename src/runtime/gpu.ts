// The WebGPU device, its limits, the buffer pool and the command recorder. One Gpu per process (or page).
// All dispatches go into one open compute pass of one command encoder until something needs the results
// (a read back, an explicit flush), so a training step is one submission.
import { BufferPool } from './pool.ts';
import { setting, provideSettings } from './settings.ts';

export interface AdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  backend: string;
  features: string[];
  limits: Record<string, number>;
  /** the adapter's smallest subgroup size, where it says (GPUAdapterInfo.subgroupMinSize) */
  subgroupMinSize?: number;
}

/** Limits the engine relies on; doctor prints them and kernels read them from here. */
export const ENGINE_LIMITS = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxUniformBufferBindingSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
  'maxBindGroups',
] as const;

/** Waits in progress under throttledPolling (they may overlap: the first swaps setImmediate, the last restores it). */
let throttledWaits = 0;
let nativeSetImmediate: ((fn: (...args: unknown[]) => void, ...args: unknown[]) => unknown) | null = null;

/**
 * Runs `done` with Node's global `setImmediate` deferred by a millisecond. Dawn's Node binding polls a pending GPU
 * promise by re-queueing itself with the global `setImmediate` (dawn.node's AsyncRunner, which looks it up at every
 * tick): a busy loop that took 0.4-0.6 s of CPU per training step here. Through a 1 ms timer the same polling costs
 * almost nothing, and the wait ends at most a millisecond later. Nothing changes where there is no `setImmediate`
 * (the browser).
 */
export async function throttledPolling<T>(done: () => Promise<T>): Promise<T> {
  const g = globalThis as unknown as { setImmediate?: (fn: (...args: unknown[]) => void, ...args: unknown[]) => unknown };
  if (typeof g.setImmediate !== 'function') return done();
  if (throttledWaits++ === 0) {
    nativeSetImmediate = g.setImmediate;
    g.setImmediate = (fn, ...args) => setTimeout(fn, 1, ...args);
  }
  try {
    return await done();
  } finally {
    if (--throttledWaits === 0) {
      g.setImmediate = nativeSetImmediate!;
      nativeSetImmediate = null;
    }
  }
}

/** How long a wait with no estimate lets Dawn poll natively before throttling (pollThenThrottle). */
export const POLL_NATIVE_MS = 2;

/**
 * Runs `done` with Dawn polling natively for up to POLL_NATIVE_MS, then through throttledPolling for the rest. A wait
 * nothing is known about may be a microsecond copy or seconds of lavapipe compiling a new pipeline at its first
 * dispatch (every wait of a cold start): the short ones end as soon as before, and the long ones stop spending a
 * core on the polling loop while the driver's threads want both.
 */
export async function pollThenThrottle<T>(done: () => Promise<T>): Promise<T> {
  let settled = false;
  const p = done();
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([p.catch(() => undefined), new Promise((r) => (timer = setTimeout(r, POLL_NATIVE_MS)))]);
  clearTimeout(timer);
  if (settled) return p;
  return throttledPolling(() => p);
}

export class GpuError extends Error {}

export class Gpu {
  readonly limits: GPUSupportedLimits;
  readonly pool: BufferPool;
  private encoder_: GPUCommandEncoder | null = null;
  private pass_: GPUComputePassEncoder | null = null;
  private pendingDispatches = 0;
  /** a hash of what the pending submission holds (kernels and grid sizes): the same work has the same key */
  private pendingSignature = 0;
  /** the same for everything submitted since the GPU was last seen idle (a completed sync or read) */
  private inflightDispatches = 0;
  private inflightSignature = 0;
  /** the submitted work includes a pipeline's first dispatch (its compile, on lavapipe): its wait is not an estimate */
  private inflightNewPipelines = false;
  private retired: GPUBuffer[] = [];
  private failure: GpuError | null = null;
  /** device loss is permanent; a validation error is reported once and the device stays usable */
  private lost = false;
  private uniformCache = new Map<string, GPUBuffer>();
  private readBuffers: GPUBuffer[] = [];
  private lostInfo: string | null = null;
  /** "<reason>: <message>" once the device is lost for good (driver reset, destroy), else null */
  get deviceLost(): string | null {
    return this.lostInfo;
  }
  /** uniform buffers kept for reuse (bounded: the oldest past 4096 are retired) */
  get cachedUniformBuffers(): number {
    return this.uniformCache.size;
  }
  /** dispatches submitted so far (for tests and benchmarks) */
  dispatchCount = 0;
  submitCount = 0;

  constructor(
    readonly device: GPUDevice,
    readonly adapter: AdapterDescription,
  ) {
    this.limits = device.limits;
    this.pool = new BufferPool(device, device.limits.maxBufferSize, (b) => this.retired.push(b));
    device.addEventListener('uncapturederror', (ev) => {
      const e = (ev as GPUUncapturedErrorEvent).error;
      if (this.lost) return;
      // one mistake often cascades (invalid module -> invalid pipeline -> invalid command buffer): keep them all
      this.failure = new GpuError(this.failure ? `${this.failure.message}\n${e.message}` : `WebGPU error: ${e.message}`);
    });
    void device.lost.then((info) => {
      this.lostInfo = `${info.reason}: ${info.message || 'no message'}`;
      if (info.reason === 'destroyed') return;
      this.lost = true;
      this.failure = new GpuError(`WebGPU device lost (${info.reason}): ${info.message}`);
    });
  }

  /** Throws the first uncaptured GPU error (once) or the device loss (always) seen so far. */
  check(): void {
    const f = this.failure;
    if (!f) return;
    if (!this.lost) this.failure = null;
    throw f;
  }

  get encoder(): GPUCommandEncoder {
    this.encoder_ ??= this.device.createCommandEncoder();
    return this.encoder_;
  }

  /** The open compute pass all kernels record into. */
  get pass(): GPUComputePassEncoder {
    this.pass_ ??= this.encoder.beginComputePass();
    return this.pass_;
  }

  /** Ends the compute pass so copy commands can be recorded in order after it. */
  endPass(): GPUCommandEncoder {
    if (this.pass_) {
      this.pass_.end();
      this.pass_ = null;
    }
    return this.encoder;
  }

  /** Per-kernel GPU time: while a profile is open every dispatch gets its own pass with timestamp writes. */
  private profile: { sets: { set: GPUQuerySet; names: string[]; resolved: GPUBuffer | null }[] } | null = null;

  get profiling(): boolean {
    return this.profile !== null;
  }

  /** Starts timing every dispatch by kernel name (needs the adapter's 'timestamp-query' feature). */
  beginProfile(): void {
    if (!this.device.features.has('timestamp-query')) throw new GpuError(`the adapter (${this.adapter.description || this.adapter.vendor}) has no 'timestamp-query' feature; per-kernel timing is not available`);
    this.endPass();
    this.profile = { sets: [] };
  }

  /** A compute pass of its own for one dispatch of `name`, bracketed by timestamps. */
  profiledPass(name: string): GPUComputePassEncoder {
    const p = this.profile!;
    const PER_SET = 1024; // 2048 timestamps, under WebGPU's 4096 queries per set
    let cur = p.sets.at(-1);
    if (!cur || cur.names.length === PER_SET) {
      if (cur) this.resolveProfileSet(cur);
      cur = { set: this.device.createQuerySet({ type: 'timestamp', count: 2 * PER_SET }), names: [], resolved: null };
      p.sets.push(cur);
    }
    this.endPass();
    const i = cur.names.push(name) - 1;
    return this.encoder.beginComputePass({ timestampWrites: { querySet: cur.set, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } });
  }

  private resolveProfileSet(s: { set: GPUQuerySet; names: string[]; resolved: GPUBuffer | null }): void {
    const bytes = 16 * s.names.length;
    s.resolved = this.device.createBuffer({ size: Math.max(256, bytes), usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
    this.endPass().resolveQuerySet(s.set, 0, 2 * s.names.length, s.resolved, 0);
  }

  /** Ends the profile: milliseconds and dispatch counts per kernel name, slowest first. */
  async endProfile(): Promise<{ kernel: string; ms: number; dispatches: number }[]> {
    const p = this.profile;
    if (!p) throw new GpuError('endProfile without beginProfile');
    const last = p.sets.at(-1);
    if (last && !last.resolved) this.resolveProfileSet(last);
    this.profile = null;
    const totals = new Map<string, { ms: number; dispatches: number }>();
    for (const s of p.sets) {
      const ticks = new BigUint64Array(await this.read(s.resolved!, 16 * s.names.length));
      s.names.forEach((name, i) => {
        const t = totals.get(name) ?? { ms: 0, dispatches: 0 };
        t.ms += Number(ticks[2 * i + 1] - ticks[2 * i]) / 1e6;
        t.dispatches++;
        totals.set(name, t);
      });
      s.resolved!.destroy();
      s.set.destroy();
    }
    return [...totals].map(([kernel, t]) => ({ kernel, ...t })).sort((a, b) => b.ms - a.ms);
  }

  noteDispatch(kernelHash = 0, x = 0, y = 0, z = 0): void {
    this.pendingSignature = (Math.imul(this.pendingSignature, 31) + kernelHash + Math.imul(x, 7919) + Math.imul(y, 104729) + Math.imul(z, 1299709)) | 0;
    this.pendingDispatches++;
    this.dispatchCount++;
    // submit early so the GPU works on the first part of a step while the rest is still being recorded
    if (this.flushEvery > 0 && this.pendingDispatches >= this.flushEvery && !this.profiling) this.flush();
  }

  /**
   * Dispatches recorded before an automatic submission (0: only at sync / read). A training step records
   * hundreds of dispatches; submitting them in pieces overlaps recording (JavaScript, one thread) with the
   * GPU's work. The `flushEvery` setting (SPINESEG_FLUSH_EVERY=N, or a withSettings scope).
   */
  get flushEvery(): number {
    return setting('flushEvery');
  }

  /** Submits everything recorded so far (errors surface at the next sync or read). */
  flush(): void {
    if (this.encoder_) {
      this.endPass();
      this.device.queue.submit([this.encoder_.finish()]);
      this.encoder_ = null;
      this.inflightDispatches += this.pendingDispatches;
      this.inflightNewPipelines ||= this.newPipelinesPending;
      this.inflightSignature = (Math.imul(this.inflightSignature, 1000003) + this.pendingSignature) | 0;
      this.pendingDispatches = 0;
      this.pendingSignature = 0;
      this.submitCount++;
      this.newPipelinesPending = false;
    }
    for (const b of this.retired) b.destroy();
    this.retired = [];
  }

  /** Waits until the GPU has finished all submitted work, then surfaces any error. */
  async sync(): Promise<void> {
    this.flush();
    await this.idleWait(() => this.device.queue.onSubmittedWorkDone());
    this.check();
  }

  /** Sleep through known GPU waits instead of letting Dawn poll (see idleWait); off = plain awaits. The `idleWaits` setting (SPINESEG_IDLE_WAITS=0|1). */
  get idleWaits(): boolean {
    return setting('idleWaits');
  }
  /** sleeps taken and their total ms, for benchmarks */
  idleStats = { sleeps: 0, sleptMs: 0 };

  /**
   * How long the GPU took to finish the same in-flight work the last few times (ms, newest last), by inflightWork()
   * key. The sleep trusts the shortest: one wait stretched by a stall of the process (SIGSTOP, a suspended laptop, a
   * burst of load) must not make the next ones sleep for as long.
   */
  private waitEstimates = new Map<string, number[]>();
  /** waits remembered per key */
  static readonly WAIT_HISTORY = 3;

  /** The sleep before waiting for this work: 0.8 of the shortest remembered wait (0 when none is known). */
  plannedSleep(work: string | null): number {
    const seen = work === null ? undefined : this.waitEstimates.get(work);
    const estimate = seen ? Math.min(...seen) : 0;
    return this.idleWaits && estimate > 4 ? 0.8 * estimate : 0;
  }

  /** Remembers how long `work` took (the key's list is kept to WAIT_HISTORY, and to 256 keys in all). */
  noteWait(work: string, ms: number): void {
    const seen = this.waitEstimates.get(work) ?? [];
    this.waitEstimates.delete(work);
    this.waitEstimates.set(work, [...seen, ms].slice(-Gpu.WAIT_HISTORY));
    if (this.waitEstimates.size > 256) this.waitEstimates.delete(this.waitEstimates.keys().next().value as string);
  }

  /** Key of all work submitted since the GPU was last idle, or null when none is. */
  private inflightWork(): string | null {
    return this.inflightDispatches > 0 ? `${this.inflightDispatches}:${this.inflightSignature}` : null;
  }

  /**
   * Called as each wait for the GPU begins; a returned function is called when that wait ends (resolved or not).
   * src/kernels/pipeline-cache.ts hangs its helper compile here. Never changes a result.
   */
  readonly waitHooks: (() => (() => void) | void)[] = [];

  /**
   * Waits for `done` between the wait hooks' start and end, first sleeping on a timer for most of the shortest time
   * this work took recently (plannedSleep), then polling at most once a millisecond for the rest (throttledPolling).
   * Dawn's Node binding polls in a busy loop while a GPU promise is pending; on CPU adapters that loop takes cores from
   * the very threads doing the GPU work. Only the moment of polling changes, never a result.
   */
  private async idleWait<T>(done: () => Promise<T>): Promise<T> {
    const ends: (() => void)[] = [];
    for (const hook of this.waitHooks) {
      const end = hook();
      if (end) ends.push(end);
    }
    try {
      return await this.idleWaitInner(done);
    } finally {
      for (const end of ends) end();
    }
  }

  private async idleWaitInner<T>(done: () => Promise<T>): Promise<T> {
    const work = this.inflightWork();
    const t0 = performance.now();
    const slept = this.plannedSleep(work);
    if (slept > 0) {
      this.idleStats.sleeps++;
      this.idleStats.sleptMs += slept;
      await new Promise((r) => setTimeout(r, slept));
    }
    const woke = performance.now();
    // a wait long enough to sleep through is long enough that a millisecond more of latency does not matter; an unknown
    // one is polled natively for its first POLL_NATIVE_MS, then through the throttle (a cold start's compiles)
    const result = slept > 0 ? await throttledPolling(done) : this.idleWaits ? await pollThenThrottle(done) : await done();
    // everything submitted before is finished now
    const compiled = this.inflightNewPipelines;
    this.inflightDispatches = 0;
    this.inflightSignature = 0;
    this.inflightNewPipelines = false;
    // a wait that included first dispatches timed lavapipe's compiles, seconds that the same work never takes again:
    // remembered, it made the next four networks of a cold ensemble `predict` sleep 7.1, 2.9, 1.1 and 0.5 s through
    // waits of about 0.4 s (bench/RESULTS.md, 2026-12-07 evening)
    if (work !== null && !compiled) {
      const end = performance.now();
      // done at once after the sleep (within the first poll: the throttled one comes after a 1 ms timer): the work was
      // shorter than the sleep, so halve instead of trusting the total
      const overslept = slept > 0 && end - woke < 2.5;
      this.noteWait(work, overslept ? 0.5 * slept : end - t0);
    }
    return result;
  }

  /**
   * A uniform buffer holding `bytes`. Buffers are cached by content: a training step that repeats the
   * same parameters every step writes no uniforms after the first step, and a pending command never
   * sees its uniform overwritten by a later queue.writeBuffer.
   */
  uniform(bytes: Uint8Array): GPUBuffer {
    let key = '';
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    for (let i = 0; i < words.length; i++) key += words[i].toString(36) + ',';
    let buf = this.uniformCache.get(key);
    if (buf) {
      // move to the back: Map iteration order is our LRU order
      this.uniformCache.delete(key);
      this.uniformCache.set(key, buf);
      return buf;
    }
    buf = this.device.createBuffer({ size: Math.max(16, bytes.byteLength), usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, mappedAtCreation: true });
    new Uint8Array(buf.getMappedRange()).set(bytes);
    buf.unmap();
    this.uniformCache.set(key, buf);
    if (this.uniformCache.size > 4096) {
      const oldest = this.uniformCache.keys().next().value as string;
      this.retired.push(this.uniformCache.get(oldest)!);
      this.uniformCache.delete(oldest);
    }
    return buf;
  }

  /** Pending commands dispatch a pipeline never submitted before (noteNewPipeline; cleared by flush). */
  private newPipelinesPending = false;
  /** Writes staged into the command stream instead of a submission first (see write), for tests and benchmarks. */
  stagedWrites = 0;

  /** Called by the kernel runner when a dispatch uses a pipeline for the first time on this device. */
  noteNewPipeline(): void {
    this.newPipelinesPending = true;
  }

  /**
   * Writes host data into a buffer, ordered after every command recorded so far. Usually that submits the recorded
   * commands first (queue.writeBuffer runs before anything not yet submitted), so the GPU starts on them while the
   * rest is recorded. Not when they use a pipeline that was never submitted: lavapipe compiles a pipeline at its first
   * dispatch inside its queue thread, holding the lock that creating a pipeline also takes, so a submission in the
   * middle of a cold first step made every later createComputePipeline wait for those compiles (10 s of a 16 s cold
   * start here, bench/RESULTS.md 2026-12-07 evening). Such a write goes through a mapped staging buffer and a copy
   * recorded in order instead, and the step is submitted whole, with every pipeline already created.
   */
  write(buffer: GPUBuffer, data: ArrayBufferView, byteOffset = 0): void {
    if (this.encoder_ && this.newPipelinesPending && data.byteLength % 4 === 0 && byteOffset % 4 === 0 && data.byteLength > 0) {
      const staging = this.device.createBuffer({ size: data.byteLength, usage: GPUBufferUsage.COPY_SRC, mappedAtCreation: true });
      new Uint8Array(staging.getMappedRange()).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      staging.unmap();
      this.endPass().copyBufferToBuffer(staging, 0, buffer, byteOffset, data.byteLength);
      this.retired.push(staging);
      this.stagedWrites++;
      return;
    }
    if (this.encoder_) this.flush();
    this.device.queue.writeBuffer(buffer, byteOffset, data.buffer, data.byteOffset, data.byteLength);
  }

  /** Copies `bytes` from a GPU buffer back to the host, after everything recorded so far. */
  async read(buffer: GPUBuffer, bytes: number, byteOffset = 0): Promise<ArrayBuffer> {
    const size = Math.ceil(bytes / 4) * 4;
    const staging = this.readBuffers.find((b) => b.size >= size && b.size <= size * 2) ?? this.device.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    this.readBuffers = this.readBuffers.filter((b) => b !== staging);
    this.endPass().copyBufferToBuffer(buffer, byteOffset, staging, 0, size);
    this.flush();
    try {
      await this.idleWait(() => staging.mapAsync(GPUMapMode.READ, 0, size));
    } catch (e) {
      staging.destroy();
      this.check();
      throw new GpuError(`reading back a GPU buffer failed: ${(e as Error).message}`);
    }
    this.check();
    const out = staging.getMappedRange(0, size).slice(0, bytes);
    staging.unmap();
    if (this.readBuffers.length < 8) this.readBuffers.push(staging);
    else staging.destroy();
    return out;
  }

  destroy(): void {
    this.flush();
    this.device.destroy();
  }
}

let current: Gpu | null = null;
let starting: Promise<Gpu> | null = null;

const isBrowser = () => typeof navigator !== 'undefined' && Boolean((navigator as Navigator).gpu) && typeof process === 'undefined';

async function platformGpu(): Promise<GPU> {
  if (isBrowser()) {
    const { browserGpu } = await import('./platform-browser.ts');
    return browserGpu();
  }
  const nodePlatform = './platform-node.ts';
  const { nodeGpu } = (await import(/* @vite-ignore */ nodePlatform)) as typeof import('./platform-node.ts');
  return nodeGpu();
}

export interface GpuOptions {
  powerPreference?: GPUPowerPreference;
}

let gpuObject: GPU | null = null;
let powerPreference: GPUPowerPreference = 'high-performance';

/**
 * A second device on the process-wide Gpu's adapter, with the same limits, as a Gpu of its own (its own queue; on
 * lavapipe its own queue thread), for work beside the main device's: the helper compile of
 * src/kernels/pipeline-cache.ts. The caller destroys it (`helper.device.destroy()`). Null before initGpu or when the
 * platform gives no second adapter.
 */
export async function requestHelperGpu(): Promise<Gpu | null> {
  if (!current || !gpuObject) return null;
  const adapter = await gpuObject.requestAdapter({ powerPreference });
  if (!adapter) return null;
  // the same features as the main device: the helper compiles the same pipelines (subgroup kernels included)
  const requiredFeatures = DEVICE_FEATURES.filter((f) => current!.device.features.has(f));
  const device = await adapter.requestDevice({ requiredLimits: current.adapter.limits, requiredFeatures });
  return new Gpu(device, current.adapter);
}

/**
 * Optional features the engine asks for where the adapter has them: f16 (reported by doctor), timestamp queries
 * (`bench --profile`), and subgroups (shaders/winograd_gemm_sg.wgsl, chosen by src/kernels/winograd.ts subgroupGemm).
 */
const DEVICE_FEATURES: GPUFeatureName[] = ['shader-f16', 'timestamp-query', 'subgroups' as GPUFeatureName];

/** Creates (once) and returns the process-wide Gpu. Requests the adapter's own limits, not the defaults. */
export function initGpu(options: GpuOptions = {}): Promise<Gpu> {
  if (current) return Promise.resolve(current);
  starting ??= (async () => {
    const gpu = await platformGpu();
    gpuObject = gpu;
    powerPreference = options.powerPreference ?? 'high-performance';
    const adapter = await gpu.requestAdapter({ powerPreference });
    if (!adapter) {
      throw new GpuError('no WebGPU adapter found. On Linux without a GPU run `bash scripts/setup.sh` (installs Mesa lavapipe); in a browser enable WebGPU.');
    }
    const limits: Record<string, number> = {};
    for (const name of ENGINE_LIMITS) limits[name] = adapter.limits[name as keyof GPUSupportedLimits] as number;
    const requiredFeatures = DEVICE_FEATURES.filter((f) => adapter.features.has(f));
    const device = await adapter.requestDevice({ requiredLimits: limits, requiredFeatures });
    const info = adapter.info;
    const description: AdapterDescription = {
      vendor: info.vendor,
      architecture: info.architecture,
      device: info.device,
      description: info.description,
      backend: (info as unknown as { backendType?: string }).backendType ?? backendFromDescription(info.description),
      features: [...adapter.features].sort(),
      limits,
      ...(typeof (info as { subgroupMinSize?: unknown }).subgroupMinSize === 'number' ? { subgroupMinSize: (info as { subgroupMinSize: number }).subgroupMinSize } : {}),
    };
    current = new Gpu(device, description);
    // idle waits exist for Dawn's Node binding, which busy-polls while a GPU promise is pending; a browser does not,
    // and there its callbacks land a few ms after the GPU is done, so the 'overslept' test never fires and a warm-up
    // wait that included shader compilation kept every later step sleeping seconds (seen on SwiftShader in Chromium)
    if (isBrowser()) provideSettings({ idleWaits: false }, 'page');
    return current;
  })();
  return starting;
}

function backendFromDescription(d: string): string {
  if (/vulkan|mesa|llvmpipe|radv|nvidia/i.test(d)) return 'vulkan';
  if (/metal|apple/i.test(d)) return 'metal';
  if (/d3d|direct3d/i.test(d)) return 'd3d12';
  if (/swiftshader/i.test(d)) return 'vulkan (swiftshader)';
  return 'unknown';
}

/** The Gpu created by initGpu(); throws if none yet. */
export function gpu(): Gpu {
  if (!current) throw new GpuError('the GPU is not initialised: await initGpu() first');
  return current;
}

/** CPU implementations of WebGPU (lavapipe, SwiftShader): barriers are costly there, caches do the sharing. */
export function isCpuAdapter(a: AdapterDescription): boolean {
  return /llvmpipe|lavapipe|swiftshader|cpu/i.test(`${a.description} ${a.architecture} ${a.device}`) || a.vendor === 'google';
}

/** A short adapter name for tables: "llvmpipe (mesa, vulkan)". */
export function adapterName(a: AdapterDescription): string {
  const what = a.description || a.device || a.architecture || 'unknown adapter';
  return `${what} [${[a.vendor, a.architecture].filter(Boolean).join(' ')}, ${a.backend}]`;
}

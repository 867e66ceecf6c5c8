// GPU tensors: a shape over a pooled storage buffer. Layout of image tensors is NHWC everywhere
// (see src/kernels/conv2d.ts for why). Reshape is a view sharing storage; storage returns to the pool
// when its last view is disposed. No autograd here: src/graph/tensor.ts adds the tape fields on top.
import { gpu, type Gpu } from './gpu.ts';

export type DType = 'f32' | 'u32' | 'i32';

/** Reference-counted pooled buffer shared by a tensor and its views. */
class Storage {
  refs = 1;
  constructor(
    readonly buffer: GPUBuffer,
    readonly bytes: number,
    private g: Gpu,
  ) {}
  release(): void {
    if (--this.refs === 0) this.g.pool.release(this.buffer);
  }
}

let nextId = 1;
const scopes: Set<Tensor>[] = [];

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export class Tensor {
  readonly id = nextId++;
  readonly size: number;
  private storage_: Storage | null;

  private constructor(
    readonly shape: readonly number[],
    storage: Storage,
    readonly dtype: DType,
    public name?: string,
  ) {
    this.size = numel(shape);
    this.storage_ = storage;
    scopes[scopes.length - 1]?.add(this);
  }

  /** A new uninitialised tensor from the pool (contents are whatever the buffer held). */
  static empty(shape: readonly number[], dtype: DType = 'f32', name?: string): Tensor {
    const g = gpu();
    for (const d of shape) if (!Number.isInteger(d) || d < 0) throw new Error(`tensor ${name ?? ''} shape [${shape}] has an invalid dimension`);
    const bytes = Math.max(4, numel(shape) * 4);
    const limit = g.limits.maxStorageBufferBindingSize;
    if (bytes > limit) {
      throw new Error(`tensor ${name ?? ''}[${shape.join(',')}] needs ${bytes} bytes, over the adapter's maxStorageBufferBindingSize (${limit} bytes); use a smaller batch or input size`);
    }
    return new Tensor(shape, new Storage(g.pool.acquire(bytes, name), bytes, g), dtype, name);
  }

  static fromData(data: ArrayLike<number>, shape: readonly number[], dtype: DType = 'f32', name?: string): Tensor {
    const n = numel(shape);
    if (data.length !== n) throw new Error(`tensor ${name ?? ''}: ${data.length} values for shape [${shape}] (${n})`);
    const t = Tensor.empty(shape, dtype, name);
    t.upload(data);
    return t;
  }

  static zeros(shape: readonly number[], dtype: DType = 'f32', name?: string): Tensor {
    return Tensor.fromData(new Float32Array(numel(shape)), shape, dtype, name);
  }

  get buffer(): GPUBuffer {
    if (!this.storage_) throw new Error(`tensor ${this.name ?? this.id} [${this.shape}] used after dispose`);
    return this.storage_.buffer;
  }

  get disposed(): boolean {
    return this.storage_ === null;
  }

  upload(data: ArrayLike<number>): void {
    const arr =
      this.dtype === 'f32' ? (data instanceof Float32Array ? data : Float32Array.from(data)) : this.dtype === 'u32' ? (data instanceof Uint32Array ? data : Uint32Array.from(data)) : data instanceof Int32Array ? data : Int32Array.from(data);
    gpu().write(this.buffer, arr);
  }

  async read(): Promise<Float32Array> {
    const raw = await gpu().read(this.buffer, this.size * 4);
    return new Float32Array(raw);
  }

  async readU32(): Promise<Uint32Array> {
    return new Uint32Array(await gpu().read(this.buffer, this.size * 4));
  }

  /** A view with another shape over the same storage (no copy). */
  reshape(shape: readonly number[]): Tensor {
    const inferred = shape.indexOf(-1);
    const s = [...shape];
    if (inferred >= 0) s[inferred] = this.size / numel(shape.filter((d) => d !== -1));
    if (numel(s) !== this.size) throw new Error(`cannot reshape [${this.shape}] to [${shape}]`);
    this.storage_!.refs++;
    return new Tensor(s, this.storage_!, this.dtype, this.name);
  }

  /** Returns the storage to the pool (once no view holds it) and runs the dispose hooks (autograd drops saved backward state). */
  dispose(): void {
    if (!this.storage_) return;
    this.storage_.release();
    this.storage_ = null;
    for (const hook of disposeHooks) hook(this);
  }
}

const disposeHooks: ((t: Tensor) => void)[] = [];

/** Runs `hook` on every tensor when it is disposed: how a layer above (the autograd tape) frees per-tensor state. */
export function onDispose(hook: (t: Tensor) => void): void {
  disposeHooks.push(hook);
}

/**
 * Runs `fn` and disposes every tensor created inside it except the ones it returns or that are
 * `keep`-ed (all of them when `fn` throws). A training step runs inside one scope so its temporaries
 * go back to the pool. Scopes form one stack: don't interleave two async scopes (one job at a time).
 */
export function scoped<T>(fn: () => T): T {
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    leaveScope(scope, undefined);
    throw e;
  }
  leaveScope(scope, result);
  if (result instanceof Promise) throw new Error('scoped() takes a synchronous function; use scopedAsync');
  return result;
}

export async function scopedAsync<T>(fn: () => Promise<T>): Promise<T> {
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: T;
  try {
    result = await fn();
  } catch (e) {
    leaveScope(scope, undefined);
    throw e;
  }
  leaveScope(scope, result);
  return result;
}

/** Pops `scope` and disposes its tensors except those in `result` and kept ones, which move to the enclosing scope. */
function leaveScope(scope: Set<Tensor>, result: unknown): void {
  const i = scopes.lastIndexOf(scope);
  if (i >= 0) scopes.splice(i, 1);
  endScope(scope, result);
}

function endScope(scope: Set<Tensor>, result: unknown): void {
  const keepers = new Set<Tensor>();
  collect(result, keepers);
  for (const t of scope) {
    if (keepers.has(t) || kept.has(t)) {
      // survivors belong to the enclosing scope
      scopes[scopes.length - 1]?.add(t);
      continue;
    }
    t.dispose();
  }
}

function collect(v: unknown, out: Set<Tensor>): void {
  if (v instanceof Tensor) out.add(v);
  else if (Array.isArray(v)) for (const x of v) collect(x, out);
  else if (v && typeof v === 'object' && v.constructor === Object) for (const x of Object.values(v)) collect(x, out);
}

const kept = new WeakSet<Tensor>();

/** Exempts a tensor from scope disposal (parameters, optimizer state, running statistics). */
export function keep<T extends Tensor>(t: T): T {
  kept.add(t);
  for (const s of scopes) s.delete(t);
  return t;
}

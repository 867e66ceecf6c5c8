// Kernel runner: a kernel is a WGSL file in shaders/ plus a KernelSpec. Bind-group layouts, the
// uniform struct's member offsets and the workgroup size (for the dispatch math: `grid`, `groupsFor`,
// `threads`) are read from the shader with wgsl_reflect, never written twice.
// A pipeline is one kernel with one set of override constants; its key (`pipelineKey`) names both. A pipeline is
// created synchronously on its first dispatch unless `precompile` made it earlier (createComputePipelineAsync, in
// parallel: src/kernels/pipeline-cache.ts); the keys a process dispatched are listed by `usedPipelineKeys` so the
// next run of the same work can precompile exactly those.
import { WgslReflect } from 'wgsl_reflect/wgsl_reflect.module.js';
import type { Gpu } from '../runtime/gpu.ts';
import { shaderSource } from '../runtime/shaders.ts';

export interface KernelSpec {
  /** registry name, e.g. 'conv2d_forward' */
  name: string;
  /** shader file name in shaders/ without .wgsl */
  shader: string;
  /** compute entry point (default: the shader's only compute entry) */
  entry?: string;
  /** what it computes, one line (listed by `spineseg bench kernels` and the checks) */
  doc: string;
  /** a device feature its shader enables (`enable subgroups;`): it is dispatched only on devices that have it */
  feature?: GPUFeatureName;
  /** the shader's variant: the names of its `// #if NAME` blocks to keep (src/runtime/shaders.ts shaderSource) */
  defines?: string[];
}

type BindingKind = 'uniform' | 'read-only-storage' | 'storage';

interface BindingInfo {
  name: string;
  binding: number;
  kind: BindingKind;
}

interface UniformMember {
  name: string;
  offset: number;
  /** scalar kind and component count */
  scalar: 'f32' | 'u32' | 'i32';
  count: number;
}

export type ParamValue = number | readonly number[];
export type BufferLike = GPUBuffer | { buffer: GPUBuffer };

function scalarOf(type: { name: string; format?: { name: string } | null }): ['f32' | 'u32' | 'i32', number] {
  const n = type.name;
  const vec = /^vec([234])/.exec(n);
  const base = vec ? type.format?.name ?? 'f32' : n;
  const count = vec ? Number(vec[1]) : 1;
  if (base !== 'f32' && base !== 'u32' && base !== 'i32') throw new Error(`uniform member type ${n}<${base}> is not supported by the kernel runner`);
  return [base, count];
}

type Compiled = { pipeline: GPUComputePipeline; layout: GPUBindGroupLayout; used: boolean };

/** Keys of the pipelines this process has dispatched, in first-use order (a precompiled pipeline counts once dispatched). */
const usedKeys = new Set<string>();

/** `<kernel name> <constants as JSON>`: one pipeline of one kernel (names have no spaces). */
export function pipelineKey(kernel: string, constants: Record<string, number>): string {
  return `${kernel} ${JSON.stringify(constants)}`;
}

/** The pipelines this process has dispatched so far, by `pipelineKey`. */
export function usedPipelineKeys(): string[] {
  return [...usedKeys];
}

/** Pipelines created synchronously on each device (first use) since takeFreshPipelineKeys last asked, in creation order. */
const freshKeys = new WeakMap<GPUDevice, string[]>();

/** The keys of the pipelines created on `device` by a first use since the last call, oldest first; forgets them. */
export function takeFreshPipelineKeys(device: GPUDevice): string[] {
  const keys = freshKeys.get(device) ?? [];
  freshKeys.delete(device);
  return keys;
}

export class Kernel {
  private reflected: { entry: string; bindings: BindingInfo[]; uniform: { name: string; size: number; members: UniformMember[] } | null; workgroupSize: number[] } | null = null;
  private pipelines = new WeakMap<GPUDevice, Map<string, Compiled>>();
  /** one shader module per device, shared by every constants variant (WGSL is parsed once) */
  private modules = new WeakMap<GPUDevice, { module: GPUShaderModule; layout: GPUBindGroupLayout; pipelineLayout: GPUPipelineLayout }>();

  /** identifies this kernel in the Gpu's submission signatures */
  private readonly nameHash: number;

  constructor(readonly spec: KernelSpec) {
    let h = 0;
    for (const ch of spec.name) h = (Math.imul(h, 31) + ch.charCodeAt(0)) | 0;
    this.nameHash = h;
  }

  get name(): string {
    return this.spec.name;
  }

  /** Whether `device` can run it: it has the feature the shader enables, if any. */
  supportedOn(device: GPUDevice): boolean {
    return !this.spec.feature || device.features.has(this.spec.feature);
  }

  private reflect() {
    if (this.reflected) return this.reflected;
    const code = shaderSource(this.spec.shader, this.spec.defines);
    const r = new WgslReflect(code);
    const entries = r.entry.compute;
    const entry = this.spec.entry ? entries.find((e) => e.name === this.spec.entry) : entries[0];
    if (!entry) throw new Error(`shaders/${this.spec.shader}.wgsl has no compute entry point '${this.spec.entry ?? '(any)'}'`);
    const used = new Set(entry.resources.map((x) => x.name));
    const bindings: BindingInfo[] = [];
    let uniform: { name: string; size: number; members: UniformMember[] } | null = null;
    for (const u of r.uniforms) {
      if (!used.has(u.name)) continue;
      if (u.group !== 0) throw new Error(`shaders/${this.spec.shader}.wgsl: only @group(0) is supported (${u.name})`);
      bindings.push({ name: u.name, binding: u.binding, kind: 'uniform' });
      const members = ((u as unknown as { members?: { name: string; offset: number; type: { name: string; format?: { name: string } } }[] }).members ?? []).map((m) => {
        const [scalar, count] = scalarOf(m.type);
        return { name: m.name, offset: m.offset, scalar, count };
      });
      uniform = { name: u.name, size: Math.ceil(u.size / 16) * 16, members };
    }
    for (const s of r.storage) {
      if (!used.has(s.name)) continue;
      if (s.group !== 0) throw new Error(`shaders/${this.spec.shader}.wgsl: only @group(0) is supported (${s.name})`);
      bindings.push({ name: s.name, binding: s.binding, kind: s.access === 'read' ? 'read-only-storage' : 'storage' });
    }
    bindings.sort((a, b) => a.binding - b.binding);
    const wg = (entry.workgroupSize as unknown as number[] | null) ?? [1, 1, 1];
    this.reflected = { entry: entry.name, bindings, uniform, workgroupSize: [...wg] };
    return this.reflected;
  }

  /** Workgroup size as written in the shader's @workgroup_size. */
  get workgroupSize(): number[] {
    return this.reflect().workgroupSize;
  }

  /** Threads of one workgroup: the product of the shader's @workgroup_size (an override's default value). */
  get threads(): number {
    const [x = 1, y = 1, z = 1] = this.workgroupSize;
    return x * y * z;
  }

  /** Threads along x of a 1-D @workgroup_size; a 2-D or 3-D one is refused (its dispatch math is per axis). */
  private threadsX(): number {
    const [x = 1, y = 1, z = 1] = this.workgroupSize;
    if (y !== 1 || z !== 1) throw new Error(`kernel ${this.spec.name}: @workgroup_size(${x}, ${y}, ${z}) is not 1-D`);
    return x;
  }

  /** Workgroups for `n` invocations of this 1-D kernel, one per thread: ceil(n / the shader's @workgroup_size). */
  groupsFor(n: number): number {
    return Math.ceil(n / this.threadsX());
  }

  /** `grid1d` with the shader's own 1-D workgroup size (read from @workgroup_size, never repeated in TypeScript). */
  grid(n: number, maxPerDim = 65535): [number, number] {
    return grid1d(n, this.threadsX(), maxPerDim);
  }

  /** The uniform struct's members (name and component count), in offset order; empty without a uniform. */
  get uniformMembers(): { name: string; count: number }[] {
    return (this.reflect().uniform?.members ?? []).map((m) => ({ name: m.name, count: m.count }));
  }

  /** Names of the storage bindings, in binding order. */
  get storageNames(): string[] {
    return this.reflect().bindings.filter((b) => b.kind !== 'uniform').map((b) => b.name);
  }

  private moduleFor(device: GPUDevice) {
    let m = this.modules.get(device);
    if (m) return m;
    if (!this.supportedOn(device)) throw new Error(`kernel ${this.spec.name} (shaders/${this.spec.shader}.wgsl) needs the device feature '${this.spec.feature}', which this device lacks`);
    const { bindings } = this.reflect();
    const layout = device.createBindGroupLayout({
      label: this.spec.name,
      entries: bindings.map((b) => ({ binding: b.binding, visibility: GPUShaderStage.COMPUTE, buffer: { type: b.kind } })),
    });
    const module = device.createShaderModule({ code: shaderSource(this.spec.shader, this.spec.defines), label: this.spec.name });
    m = { module, layout, pipelineLayout: device.createPipelineLayout({ bindGroupLayouts: [layout] }) };
    this.modules.set(device, m);
    return m;
  }

  private compiled(device: GPUDevice): Map<string, Compiled> {
    let perDevice = this.pipelines.get(device);
    if (!perDevice) this.pipelines.set(device, (perDevice = new Map()));
    return perDevice;
  }

  private descriptor(device: GPUDevice, constants: Record<string, number>): GPUComputePipelineDescriptor {
    const { module, pipelineLayout } = this.moduleFor(device);
    return { label: this.spec.name, layout: pipelineLayout, compute: { module, entryPoint: this.reflect().entry, constants } };
  }

  private pipeline(device: GPUDevice, constants: Record<string, number>): Compiled {
    const perDevice = this.compiled(device);
    const key = JSON.stringify(constants);
    let p = perDevice.get(key);
    if (!p) {
      p = { pipeline: device.createComputePipeline(this.descriptor(device, constants)), layout: this.moduleFor(device).layout, used: false };
      perDevice.set(key, p);
      const fresh = freshKeys.get(device) ?? [];
      fresh.push(pipelineKey(this.spec.name, constants));
      freshKeys.set(device, fresh);
    }
    return p;
  }

  /** Whether the pipeline for these constants exists on `device` (created or precompiled). */
  hasPipeline(device: GPUDevice, constants: Record<string, number> = {}): boolean {
    return this.pipelines.get(device)?.has(JSON.stringify(constants)) ?? false;
  }

  /**
   * Creates the pipeline for these constants with createComputePipelineAsync (Dawn compiles it off the JavaScript
   * thread), so the first dispatch finds it ready. Rejects when the pipeline is invalid (GPUPipelineError).
   */
  async precompile(device: GPUDevice, constants: Record<string, number> = {}): Promise<void> {
    const perDevice = this.compiled(device);
    const key = JSON.stringify(constants);
    if (perDevice.has(key)) return;
    const pipeline = await device.createComputePipelineAsync(this.descriptor(device, constants));
    if (!perDevice.has(key)) perDevice.set(key, { pipeline, layout: this.moduleFor(device).layout, used: false });
  }

  /** Packs `params` into the shader's uniform struct by the reflected member offsets. */
  packUniform(params: Record<string, ParamValue>): Uint8Array | null {
    const u = this.reflect().uniform;
    if (!u) return null;
    const bytes = new Uint8Array(u.size);
    const view = new DataView(bytes.buffer);
    for (const m of u.members) {
      const v = params[m.name];
      if (v === undefined) throw new Error(`kernel ${this.spec.name}: uniform member '${m.name}' not given`);
      const values = typeof v === 'number' ? [v] : v;
      if (values.length !== m.count) throw new Error(`kernel ${this.spec.name}: '${m.name}' needs ${m.count} values, got ${values.length}`);
      values.forEach((x, i) => {
        const at = m.offset + 4 * i;
        if (m.scalar === 'f32') view.setFloat32(at, x, true);
        else if (m.scalar === 'u32') {
          if (!Number.isInteger(x) || x < 0 || x > 0xffffffff) throw new Error(`kernel ${this.spec.name}: '${m.name}' = ${x} is not a u32`);
          view.setUint32(at, x, true);
        } else view.setInt32(at, x, true);
      });
    }
    for (const k of Object.keys(params)) {
      if (!u.members.some((m) => m.name === k)) throw new Error(`kernel ${this.spec.name}: unknown uniform member '${k}'`);
    }
    return bytes;
  }

  /**
   * Records one dispatch into the Gpu's open compute pass.
   * `buffers` maps the shader's storage variable names to buffers or tensors.
   */
  dispatch(
    g: Gpu,
    buffers: Record<string, BufferLike>,
    params: Record<string, ParamValue>,
    workgroups: readonly [number, number?, number?],
    constants: Record<string, number> = {},
  ): void {
    const { bindings } = this.reflect();
    const compiled = this.pipeline(g.device, constants);
    // its first dispatch on this device: recorded for the run's list, and once recorded the Gpu is told (staged writes,
    // wait estimates)
    const first = !compiled.used;
    if (first) {
      compiled.used = true;
      usedKeys.add(pipelineKey(this.spec.name, constants));
    }
    const { pipeline, layout } = compiled;
    const [x, y = 1, z = 1] = workgroups;
    const maxWg = g.limits.maxComputeWorkgroupsPerDimension;
    if (x > maxWg || y > maxWg || z > maxWg) throw new Error(`kernel ${this.spec.name}: dispatch ${x}x${y}x${z} exceeds maxComputeWorkgroupsPerDimension ${maxWg}`);
    if (x === 0 || y === 0 || z === 0) return;
    const entries: GPUBindGroupEntry[] = bindings.map((b) => {
      if (b.kind === 'uniform') {
        const bytes = this.packUniform(params)!;
        return { binding: b.binding, resource: { buffer: g.uniform(bytes) } };
      }
      const given = buffers[b.name];
      if (!given) throw new Error(`kernel ${this.spec.name}: storage binding '${b.name}' not given`);
      const buffer = (given as { buffer?: GPUBuffer }).buffer ?? (given as GPUBuffer);
      if (buffer.size > g.limits.maxStorageBufferBindingSize) {
        throw new Error(`kernel ${this.spec.name}: '${b.name}' is ${buffer.size} bytes, over maxStorageBufferBindingSize ${g.limits.maxStorageBufferBindingSize}`);
      }
      return { binding: b.binding, resource: { buffer } };
    });
    const group = g.device.createBindGroup({ layout, entries });
    const pass = g.profiling ? g.profiledPass(this.spec.name) : g.pass;
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(x, y, z);
    if (g.profiling) pass.end();
    if (first) g.noteNewPipeline();
    g.noteDispatch(this.nameHash, x, y, z);
  }
}

/** Every kernel of the engine, by name: tests and benchmarks iterate over it. */
export const registry = new Map<string, Kernel>();

export function defineKernel(spec: KernelSpec): Kernel {
  if (registry.has(spec.name)) return registry.get(spec.name)!;
  const k = new Kernel(spec);
  registry.set(spec.name, k);
  return k;
}

/**
 * Workgroup counts for `n` invocations of a 1-D kernel with `wg` threads, split over x and y so no
 * dimension exceeds the adapter's limit. Shaders rebuild the flat index as
 * `gid.x + gid.y * num_workgroups.x * WG`.
 */
export function grid1d(n: number, wg: number, maxPerDim = 65535): [number, number] {
  const groups = Math.ceil(n / wg);
  if (groups <= maxPerDim) return [groups, 1];
  const y = Math.ceil(groups / maxPerDim);
  return [Math.ceil(groups / y), y];
}

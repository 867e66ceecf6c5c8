// What machine a run is on (Node): the CPU model and core count (lavapipe's and SwiftShader's speed follow the CPU,
// and differs between CPU families), the adapter, the SIMD width lavapipe names in its device string
// ("llvmpipe-llvm-15-0-6-256-bits-"), the Mesa version in its description, and the Node and npm `webgpu` (Dawn)
// versions. `spineseg doctor` prints it and every bench JSON written in Node records it, so figures from different
// machines are never mixed up.
import { availableParallelism, cpus } from 'node:os';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { adapterName, type AdapterDescription } from '../runtime/gpu.ts';
import { lavapipeThreads } from '../runtime/platform-node.ts';

export interface MachineInfo {
  cpu: string;
  cores: number;
  /**
   * The CPU beyond its marketing name, which a virtual machine may cut to "AMD EPYC": vendor, family, model and
   * stepping, hardware threads per core, and the vector extensions lavapipe's code generator can use
   * ("AuthenticAMD family 26 model 2 stepping 1; 1 thread per core; avx2 fma avx512f avx512bw avx512vl"). Null where
   * /proc/cpuinfo is not readable (not Linux).
   */
  cpuId: string | null;
  adapter: string;
  /**
   * lavapipe's compute threads as this process set them (LP_NUM_THREADS: "4 (the engine's default for 2 cores)" or
   * "3 (LP_NUM_THREADS)"), or null where nobody set them (lavapipe's default: one per core). Other adapters ignore it.
   */
  lavapipeThreads: string | null;
  /** lavapipe's SIMD width in bits, from its device name; null on other adapters */
  vectorBits: number | null;
  /** the Mesa version the adapter's description names (lavapipe), else null */
  mesa: string | null;
  node: string;
  dawn: string;
}

export function machineInfo(a: AdapterDescription): MachineInfo {
  const list = cpus();
  const bits = /(\d+)[- ]bits/.exec(`${a.device} ${a.description}`);
  const mesa = /Mesa ([\w.~+-]+)/.exec(a.description);
  let dawn = 'unknown';
  try {
    dawn = `webgpu ${(createRequire(import.meta.url)('webgpu/package.json') as { version: string }).version}`;
  } catch {
    // the binding's package.json is not exported by every version; the adapter line still names the driver
  }
  const lp = lavapipeThreads();
  const threads = lp ? `${lp.threads} (${lp.from === 'engine' ? `the engine's default for ${availableParallelism()} cores` : 'LP_NUM_THREADS'})` : null;
  return { cpu: list[0]?.model.trim() || 'unknown CPU', cores: list.length, lavapipeThreads: threads, cpuId: cpuIdentity(readOrNull('/proc/cpuinfo'), readOrNull('/sys/devices/system/cpu/cpu0/topology/thread_siblings_list')), adapter: adapterName(a), vectorBits: bits ? Number(bits[1]) : null, mesa: mesa ? mesa[1]! : null, node: process.version, dawn };
}

/** The vector extensions named in cpuId, in this order (those that change what LLVM emits for lavapipe). */
export const CPU_VECTOR_FLAGS = ['sse4_2', 'avx', 'avx2', 'fma', 'avx512f', 'avx512bw', 'avx512vl', 'avx512_vnni', 'avx_vnni', 'amx_tile'] as const;

/**
 * cpuId from the text of /proc/cpuinfo (its first processor) and of cpu0's topology/thread_siblings_list ("0",
 * "0,1", "0-1"): null without cpuinfo; the threads per core are left out without the siblings list.
 */
export function cpuIdentity(cpuinfo: string | null, siblings: string | null): string | null {
  if (cpuinfo === null) return null;
  const first = cpuinfo.split(/\n\s*\n/)[0] ?? '';
  const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(first)?.[1]?.trim() ?? null;
  const parts: string[] = [];
  const id = [field('vendor_id'), ...(['cpu family', 'model', 'stepping'] as const).map((f) => {
    const v = field(f);
    return v === null ? null : `${f === 'cpu family' ? 'family' : f} ${v}`;
  })].filter((x): x is string => x !== null);
  if (id.length > 0) parts.push(id.join(' '));
  const threads = siblings === null ? null : siblingCount(siblings);
  if (threads !== null) parts.push(`${threads} thread${threads === 1 ? '' : 's'} per core`);
  const flags = new Set((field('flags') ?? '').split(/\s+/));
  const vector = CPU_VECTOR_FLAGS.filter((f) => flags.has(f));
  parts.push(vector.length > 0 ? vector.join(' ') : 'no SSE4.2 or AVX');
  return parts.join('; ');
}

/** How many CPUs a sibling list names ("0", "0,1", "0-1", "0-1,4-5"); null if it is not such a list. */
export function siblingCount(list: string): number | null {
  let n = 0;
  for (const part of list.trim().split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) return null;
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) return null;
    n += b - a + 1;
  }
  return n;
}

function readOrNull(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

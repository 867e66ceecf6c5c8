// What machine a figure comes from, for every bench JSON: the CPU model and core count (lavapipe's speed follows
// the CPU), the adapter, the vector width lavapipe reports in its device name ("llvmpipe-llvm-15-0-6-256-bits-" on Mesa 25)
// where the adapter names one, and the versions of Node and of the npm `webgpu` (Dawn) binding.
import { cpus } from 'node:os';
import { createRequire } from 'node:module';
import { adapterName, type AdapterDescription } from '../src/runtime/gpu.ts';

export interface MachineInfo {
  cpu: string;
  cores: number;
  adapter: string;
  /** lavapipe's SIMD width in bits, from its device name; null on other adapters */
  vectorBits: number | null;
  node: string;
  dawn: string;
}

export function machineInfo(a: AdapterDescription): MachineInfo {
  const list = cpus();
  const bits = /(\d+)[- ]bits/.exec(`${a.device} ${a.description}`);
  let dawn = 'unknown';
  try {
    dawn = `webgpu ${(createRequire(import.meta.url)('webgpu/package.json') as { version: string }).version}`;
  } catch {
    // the binding's package.json is not exported by every version; the adapter line still names the driver
  }
  return { cpu: list[0]?.model.trim() || 'unknown CPU', cores: list.length, adapter: adapterName(a), vectorBits: bits ? Number(bits[1]) : null, node: process.version, dawn };
}

// What machine a run is on (Node): the CPU model and core count (lavapipe's and SwiftShader's speed follow the CPU,
// and differs between CPU families), the adapter, the SIMD width lavapipe names in its device string
// ("llvmpipe-llvm-15-0-6-256-bits-"), the Mesa version in its description, and the Node and npm `webgpu` (Dawn)
// versions. `spineseg doctor` prints it and every bench JSON written in Node records it, so figures from different
// machines are never mixed up.
import { cpus } from 'node:os';
import { createRequire } from 'node:module';
import { adapterName, type AdapterDescription } from '../runtime/gpu.ts';

export interface MachineInfo {
  cpu: string;
  cores: number;
  adapter: string;
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
  return { cpu: list[0]?.model.trim() || 'unknown CPU', cores: list.length, adapter: adapterName(a), vectorBits: bits ? Number(bits[1]) : null, mesa: mesa ? mesa[1]! : null, node: process.version, dawn };
}

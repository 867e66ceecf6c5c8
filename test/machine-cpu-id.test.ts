// What a bench JSON and `doctor` say of the CPU beyond its name (src/app/machine.ts): a virtual machine may name
// every AMD host "AMD EPYC", and lavapipe's speed follows the family, the threads per core and the vector
// extensions, so those are recorded.
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import { cpuIdentity, siblingCount, machineInfo } from '../src/app/machine.ts';

const ZEN5 = `processor\t: 0
vendor_id\t: AuthenticAMD
cpu family\t: 26
model\t\t: 2
model name\t: AMD EPYC
stepping\t: 1
flags\t\t: fpu sse sse2 ssse3 fma sse4_1 sse4_2 avx f16c avx2 bmi2 avx512f avx512dq avx512bw avx512vl avx_vnni avx512_vnni

processor\t: 1
vendor_id\t: GenuineIntel
cpu family\t: 6
model\t\t: 85
flags\t\t: sse4_2
`;

describe('the CPU identity of a bench record', () => {
  it('reads vendor, family, model and stepping of the first processor, the threads per core and the vector extensions in a fixed order', () => {
    expect(cpuIdentity(ZEN5, '0\n')).toBe('AuthenticAMD family 26 model 2 stepping 1; 1 thread per core; sse4_2 avx avx2 fma avx512f avx512bw avx512vl avx512_vnni avx_vnni');
    expect(cpuIdentity(ZEN5, '0-1\n')).toContain('; 2 threads per core; ');
    // no sibling list (or an unreadable one): the threads are left out, not guessed
    expect(cpuIdentity(ZEN5, null)).toBe('AuthenticAMD family 26 model 2 stepping 1; sse4_2 avx avx2 fma avx512f avx512bw avx512vl avx512_vnni avx_vnni');
    expect(cpuIdentity(ZEN5, 'x')).not.toContain('per core');
  });

  it('says so when a CPU has none of the extensions, and gives null without /proc/cpuinfo', () => {
    expect(cpuIdentity('vendor_id : ARM\nflags : neon\n', '0')).toBe('ARM; 1 thread per core; no SSE4.2 or AVX');
    expect(cpuIdentity('', null)).toBe('no SSE4.2 or AVX');
    expect(cpuIdentity(null, '0')).toBeNull();
  });

  it('counts the CPUs of a sibling list in its kernel forms', () => {
    expect(siblingCount('0')).toBe(1);
    expect(siblingCount('0,1')).toBe(2);
    expect(siblingCount('0-1')).toBe(2);
    expect(siblingCount('0-1,4-5\n')).toBe(4);
    expect(siblingCount('3-2')).toBeNull();
    expect(siblingCount('a')).toBeNull();
    expect(siblingCount('')).toBeNull();
  });

  it.skipIf(!fs.existsSync('/proc/cpuinfo'))('is what machineInfo records on this Linux machine', () => {
    const m = machineInfo({ vendor: '', architecture: '', device: 'llvmpipe-256-bits', description: 'Mesa 25.0.7', backend: 'vulkan', features: [], limits: {} });
    const info = fs.readFileSync('/proc/cpuinfo', 'utf8');
    const family = /^cpu family\s*:\s*(\d+)/m.exec(info);
    expect(m.cpuId).not.toBeNull();
    if (family) expect(m.cpuId).toContain(`family ${family[1]} `);
    expect(m.vectorBits).toBe(256);
  });
});

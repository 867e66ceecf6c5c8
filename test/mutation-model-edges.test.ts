// Second round against Stryker's survivors in src/model/safetensors.ts (docs/MUTATION.md): the exact limits of
// the size checks (an 8-byte file, a header of exactly 100 MiB).
import { describe, it, expect } from 'vitest';
import { decodeSafetensors } from '../src/model/safetensors.ts';

describe('safetensors size limits', () => {
  it('an 8-byte file has room for the length: its empty header is refused as JSON, not as too short', () => {
    expect(() => decodeSafetensors(new Uint8Array(8), 'm')).toThrow(/^m: header is not valid JSON \(/);
  });
  it('a header of exactly 100 MiB is read (and here refused as JSON), one byte more is over the cap', () => {
    const cap = 100 * 1024 * 1024;
    const bytes = new Uint8Array(8 + cap);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(cap), true);
    expect(() => decodeSafetensors(bytes, 'm'), 'at the cap').toThrow(/^m: header is not valid JSON \(/);
  });
});

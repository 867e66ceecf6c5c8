// Mutation tests of src/pipeline/phantom-levels.ts, writeLevelPhantoms' failure path (docs/MUTATION.md, eighth
// pass): an image write that fails half-way leaves neither the output folder nor its temp folder, and the error is
// the write's own. The writer is made to fail through a mock of src/pipeline/io.ts, so the case takes a second
// instead of the full write's ten. It also runs without a stale temp folder, which the full-write test always has.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';

describe('writeLevelPhantoms when a write fails', () => {
  it('removes its temp folder, writes no output folder and passes the error on', async () => {
    const written: string[] = [];
    vi.doMock('../src/pipeline/io.ts', async (importOriginal) => {
      const real = await importOriginal<typeof import('../src/pipeline/io.ts')>();
      return {
        ...real,
        writeImage: async (...args: Parameters<typeof real.writeImage>) => {
          if (written.length === 2) throw new Error('disk full (injected)');
          written.push(args[1]);
          return real.writeImage(...args);
        },
      };
    });
    const { writeLevelPhantoms } = await import('../src/pipeline/phantom-levels.ts');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spineseg-lp3-'));
    try {
      const out = path.join(dir, 'phantoms');
      await expect(writeLevelPhantoms(out)).rejects.toThrow('disk full (injected)');
      // it got as far as the first phantom's image and mask, inside its temp folder
      expect(written.map((f) => path.relative(dir, f))).toEqual([`.phantoms.tmp-${process.pid}/images/straight.mha`, `.phantoms.tmp-${process.pid}/masks/straight.mha`]);
      expect(fs.readdirSync(dir)).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      vi.doUnmock('../src/pipeline/io.ts');
    }
  });
});

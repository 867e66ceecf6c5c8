// The one write-then-rename helper (src/pipeline/atomic-write.ts): the new content or the old, never half, and
// no temp file left behind when a write fails.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { replaceDirAtomic, writeFileAtomic, writeFileAtomicWith } from '../src/pipeline/atomic-write.ts';

let dir = '';
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spineseg-atomic-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
const listing = () => fs.readdirSync(dir).sort();

describe('writeFileAtomic', () => {
  it('writes text and bytes, creating the folder, and replaces an existing file', () => {
    const file = path.join(dir, 'sub', 'a.json');
    writeFileAtomic(file, 'first');
    writeFileAtomic(file, new Uint8Array([104, 105]));
    expect(fs.readFileSync(file, 'utf8')).toBe('hi');
    expect(fs.readdirSync(path.join(dir, 'sub'))).toEqual(['a.json']);
  });

  it('removes its temp file and leaves the folder as it was when the rename fails', () => {
    // the target is a non-empty folder: the temp file is written, then the rename onto it fails
    const target = path.join(dir, 'taken');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'keep.txt'), 'old');
    expect(() => writeFileAtomic(target, 'new')).toThrow();
    expect(listing()).toEqual(['taken']);
    expect(fs.readFileSync(path.join(target, 'keep.txt'), 'utf8')).toBe('old');
  });
});

describe('writeFileAtomicWith', () => {
  it('leaves the target untouched and no temp file when the writer fails halfway', async () => {
    const file = path.join(dir, 'labels.mha');
    fs.writeFileSync(file, 'the old labels');
    let tmpSeen = '';
    await expect(
      writeFileAtomicWith(file, (tmp) => {
        tmpSeen = tmp;
        fs.writeFileSync(tmp, 'half of the new');
        throw new Error('disk full (simulated)');
      }),
    ).rejects.toThrow('disk full (simulated)');
    expect(path.dirname(tmpSeen)).toBe(dir);
    expect(path.basename(tmpSeen).startsWith('.tmp-')).toBe(true);
    expect(listing()).toEqual(['labels.mha']);
    expect(fs.readFileSync(file, 'utf8')).toBe('the old labels');
  });

  it('puts what the writer wrote in place', async () => {
    const file = path.join(dir, 'p.nii.gz');
    await writeFileAtomicWith(file, async (tmp) => fs.promises.writeFile(tmp, 'probabilities'));
    expect(fs.readFileSync(file, 'utf8')).toBe('probabilities');
    expect(listing()).toEqual(['p.nii.gz']);
  });
});

describe('replaceDirAtomic', () => {
  it('swaps a complete folder in for the old one and removes the old copy', () => {
    const out = path.join(dir, 'ckpt');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'config.json'), 'old');
    const tmp = path.join(dir, '.ckpt.tmp');
    fs.mkdirSync(tmp);
    fs.writeFileSync(path.join(tmp, 'config.json'), 'new');
    replaceDirAtomic(tmp, out);
    expect(fs.readFileSync(path.join(out, 'config.json'), 'utf8')).toBe('new');
    expect(listing()).toEqual(['ckpt']);
  });

  it('moves a folder into a free place, using the given name for the old copy only while swapping', () => {
    const tmp = path.join(dir, 'tmp');
    fs.mkdirSync(tmp);
    fs.writeFileSync(path.join(tmp, 'report.md'), 'r');
    replaceDirAtomic(tmp, path.join(dir, 'out'), path.join(dir, 'tmp.old'));
    expect(listing()).toEqual(['out']);
    expect(fs.readFileSync(path.join(dir, 'out', 'report.md'), 'utf8')).toBe('r');
  });
});

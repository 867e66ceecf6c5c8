// Second round against the survivors of the Stryker run over src/model (docs/MUTATION.md): a flip probability
// given as a string, a failed write into a folder that holds no config.json, the .prev fallback's own checks.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { augmentLevel, validateAugment } from '../src/model/augment.ts';
import { resolveCheckpointDir, writeDirAtomic } from '../src/model/checkpoint.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'spineseg-model-survivors-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('model survivors', () => {
  it('a flip probability must be a number, not a numeric string', () => {
    expect(() => validateAugment({ ...augmentLevel('none'), flip: { p: '0.5' as unknown as number } }, 'cfg')).toThrow('cfg: flip probability "0.5" must be in [0, 1]');
  });
  it('a failed write into an existing folder without config.json says there is no earlier checkpoint', () => {
    const dir = path.join(root, 'w', 'ck');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'x');
    expect(() => writeDirAtomic(dir, { 'config.json': '{}', 'no/such/sub': 'x' })).toThrow(`${dir}: writing the checkpoint failed (ENOENT); there is no earlier checkpoint`);
  });
  it('resolveCheckpointDir needs a config.json in the folder or in its .prev, not just the folders', () => {
    const dir = path.join(root, 'r', 'ck');
    fs.mkdirSync(dir, { recursive: true });
    fs.mkdirSync(`${dir}.prev`);
    expect(() => resolveCheckpointDir(dir)).toThrow(`${dir}: no checkpoint here (config.json missing)`);
    fs.writeFileSync(path.join(`${dir}.prev`, 'config.json'), '{}');
    expect(resolveCheckpointDir(dir), 'an empty folder falls back to .prev').toBe(`${dir}.prev`);
  });
});

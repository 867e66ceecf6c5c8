// Two small rules with a surviving break each: an RGB(A) mask PNG is grey only when R = G = B (each of green
// and blue checked on its own, RGBA too), and a run lock held by a zombie (killed, not yet reaped) is stale.
import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir, hostname } from 'node:os';
import { join } from 'node:path';
import { encode } from 'fast-png';
import { decodeGreyPngBytes } from '../src/pipeline/png.ts';
import { alive, acquireRunLock } from '../src/app/run-lock.ts';

describe('mask PNG channels', () => {
  const grey = [0, 1, 2, 3, 2, 1];
  const rgb = (channels: 3 | 4, edit?: (px: number[], i: number) => void) => {
    const data: number[] = [];
    grey.forEach((v, i) => {
      const px = channels === 3 ? [v, v, v] : [v, v, v, 255];
      edit?.(px, i);
      data.push(...px);
    });
    return encode({ width: 3, height: 2, channels, depth: 8, data: Uint8Array.from(data) });
  };
  for (const channels of [3, 4] as const) {
    it(`an ${channels === 3 ? 'RGB' : 'RGBA'} mask with R = G = B decodes to its grey levels`, () => {
      expect(Array.from(decodeGreyPngBytes('mask.png', rgb(channels)).data)).toEqual(grey);
    });
    for (const [name, c] of [['green', 1], ['blue', 2]] as const) {
      it(`an ${channels === 3 ? 'RGB' : 'RGBA'} mask whose ${name} channel alone differs at the last pixel is refused, naming the pixel`, () => {
        const bytes = rgb(channels, (px, i) => { if (i === 5) px[c] = px[0]! + 1; });
        let msg = 'accepted as grey';
        try { decodeGreyPngBytes('mask.png', bytes); } catch (e) { msg = (e as Error).message; }
        expect(msg, `${name} channel differs from red at pixel 5: ${msg}`).toMatch(/mask\.png.*pixel.*5.*expected grey \(R = G = B\)/);
      });
    }
  }
});

describe('run lock and zombies', () => {
  it("a zombie's lock (killed, unreaped) is stale: alive() is false and acquireRunLock takes it over", async () => {
    // sh forks a short sleep in the background, prints its pid, then execs into a long sleep, which never reaps
    // it: a zombie. The child outlives the exec (0.5 s), so sh cannot reap it first (dash reaps finished jobs
    // between commands, which made `true &` race and vanish).
    const parent = spawn('sh', ['-c', 'sleep 0.5 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const dir = mkdtempSync(join(tmpdir(), 'spineseg-lock-'));
    try {
      const zombie = await new Promise<number>((resolve, reject) => {
        parent.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
        parent.once('error', reject);
      });
      let state = '';
      for (let i = 0; i < 250 && state !== 'Z'; i++) {
        const stat = readFileSync(`/proc/${zombie}/stat`, 'utf8');
        state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
        if (state !== 'Z') await new Promise((r) => setTimeout(r, 20));
      }
      expect(state, `process ${zombie} is a zombie (state in /proc/${zombie}/stat)`).toBe('Z');
      expect(alive(process.pid), 'this process is alive').toBe(true);
      expect(alive(zombie), `zombie ${zombie} counts as gone`).toBe(false);
      writeFileSync(join(dir, '.lock'), JSON.stringify({ pid: zombie, host: hostname(), started: '2026-01-01T00:00:00Z' }));
      const lock = acquireRunLock(dir);
      expect(lock.tookOverFrom, "the zombie's lock is taken over").toBe(zombie);
      expect(JSON.parse(readFileSync(lock.file, 'utf8')).pid).toBe(process.pid);
      lock.release();
      expect(existsSync(lock.file)).toBe(false);
    } finally {
      parent.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a live process on this host keeps its lock', () => {
    const dir = mkdtempSync(join(tmpdir(), 'spineseg-lock-'));
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      writeFileSync(join(dir, '.lock'), JSON.stringify({ pid: sleeper.pid, host: hostname(), started: '2026-01-01T00:00:00Z' }));
      expect(() => acquireRunLock(dir)).toThrow(new RegExp(`in use by training process ${sleeper.pid}`));
    } finally {
      sleeper.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

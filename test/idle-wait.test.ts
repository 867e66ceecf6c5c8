// The idle-wait heuristic (src/runtime/gpu.ts): before waiting for work it has seen, the Gpu sleeps 0.8 of the
// SHORTEST of the last three waits for that work. One wait stretched by a stall of the process (a SIGSTOP, a
// suspended laptop) once made every later wait for the same work sleep nearly as long, compounding: a training
// run resumed after a 7-minute pause sat idle for more than ten. Results never depend on this, only timing.
import { describe, it, expect, beforeAll } from 'vitest';
import { Gpu, gpu, initGpu } from '../src/runtime/gpu.ts';
import { withSettings } from '../src/runtime/settings.ts';

describe('idle waits', () => {
  beforeAll(async () => {
    await initGpu();
  });

  it('sleep 0.8 of the shortest of the last three waits, so one stalled wait changes nothing', () => {
    const g = gpu();
    const key = `test-${Math.random()}`;
    expect(g.plannedSleep(null)).toBe(0);
    expect(g.plannedSleep(key), 'nothing known yet').toBe(0);
    g.noteWait(key, 100);
    expect(g.plannedSleep(key)).toBeCloseTo(80, 9);
    g.noteWait(key, 420_000); // a 7-minute stall
    expect(g.plannedSleep(key), 'after one stalled wait').toBeCloseTo(80, 9);
    g.noteWait(key, 120);
    expect(g.plannedSleep(key)).toBeCloseTo(80, 9);
    // work that really became slower is followed once the short wait has left the history
    g.noteWait(key, 300);
    expect(g.plannedSleep(key), 'the 100 ms wait is the fourth newest now').toBeCloseTo(0.8 * 120, 9);
    g.noteWait(key, 310);
    expect(g.plannedSleep(key)).toBeCloseTo(0.8 * 120, 9);
    g.noteWait(key, 320);
    expect(g.plannedSleep(key), 'three slower waits in a row').toBeCloseTo(0.8 * 300, 9);
    expect(Gpu.WAIT_HISTORY).toBe(3);
  });

  it('do not sleep below 4 ms of known work, nor with idle waits off', async () => {
    const g = gpu();
    const key = `test-${Math.random()}`;
    g.noteWait(key, 4);
    expect(g.plannedSleep(key)).toBe(0);
    g.noteWait(key, 3);
    expect(g.plannedSleep(key)).toBe(0);
    const other = `test-${Math.random()}`;
    g.noteWait(other, 50);
    expect(g.plannedSleep(other)).toBeCloseTo(40, 9);
    expect(await withSettings({ idleWaits: false }, async () => g.plannedSleep(other))).toBe(0);
  });

  it('remember at most 256 kinds of work, dropping the least recently seen', () => {
    const g = gpu();
    const keys = Array.from({ length: 257 }, (_, i) => `lru-${Math.random()}-${i}`);
    for (const k of keys) g.noteWait(k, 50);
    expect(g.plannedSleep(keys[0]!), 'the oldest is gone').toBe(0);
    expect(g.plannedSleep(keys[256]!)).toBeCloseTo(40, 9);
    // noting a key again makes it the newest
    g.noteWait(keys[1]!, 50);
    g.noteWait(`lru-extra-${Math.random()}`, 50);
    expect(g.plannedSleep(keys[1]!), 'refreshed, kept').toBeCloseTo(40, 9);
    expect(g.plannedSleep(keys[2]!), 'now the oldest, dropped').toBe(0);
  });
});

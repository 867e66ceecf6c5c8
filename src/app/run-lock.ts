// A training run's folder is one process's at a time: `<out>/.lock` holds the owner's pid. A lock whose process
// is gone (killed, crashed) is stale and taken over. SIGINT/SIGTERM only ask the loop to stop after the current
// step, so the last complete checkpoint stays loadable; a second signal ends the process at once.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export interface RunLock {
  file: string;
  /** whether an earlier owner's stale lock was taken over (its pid) */
  tookOverFrom: number | null;
  release(): void;
}

interface LockContent {
  pid: number;
  host: string;
  started: string;
}

/** Whether process `pid` runs on this host (a zombie its parent has not reaped counts as gone). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM: the process exists but belongs to someone else
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  // a killed process its parent has not reaped yet still answers kill(pid, 0): Linux shows it as a zombie (Z)
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

function readLock(file: string): LockContent | null {
  try {
    const j = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockContent>;
    return typeof j.pid === 'number' && Number.isInteger(j.pid) && j.pid > 0 ? { pid: j.pid, host: String(j.host ?? ''), started: String(j.started ?? '') } : null;
  } catch {
    return null;
  }
}

/** Takes `<dir>/.lock` for this process, or throws one line naming the live owner. */
export function acquireRunLock(dir: string): RunLock {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, '.lock');
  const mine: LockContent = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
  let tookOverFrom: number | null = null;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, JSON.stringify(mine), { flag: 'wx' });
      const release = () => {
        if (readLock(file)?.pid === process.pid) rmSync(file, { force: true });
        process.off('exit', release);
      };
      process.on('exit', release);
      return { file, tookOverFrom, release };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`${file}: cannot create the run lock (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    const owner = readLock(file);
    // a lock from another machine (shared disk) cannot be checked: only this host's pids are tested
    if (owner && owner.pid !== process.pid && (owner.host !== mine.host || alive(owner.pid))) {
      throw new Error(`${dir}: in use by training process ${owner.pid}${owner.host !== mine.host ? ` on ${owner.host}` : ''} since ${owner.started} (lock ${file}); wait for it to end or stop it, or choose another --out`);
    }
    // stale (its process is gone) or unreadable (a crash mid-write): take it over
    tookOverFrom = owner?.pid ?? null;
    rmSync(file, { force: true });
  }
  throw new Error(`${file}: could not take the run lock (another process keeps creating it)`);
}

export class StopRequested extends Error {
  /** 128 + signal number, as a shell reports a signalled process */
  readonly exitCode: number;
  constructor(message: string, signal: NodeJS.Signals) {
    super(message);
    this.name = 'StopRequested';
    this.exitCode = signal === 'SIGINT' ? 130 : 143;
  }
}

export interface StopSignal {
  /** the signal received, or null */
  readonly requested: NodeJS.Signals | null;
  dispose(): void;
}

/** Turns SIGINT/SIGTERM into a stop request the loop checks between steps; `onSignal` says it was heard. */
export function stopOnSignals(onSignal: (signal: NodeJS.Signals) => void): StopSignal {
  let requested: NodeJS.Signals | null = null;
  const handler = (signal: NodeJS.Signals) => {
    if (requested) process.exit(signal === 'SIGINT' ? 130 : 143);
    requested = signal;
    onSignal(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    get requested() {
      return requested;
    },
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

// `spineseg train` under faults, each in a child process on the built-in sample: a run folder held by a live
// process is refused; a stale lock (dead pid) is taken over; SIGINT/SIGTERM stop after the current step and leave
// checkpoint-last loadable; an injected checkpoint-write failure (full disk) keeps the previous checkpoint; an
// injected device loss ends with a message naming --resume.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sampleDataRoot } from '../src/pipeline/dataset.ts';
import { loadCheckpoint } from '../src/app/session.ts';
import { CLI, runCli, failureProblems, type CliResult } from './helpers/bad-input.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'spineseg-trainfault-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const trainArgs = (out: string, epochs: number, steps = 1) => ['train', '--data', sampleDataRoot(), '--out', out, '--size', '64x80', '--width-mult', '0.125', '--epochs', String(epochs), '--batch', '2', '--val-fraction', '0.25', '--steps-per-epoch', String(steps), '--max-slices-per-patient', '2', '--bn-momentum', '0.9', '--seed', '5'];

/** Files a run must not leave behind: temporary checkpoint folders and the lock. */
const leftovers = (out: string) => fs.readdirSync(out).filter((f) => f.includes('.tmp-') || f === '.lock' || f.endsWith('.prev'));

async function loadsAt(dir: string): Promise<number> {
  const ck = await loadCheckpoint(dir, true);
  ck.model.dispose();
  ck.optimizer!.dispose();
  return ck.state!.epoch;
}

describe('spineseg train under faults', () => {
  it('refuses a run folder another live process holds, and takes over a stale lock', async () => {
    const held = path.join(root, 'held');
    fs.mkdirSync(held);
    const owner = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120000)'], { stdio: 'ignore' });
    fs.writeFileSync(path.join(held, '.lock'), JSON.stringify({ pid: owner.pid, host: os.hostname(), started: '2026-01-01T00:00:00.000Z' }));
    const stale = path.join(root, 'stale');
    fs.mkdirSync(stale);
    const dead = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    await new Promise((r) => dead.on('exit', r));
    fs.writeFileSync(path.join(stale, '.lock'), JSON.stringify({ pid: dead.pid, host: os.hostname(), started: '2026-01-01T00:00:00.000Z' }));
    try {
      const [refused, tookOver] = await Promise.all([runCli(trainArgs(held, 1)), runCli(trainArgs(stale, 1))]);
      expect(failureProblems(refused, new RegExp(`in use by training process ${owner.pid} since .* \\(lock .*\\.lock\\)`), held)).toEqual([]);
      expect(fs.readdirSync(held)).toEqual(['.lock']);
      expect(JSON.parse(fs.readFileSync(path.join(held, '.lock'), 'utf8')).pid).toBe(owner.pid);
      expect(tookOver.stderr.split('\n').filter((l) => l.startsWith('spineseg:'))).toEqual([]);
      expect(tookOver.code).toBe(0);
      expect(tookOver.stdout).toContain(`took over the stale lock of process ${dead.pid}`);
      expect(leftovers(stale)).toEqual([]);
    } finally {
      owner.kill('SIGKILL');
    }
  }, 300_000);

  it('a model too big for the adapter or memory is refused before allocating, leaving no run folder', async () => {
    const out = path.join(root, 'toobig');
    const args = trainArgs(out, 1);
    args.splice(args.indexOf('--size') + 1, 1, '4096x4096');
    args.splice(args.indexOf('--width-mult') + 1, 1, '2');
    const r = await runCli(args);
    expect(failureProblems(r, /--size 4096x4096 --width-mult 2 --batch 2: its largest buffer \(\S+ output, [\d.]+ MiB at batch 2\) exceeds the adapter's buffer limit|over the memory budget/, '--size 4096x4096')).toEqual([]);
    expect(fs.existsSync(out)).toBe(false);
  }, 120_000);

  it('SIGINT and SIGTERM stop after the current step; checkpoint-last stays loadable', async () => {
    const run = (signal: NodeJS.Signals) =>
      new Promise<{ r: CliResult; out: string }>((done) => {
        const out = path.join(root, `signal-${signal}`);
        const child = spawn(process.execPath, [CLI, ...trainArgs(out, 50, 2)], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, XDG_RUNTIME_DIR: '/tmp' } });
        let stderr = '';
        let stdout = '';
        let sent = false;
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
          // once epoch 1 is on disk (its log line comes after the checkpoint write starts), ask it to stop
          if (!sent && /^epoch 1:/m.test(stdout)) {
            sent = true;
            setTimeout(() => child.kill(signal), 200);
          }
        });
        child.on('close', (code) => done({ r: { code, stderr, stdout }, out }));
      });
    const results = await Promise.all([run('SIGINT'), run('SIGTERM')]);
    for (const [{ r, out }, signal, code] of [[results[0], 'SIGINT', 130], [results[1], 'SIGTERM', 143]] as const) {
      const problems = failureProblems({ ...r, code: r.code === code ? 1 : r.code }, new RegExp(`stopped by ${signal} after (step \\d+|epoch \\d+ and its checkpoint).*the last complete checkpoint is .*checkpoint-last \\(epoch \\d+\\): continue with \`spineseg train --out .* --resume\``), out);
      expect(problems, `${signal}: exit ${r.code}\n${r.stderr}`).toEqual([]);
      expect(r.stdout).toContain(`${signal}: stopping after the current step`);
      expect(leftovers(out)).toEqual([]);
      const epoch = await loadsAt(path.join(out, 'checkpoint-last'));
      expect(epoch).toBeGreaterThanOrEqual(1);
      expect(r.stderr).toContain(`(epoch ${epoch})`);
    }
  }, 300_000);

  it('a failed checkpoint write (injected ENOSPC) keeps the previous checkpoint and says so', async () => {
    const out = path.join(root, 'diskfull');
    const r = await runCli(trainArgs(out, 3), { SPINESEG_FAIL_CHECKPOINT_WRITE: 'checkpoint-last:2' });
    expect(failureProblems(r, /checkpoint-last: writing the checkpoint failed \(ENOSPC\); the previous checkpoint there is intact; the last complete checkpoint is .*checkpoint-last \(epoch 1\): continue with `spineseg train --out .* --resume` once the disk has room/, out)).toEqual([]);
    expect(leftovers(out)).toEqual([]);
    expect(await loadsAt(path.join(out, 'checkpoint-last'))).toBe(1);
  }, 300_000);

  it('a device lost mid-run (injected) ends with a message naming --resume', async () => {
    const out = path.join(root, 'lost');
    const r = await runCli(trainArgs(out, 3), { SPINESEG_INJECT_DEVICE_LOSS_AT_STEP: '2' });
    expect(failureProblems(r, /the GPU device was lost during training \(.*\); the last complete checkpoint is .*checkpoint-last \(epoch 1\): continue with `spineseg train --out .* --resume`/, out)).toEqual([]);
    expect(leftovers(out)).toEqual([]);
    expect(await loadsAt(path.join(out, 'checkpoint-last'))).toBe(1);

    // --resume from a damaged optimizer state is refused naming the file; nothing in the run changes
    const opt = path.join(out, 'checkpoint-last', 'optimizer.safetensors');
    const bytes = new Uint8Array(fs.readFileSync(opt));
    new DataView(bytes.buffer).setFloat32(bytes.length - 4, NaN, true);
    fs.writeFileSync(opt, bytes);
    const before = fs.readdirSync(out).sort();
    const resumed = await runCli([...trainArgs(out, 3), '--resume']);
    expect(failureProblems(resumed, /optimizer\.safetensors: tensor \S+\[\d+\] = NaN: expected finite numbers/, opt)).toEqual([]);
    expect(fs.readdirSync(out).sort()).toEqual(before);
  }, 300_000);
});

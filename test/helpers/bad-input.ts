// Shared by the bad-input tests: run the real CLI in a child process and check the one-line failure.
import { spawn } from 'node:child_process';
import path from 'node:path';

export const CLI = path.resolve('bin/spineseg.mjs');

export interface CliResult {
  code: number | null;
  stderr: string;
  stdout: string;
}

export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp', ...env } });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('close', (code) => resolve({ code, stderr, stdout }));
  });
}

export async function runAll<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

const DAWN_NOTICE = /^Warning: \w+ artificially reduced/;

/** Problems with a failed run: exit code, the one "spineseg: " line naming `names`, matching `error`, no stack trace. */
export function failureProblems(r: CliResult, error: RegExp, names: string): string[] {
  const problems: string[] = [];
  if (r.code !== 1) problems.push(`exit ${r.code}`);
  // Dawn itself prints its limit adjustments at device creation; they are not ours to silence
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '' && !DAWN_NOTICE.test(l));
  if (!lines[0]?.startsWith('spineseg: ')) problems.push('stderr does not start with "spineseg: "');
  if (lines.length !== 1) problems.push(`${lines.length} lines on stderr`);
  if (/\n\s+at .+:\d+/.test(r.stderr)) problems.push('stack trace on stderr');
  if (!error.test(r.stderr)) problems.push(`stderr does not match ${error}`);
  if (!r.stderr.includes(names)) problems.push(`stderr does not name ${names}`);
  return problems;
}

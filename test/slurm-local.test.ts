// The cohort as an ordinary Slurm array job on a real single-node Slurm (scripts/slurm-local.sh: munged, slurmctld and
// slurmd on localhost, the 3-task predict array on the 12-study test cohort, the dependent collect job, then a
// resubmission that skips every done study). Where the machine cannot run Slurm (not root, or Debian's packages
// cannot be installed: exit 77) the test is skipped with the script's reason printed, never passed.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { repoRoot } from '../scripts/browser-harness.ts';

describe('cohort on a real single-node Slurm', () => {
  it('runs the predict array and its collect job, then skips the done studies on a rerun', (ctx) => {
    const r = spawnSync('bash', ['scripts/slurm-local.sh'], { cwd: repoRoot, encoding: 'utf8', timeout: 540_000 });
    const out = `${r.stdout}${r.stderr}`;
    if (r.status === 77) {
      console.log(`[slurm-local] SKIPPED: ${out.trim().split('\n').at(-1)}`);
      ctx.skip();
    }
    expect(r.status, out.split('\n').slice(-25).join('\n')).toBe(0);
    expect(out).toMatch(/12 studies: 11 done, 1 failed/);
  }, 600_000);
});

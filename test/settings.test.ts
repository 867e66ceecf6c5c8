// The settings registry (src/runtime/settings.ts): SPINESEG_* variables parsed and refused in one line naming
// the variable and the value, scoped overrides that restore on exit (also on a throw, a rejection and when
// nested), the engine reading its knobs from the registry, and doctor's listing with each value's source.
import { describe, it, expect, afterEach } from 'vitest';
import { settingsFromEnvironment, settings, setting, withSettings, provideSettings, settingRows, rereadEnvironment } from '../src/runtime/settings.ts';
import { settingsTable } from '../src/cli/doctor.ts';
import { fusedEpilogues } from '../src/kernels/epilogue.ts';
import { convChoice, convShapeKey } from '../src/kernels/conv_algorithm.ts';
import { matmulVariant } from '../src/kernels/matmul.ts';
import { gpu } from '../src/runtime/gpu.ts';

const touched = ['SPINESEG_FLUSH_EVERY', 'SPINESEG_FUSE'];
const saved = Object.fromEntries(touched.map((k) => [k, process.env[k]]));
afterEach(() => {
  for (const k of touched) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  rereadEnvironment();
  provideSettings({ convChoices: undefined }, 'tune cache');
});

describe('settings from the environment', () => {
  it('parses every variable of the registry', () => {
    const env = {
      SPINESEG_CONV: 'winograd',
      SPINESEG_FUSE: '0',
      SPINESEG_IDLE_WAITS: 'false',
      SPINESEG_FLUSH_EVERY: '32',
      SPINESEG_TUNE_DIR: 'off',
      SPINESEG_MEMORY_BUDGET_MB: '512.5',
      SPINESEG_INJECT_DEVICE_LOSS_AT_STEP: '3',
      SPINESEG_FAIL_CHECKPOINT_WRITE: 'checkpoint-last:2',
      SPINESEG_DATA: '/data/png',
      SPINESEG_CHROMIUM: '/opt/chromium',
      SPINESEG_SKIP_BROWSER: '1',
      SPINESEG_DEBUG: 'true',
      SPINESEG_SLOW: '1', // a test-only switch: not the registry's
    };
    expect(settingsFromEnvironment(env)).toEqual({
      convAlgorithm: 'winograd',
      fusedEpilogues: false,
      idleWaits: false,
      flushEvery: 32,
      tuneDir: 'off',
      memoryBudgetMb: 512.5,
      injectDeviceLossAtStep: 3,
      failCheckpointWrite: { dir: 'checkpoint-last', nth: 2 },
      dataRoot: '/data/png',
      chromium: '/opt/chromium',
      skipBrowser: true,
      debug: true,
    });
    expect(settingsFromEnvironment({ SPINESEG_CONV: '', SPINESEG_FUSE: undefined }), 'empty and unset variables leave the defaults').toEqual({});
  });

  it('refuses a malformed value in one line naming the variable and the value', () => {
    const bad: [string, string, string][] = [
      ['SPINESEG_CONV', 'fft', 'expected direct or winograd'],
      ['SPINESEG_FUSE', 'off', 'expected 0 or 1'],
      ['SPINESEG_IDLE_WAITS', '2', 'expected 0 or 1'],
      ['SPINESEG_FLUSH_EVERY', 'abc', 'expected an integer >= 0'],
      ['SPINESEG_FLUSH_EVERY', '-1', 'expected an integer >= 0'],
      ['SPINESEG_FLUSH_EVERY', '1.5', 'expected an integer >= 0'],
      ['SPINESEG_MEMORY_BUDGET_MB', 'lots', 'expected a number of MiB > 0'],
      ['SPINESEG_MEMORY_BUDGET_MB', '0', 'expected a number of MiB > 0'],
      ['SPINESEG_INJECT_DEVICE_LOSS_AT_STEP', 'two', 'expected an integer >= 0'],
      ['SPINESEG_FAIL_CHECKPOINT_WRITE', 'checkpoint-last', "expected '<checkpoint folder name>:<n>', n >= 1"],
      ['SPINESEG_FAIL_CHECKPOINT_WRITE', 'checkpoint-last:0', "expected '<checkpoint folder name>:<n>', n >= 1"],
      ['SPINESEG_SKIP_BROWSER', 'yes', 'expected 0 or 1'],
    ];
    for (const [name, value, expected] of bad) {
      let message = '';
      try {
        settingsFromEnvironment({ [name]: value });
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message, `${name}=${value}`).toBe(`${name}='${value}': ${expected}`);
    }
  });

  it('is read from process.env once, and refused when read', () => {
    process.env.SPINESEG_FLUSH_EVERY = '7';
    rereadEnvironment();
    expect(setting('flushEvery')).toBe(7);
    expect(gpu().flushEvery, 'the Gpu reads the setting').toBe(7);
    process.env.SPINESEG_FLUSH_EVERY = '9';
    expect(setting('flushEvery'), 'read once: a later change of process.env is not seen').toBe(7);
    process.env.SPINESEG_FUSE = 'no';
    rereadEnvironment();
    expect(() => settings()).toThrow("SPINESEG_FUSE='no': expected 0 or 1");
  });
});

describe('withSettings', () => {
  it('overrides inside the scope and restores on exit, nested', () => {
    const before = settings();
    const seen = withSettings({ fusedEpilogues: false, flushEvery: 16 }, () => {
      const outer = [fusedEpilogues(), gpu().flushEvery];
      const inner = withSettings({ flushEvery: 64, matmulVariant: 'tiled' }, () => [fusedEpilogues(), gpu().flushEvery, matmulVariant()]);
      return { outer, inner, after: [fusedEpilogues(), gpu().flushEvery, setting('matmulVariant')] };
    });
    expect(seen.outer).toEqual([false, 16]);
    expect(seen.inner, 'the inner scope keeps the outer values it does not set').toEqual([false, 64, 'tiled']);
    expect(seen.after, 'the inner scope is undone').toEqual([false, 16, null]);
    expect(settings()).toEqual(before);
  });

  it('restores when the function throws or its promise rejects, and after an async function resolves', async () => {
    const before = settings();
    expect(() =>
      withSettings({ convAlgorithm: 'direct' }, () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(setting('convAlgorithm')).toBe(before.convAlgorithm);
    await expect(
      withSettings({ winogradBandBytes: 4096 }, async () => {
        await new Promise((r) => setTimeout(r, 5));
        expect(setting('winogradBandBytes'), 'across an await').toBe(4096);
        throw new Error('late boom');
      }),
    ).rejects.toThrow('late boom');
    expect(setting('winogradBandBytes')).toBeNull();
    const v = await withSettings({ idleWaits: false }, async () => {
      await new Promise((r) => setTimeout(r, 5));
      return gpu().idleWaits;
    });
    expect(v).toBe(false);
    expect(settings()).toEqual(before);
  });

  it('drives the kernels: a forced algorithm and per-shape choices', () => {
    const key = convShapeKey('forward', 1, 8, 8, 32, 32);
    withSettings({ convChoices: { [key]: { algorithm: 'winograd', lanes: 'rows' } } }, () => {
      expect(convChoice('forward', 1, 8, 8, 32, 32)).toEqual({ algorithm: 'winograd', lanes: 'rows' });
      withSettings({ convAlgorithm: 'direct' }, () => expect(convChoice('forward', 1, 8, 8, 32, 32).algorithm).toBe('direct'));
    });
  });

  it('refuses an unknown name, a bad value, and overlapping async scopes, naming them', async () => {
    expect(() => withSettings({ fuse: true } as never, () => 0)).toThrow("withSettings: no setting named 'fuse'");
    expect(() => withSettings({ winogradBandBytes: 10 }, () => 0)).toThrow('withSettings: setting winogradBandBytes = 10: Winograd band size 10 bytes is too small (expected >= 64)');
    expect(() => withSettings({ flushEvery: -2 }, () => 0)).toThrow('withSettings: setting flushEvery = -2: expected an integer >= 0');
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const first = withSettings({ flushEvery: 1 }, () => sleep(5));
    const second = withSettings({ flushEvery: 2 }, () => sleep(30));
    await expect(first).rejects.toThrow('withSettings(flushEvery): scopes ended out of order');
    await second;
    expect(setting('flushEvery'), 'both scopes are gone').toBe(0);
  });
});

describe("doctor's listing", () => {
  it('shows every setting with its value and where it came from', () => {
    process.env.SPINESEG_FUSE = '0';
    rereadEnvironment();
    provideSettings({ convChoices: { [convShapeKey('forward', 1, 8, 8, 32, 32)]: { algorithm: 'direct' } } }, 'tune cache');
    const lines = withSettings({ flushEvery: 12 }, () => settingsTable());
    expect(lines).toHaveLength(settingRows().length);
    const row = (name: string) => {
      const l = lines.find((x) => x.trim().startsWith(`${name} `));
      expect(l, `doctor lists ${name}`).toBeDefined();
      return l!.trim().split(/\s{2,}/);
    };
    expect(row('fusedEpilogues')).toEqual(['fusedEpilogues', 'off', 'environment', 'SPINESEG_FUSE']);
    expect(row('flushEvery')).toEqual(['flushEvery', '12', 'override', 'SPINESEG_FLUSH_EVERY']);
    expect(row('convChoices')).toEqual(['convChoices', '1 shape/pass choices', 'tune cache', '-']);
    expect(row('idleWaits')).toEqual(['idleWaits', 'on', 'default', 'SPINESEG_IDLE_WAITS']);
    expect(row('tuneDir').slice(1), 'test/setup.ts sets SPINESEG_TUNE_DIR=off').toEqual(['off', 'environment', 'SPINESEG_TUNE_DIR']);
    for (const name of Object.keys(settings())) row(name);
  });
});

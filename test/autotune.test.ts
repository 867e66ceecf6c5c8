// The autotuner: it times real candidates on this adapter, its choices are used by conv2d, and the Node
// cache file round-trips, lives where SPINESEG_TUNE_DIR says, and rejects malformed content in one line; the
// table rows the web page shows, and forgetting an adapter's cache.
import { describe, it, expect, afterEach } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gpu, isCpuAdapter } from '../src/runtime/gpu.ts';
import { tuneConvShapes, adapterKey, loadTuning, TUNE_VERSION, type TuneCache } from '../src/kernels/autotune.ts';
import { subgroupGemm } from '../src/kernels/winograd.ts';
import { convChoice, convChoices, convShapeKey } from '../src/kernels/conv_algorithm.ts';
import { withSettings, provideSettings } from '../src/runtime/settings.ts';
import { nodeTuneStore } from '../src/app/tune-store-node.ts';
import { unetConv3x3Shapes, tuneRows, storedTune, forgetTune } from '../src/app/tune.ts';

// a loaded cache provides the convChoices setting for the rest of the process: withdraw it after each test
afterEach(() => provideSettings({ convChoices: undefined }, 'tune cache'));

describe('autotuner', () => {
  it('lists the U-Net 3x3 shapes: 20 conv layers (5 encoder blocks, bottom, 4 decoder blocks), the first from 1 channel', () => {
    const shapes = unetConv3x3Shapes(160, 128, 2);
    expect(shapes[0]).toMatchObject({ N: 2, H: 128, W: 160, C: 1, O: 16 });
    expect(shapes.some((s) => s.H === 8 && s.W === 10 && s.C === 512 && s.O === 512)).toBe(true);
    expect(shapes.map((s) => s.where.split(', ').length).reduce((a, b) => a + b, 0)).toBe(20);
  });

  it('built in, without a cache: on a CPU adapter F(4x4) from 4 channels (the filter gradient from 8 and a product of 96) on layers of 256+ pixels, F(2x2) from 16 below', () => {
    const cpu = isCpuAdapter(gpu().adapter);
    const at = (pass: 'forward' | 'input-grad' | 'filter-grad', N: number, H: number, W: number, C: number, O: number) => convChoice(pass, N, H, W, C, O);
    const f4 = cpu ? { algorithm: 'winograd', tile: 4 } : { algorithm: 'direct' };
    const f2 = cpu ? { algorithm: 'winograd' } : { algorithm: 'direct' };
    const direct = { algorithm: 'direct' };
    // the cpu preset's narrow full- and half-resolution layers (192x240, width x0.25)
    for (const pass of ['forward', 'input-grad'] as const) {
      expect(at(pass, 8, 240, 192, 4, 4), `${pass} 4 -> 4 at 240x192`).toEqual(f4);
      expect(at(pass, 8, 120, 96, 4, 8), `${pass} 4 -> 8 at 120x96`).toEqual(f4);
      expect(at(pass, 2, 16, 16, 4, 4), `${pass} exactly 256 pixels`).toEqual(f4);
      expect(at(pass, 2, 16, 16, 3, 8), `${pass} 3 -> 8`).toEqual(direct);
      expect(at(pass, 2, 16, 16, 8, 3), `${pass} 8 -> 3`).toEqual(direct);
    }
    expect(at('filter-grad', 8, 240, 192, 4, 4), 'filter gradient 4 -> 4').toEqual(direct);
    expect(at('filter-grad', 8, 120, 96, 4, 8), 'filter gradient 4 -> 8').toEqual(direct);
    expect(at('filter-grad', 8, 240, 192, 8, 8), 'filter gradient 8 -> 8: a product of 64').toEqual(direct);
    expect(at('filter-grad', 8, 240, 192, 12, 8), 'filter gradient 12 -> 8: a product of 96').toEqual(f4);
    expect(at('filter-grad', 8, 240, 192, 8, 12), 'filter gradient 8 -> 12').toEqual(f4);
    expect(at('filter-grad', 2, 16, 16, 7, 16), 'filter gradient 7 -> 16: 7 channels').toEqual(direct);
    expect(at('filter-grad', 2, 16, 16, 16, 7), 'filter gradient 16 -> 7').toEqual(direct);
    for (const pass of ['forward', 'input-grad', 'filter-grad'] as const) {
      expect(at(pass, 8, 120, 96, 16, 16), `${pass} 16 -> 16 at 120x96`).toEqual(f4);
      expect(at(pass, 8, 240, 192, 1, 4), `${pass} the first layer`).toEqual(direct);
      // below 256 pixels: F(2x2) from 16 channels, and a channel product of 512 for the filter gradient
      expect(at(pass, 8, 15, 12, 8, 8), `${pass} 8 -> 8 at 15x12`).toEqual(direct);
      expect(at(pass, 8, 15, 12, 64, 64), `${pass} 64 -> 64 at 15x12`).toEqual(f2);
    }
    expect(at('forward', 2, 15, 17, 16, 16), '255 pixels, 16 -> 16').toEqual(f2);
    expect(at('forward', 2, 15, 17, 15, 16), '255 pixels, 15 -> 16').toEqual(direct);
    expect(at('filter-grad', 2, 15, 17, 16, 16), '255 pixels, filter gradient of 16 x 16 < 512').toEqual(direct);
    expect(at('filter-grad', 2, 15, 17, 16, 32), '255 pixels, filter gradient of 16 x 32 = 512').toEqual(f2);
  });

  it('times every candidate of a small shape and the choice drives conv2d', async () => {
    const cache = await tuneConvShapes([{ N: 1, H: 6, W: 10, C: 8, O: 8 }], 1);
    const fwd = cache.choices[convShapeKey('forward', 1, 6, 10, 8, 8)];
    // lavapipe: channel lanes at the built-in 8 threads and at the layer's width (8 columns / 4 = 2 threads); the
    // subgroup GEMM (subgroupGemm, lavapipe's default) has one size, so no other is timed
    const sizes = subgroupGemm() ? [] : ['winograd-channels-wg2', 'winograd4-channels-wg2'];
    expect(Object.keys(fwd.ms).sort()).toEqual(['direct-register', 'direct-tiled', 'winograd-channels', 'winograd-rows', 'winograd4-channels', 'winograd4-rows', ...sizes].sort());
    expect(Object.keys(cache.choices[convShapeKey('filter-grad', 1, 6, 10, 8, 8)].ms).sort()).toEqual(['direct-register', 'direct-tiled', 'winograd', 'winograd4']);
    for (const v of Object.values(fwd.ms)) expect(v).toBeGreaterThan(0);
    withSettings({ convChoices: { [convShapeKey('forward', 1, 6, 10, 8, 8)]: { algorithm: 'winograd', lanes: 'rows' } } }, () => {
      expect(convChoice('forward', 1, 6, 10, 8, 8)).toEqual({ algorithm: 'winograd', lanes: 'rows' });
      expect(convChoice('forward', 1, 6, 10, 8, 8, 'direct')).toEqual({ algorithm: 'direct' });
    });
    withSettings({ convChoices: { [convShapeKey('input-grad', 1, 6, 10, 8, 8)]: { algorithm: 'winograd', lanes: 'channels', tile: 4 } } }, () => {
      expect(convChoice('input-grad', 1, 6, 10, 8, 8)).toEqual({ algorithm: 'winograd', lanes: 'channels', tile: 4 });
    });
  });

  it('times the layer-width workgroup besides the built-in 8 threads for channel-lane GEMMs, and a tuned workgroup size computes the same convolution', async () => {
    // the workgroup sizes of winograd_gemm_oc: the subgroup GEMM is off here
    const cache = await withSettings({ subgroupGemm: false }, () => tuneConvShapes([{ N: 1, H: 6, W: 10, C: 64, O: 64 }], 1));
    const names = Object.keys(cache.choices[convShapeKey('forward', 1, 6, 10, 64, 64)].ms);
    // lavapipe: the built-in size is 8 (laneWorkgroup), so 8 is not timed twice; 64 columns / 4 = 16 is the width's; 32 > 16
    for (const n of ['winograd-channels', 'winograd-channels-wg16', 'winograd4-channels', 'winograd4-channels-wg16', 'winograd4-rows']) expect(names).toContain(n);
    for (const n of ['winograd-channels-wg8', 'winograd4-channels-wg8', 'winograd-channels-wg32']) expect(names).not.toContain(n);
    const { Tensor } = await import('../src/runtime/tensor.ts');
    const { conv2dForward } = await import('../src/kernels/conv2d.ts');
    const x = Tensor.fromData(Float32Array.from({ length: 6 * 10 * 64 }, (_, i) => Math.sin(i)), [1, 6, 10, 64]);
    const w = Tensor.fromData(Float32Array.from({ length: 9 * 64 * 64 }, (_, i) => Math.cos(i) / 24), [3, 3, 64, 64]);
    const key = convShapeKey('forward', 1, 6, 10, 64, 64);
    const wide = await withSettings({ subgroupGemm: false, convChoices: { [key]: { algorithm: 'winograd', lanes: 'channels', tile: 4, wgx: 16 } } }, () => conv2dForward(x, w, null).read());
    const narrow = await withSettings({ subgroupGemm: false, convChoices: { [key]: { algorithm: 'winograd', lanes: 'channels', tile: 4, wgx: 8 } } }, () => {
      expect(convChoice('forward', 1, 6, 10, 64, 64)).toEqual({ algorithm: 'winograd', lanes: 'channels', tile: 4, wgx: 8 });
      return conv2dForward(x, w, null).read();
    });
    // the workgroup size only maps threads to columns: every output is summed in the same order
    expect(Array.from(narrow)).toEqual(Array.from(wide));
    x.dispose();
    w.dispose();
  });

  it('saves to and loads from the directory SPINESEG_TUNE_DIR names', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spineseg-tune-'));
    await withSettings({ tuneDir: dir }, async () => {
      const key = adapterKey(gpu().adapter);
      const shapeKey = convShapeKey('input-grad', 2, 8, 10, 64, 64);
      await nodeTuneStore.save(key, { version: TUNE_VERSION, adapter: 'test', date: 'now', choices: { [shapeKey]: { algorithm: 'winograd', lanes: 'channels', tile: 4, wgx: 8, ms: { winograd: 1 } } } });
      const file = join(dir, `tune-${key}.json`);
      expect(existsSync(file)).toBe(true);
      expect(JSON.parse(readFileSync(file, 'utf8')).choices[shapeKey].algorithm).toBe('winograd');
      const loaded = await loadTuning(nodeTuneStore);
      expect(loaded?.adapter).toBe('test');
      // every field of the choice survives the file: algorithm, thread mapping, tile size, workgroup size
      expect(convChoice('input-grad', 2, 8, 10, 64, 64)).toEqual({ algorithm: 'winograd', lanes: 'channels', tile: 4, wgx: 8 });
      rmSync(dir, { recursive: true });
    });
  });

  it('names the file and the field of a malformed cache', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spineseg-tune-'));
    await withSettings({ tuneDir: dir }, async () => {
      const key = adapterKey(gpu().adapter);
      const file = join(dir, `tune-${key}.json`);
      writeFileSync(file, JSON.stringify({ version: TUNE_VERSION, choices: { 'forward 1x2x2x4->4': { algorithm: 'fft' } } }));
      await expect(nodeTuneStore.load(key)).rejects.toThrow(`${file}: choices['forward 1x2x2x4->4'].algorithm is "fft"`);
      writeFileSync(file, '{ not json');
      await expect(nodeTuneStore.load(key)).rejects.toThrow(`${file}: not valid JSON`);
      rmSync(dir, { recursive: true });
    });
  });

  it("lists a cache as table rows and forgets the adapter's cache: the file and the choices in use", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spineseg-tune-'));
    await withSettings({ tuneDir: dir }, async () => {
      const cache: TuneCache = {
        version: TUNE_VERSION,
        adapter: 'test',
        date: 'now',
        choices: {
          'forward 1x8x10x16->16': { algorithm: 'winograd', lanes: 'channels', ms: { 'direct-register': 3, 'winograd-channels': 1 } },
          'input-grad 1x8x10x16->16': { algorithm: 'direct', variant: 'tiled', ms: { 'direct-tiled': 0.5, 'winograd-rows': 1 } },
          'filter-grad 1x8x10x16->16': { algorithm: 'winograd', ms: { 'direct-register': 2, winograd: 1.5 } },
        },
      };
      expect(tuneRows(cache).map(({ shape, pass, chosen, chosenMs }) => [shape, pass, chosen, chosenMs])).toEqual([
        ['1x8x10x16->16', 'forward', 'winograd-channels', 1],
        ['1x8x10x16->16', 'input-grad', 'direct-tiled', 0.5],
        ['1x8x10x16->16', 'filter-grad', 'winograd', 1.5],
      ]);
      expect(tuneRows(cache, ['filter-grad 1x8x10x16->16'])[0].ms).toEqual({ 'direct-register': 2, winograd: 1.5 });
      expect(() => tuneRows(cache, ['forward 1x1x1x1->1'])).toThrow("tune cache of test: no choice for 'forward 1x1x1x1->1'");
      const key = adapterKey(gpu().adapter);
      const file = join(dir, `tune-${key}.json`);
      expect(await storedTune(nodeTuneStore)).toEqual({ cache: null, where: file, key });
      await nodeTuneStore.save(key, cache);
      expect((await storedTune(nodeTuneStore)).cache?.choices).toEqual(cache.choices);
      await loadTuning(nodeTuneStore);
      expect(Object.keys(convChoices())).toHaveLength(3);
      expect(await forgetTune(nodeTuneStore)).toBe(file);
      expect(existsSync(file)).toBe(false);
      expect(convChoices()).toEqual({});
      expect((await storedTune(nodeTuneStore)).cache).toBeNull();
      await forgetTune(nodeTuneStore); // nothing stored: not an error
      rmSync(dir, { recursive: true });
    });
  });

  it('SPINESEG_TUNE_DIR=off loads nothing', async () => {
    await withSettings({ tuneDir: 'off' }, async () => {
      expect(await nodeTuneStore.load(adapterKey(gpu().adapter))).toBeNull();
    });
  });
});

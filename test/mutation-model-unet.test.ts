// Exact-value tests for src/model/unet.ts, written for its Stryker run (docs/MUTATION.md): a 16x16 U-Net of width
// 1/16 (1 to 32 channels), so each forward pass on lavapipe is a few tens of milliseconds. The forward pass in
// inference mode is compared with the float64 reference; what each block is handed in training mode (mode, dropout
// rate and seed, momentum, transposed kernel size, LeakyReLU slope) is recorded through a pass-through mock of
// src/graph/blocks.ts, so the seeds and rates are pinned exactly, not through their effect on random masks.
import { describe, expect, it, vi } from 'vitest';
import { Tensor } from '../src/graph/tensor.ts';
import { noGrad } from '../src/graph/autograd.ts';
import { Rng } from '../src/util/random.ts';
import { unetForwardRef } from '../src/reference/unet.ts';
import { makeConfig, paperConfig, UNet, layerList, unetConv3x3Shapes } from '../src/model/unet.ts';
import { randomiseUnetParams } from './helpers/unet-params.ts';

const calls: { block: 'conv' | 'up'; mode: Record<string, unknown> }[] = [];
vi.mock('../src/graph/blocks.ts', async (importOriginal) => {
  const blocks = await importOriginal<typeof import('../src/graph/blocks.ts')>();
  return {
    ...blocks,
    convReluBatchNormDropout: (...args: Parameters<typeof blocks.convReluBatchNormDropout>) => {
      calls.push({ block: 'conv', mode: { ...args[3] } });
      return blocks.convReluBatchNormDropout(...args);
    },
    upsampleBatchNormLeaky: (...args: Parameters<typeof blocks.upsampleBatchNormLeaky>) => {
      calls.push({ block: 'up', mode: { ...args[3] } });
      return blocks.upsampleBatchNormLeaky(...args);
    },
  };
});

const tiny = {
  width: 16, height: 16, widthMult: 1 / 16, seed: 3, leakyAlpha: 0.13, bnMomentum: 0.77,
  encoderDropout: [0.11, 0.12, 0.13, 0.14, 0.15], bottomDropout: 0.16, decoderDropout: [0.21, 0.22, 0.23, 0.24],
};

describe('makeConfig', () => {
  it('keeps the paper defaults, applies overrides, refuses sizes and widths it cannot build', () => {
    expect(makeConfig()).toEqual(paperConfig);
    expect(makeConfig({ width: 32, widthMult: 0.5 })).toEqual({ ...paperConfig, width: 32, widthMult: 0.5 });
    const msg = (w: number, h: number) => `U-Net input ${w}x${h}: width and height must be positive multiples of 16 (four 2x2 poolings)`;
    expect(() => makeConfig({ width: 24, height: 32 })).toThrow(msg(24, 32));
    expect(() => makeConfig({ width: 32, height: 24 })).toThrow(msg(32, 24));
    expect(() => makeConfig({ width: 0, height: 32 })).toThrow(msg(0, 32));
    expect(() => makeConfig({ width: 32, height: -16 })).toThrow(msg(32, -16));
    // a zero side is a multiple of 16 too: only the positivity checks refuse it, for each side on its own
    expect(() => makeConfig({ width: 32, height: 0 })).toThrow(msg(32, 0));
    expect(() => makeConfig({ widthMult: 0 })).toThrow('width multiplier 0 must be > 0');
    expect(() => makeConfig({ widthMult: NaN })).toThrow('width multiplier NaN must be > 0');
    expect(makeConfig({ widthMult: 1e-9 }).widthMult).toBe(1e-9);
  });

  it('rounds channel counts and never goes below one channel', () => {
    const out = (m: number) => layerList(makeConfig({ width: 16, height: 16, widthMult: m })).filter((l) => l.name.endsWith('.conv2')).map((l) => l.outShape[2]);
    expect(out(1 / 16)).toEqual([1, 2, 4, 8, 16, 32, 16, 8, 4, 2]);
    expect(out(0.01)).toEqual([1, 1, 1, 1, 3, 5, 3, 1, 1, 1]);
    expect(out(0.1)).toEqual([2, 3, 6, 13, 26, 51, 26, 13, 6, 3]);
  });

  it('lists a conv shape that several layers share once, naming every layer that uses it', () => {
    // at width x0.01 every channel count of levels 1-4 rounds to one, so enc1.conv1 (1 -> 1) and enc1.conv2 (1 -> 1)
    // share the full-resolution shape, and so do the decoder's at the same size
    const shapes = unetConv3x3Shapes(32, 32, 2, 0.01);
    const full = shapes.filter((s) => s.H === 32 && s.W === 32);
    expect(full.map((s) => [`${s.C}->${s.O}`, s.where])).toEqual([
      ['1->1', 'enc1.conv1, enc1.conv2, dec1.conv2'],
      ['2->1', 'dec1.conv1'],
    ]);
    expect(new Set(shapes.map((s) => `${s.H}x${s.W}x${s.C}->${s.O}`)).size).toBe(shapes.length);
    expect(shapes.every((s) => s.N === 2)).toBe(true);
  });
});

describe('UNet on the GPU (16x16, width 1/16)', () => {
  it('matches the float64 reference in inference mode and hands every block its mode, rate, seed and momentum', async () => {
    const config = makeConfig(tiny);
    const model = new UNet(config);
    try {
      const rng = new Rng(4);
      const params = await randomiseUnetParams(model, rng, 0.2);
      const N = 2;
      const x = Float32Array.from(rng.array(N * 16 * 16, 0, 1));
      const want = unetForwardRef(config, params, Float64Array.from(x), N);
      calls.length = 0;
      const logits = noGrad(() => model.forward(Tensor.fromData(x, [N, 16, 16, 1]), { training: false }));
      expect(logits.shape).toEqual([N, 16, 16, 4]);
      const got = await logits.read();
      logits.dispose();
      let worst = 0;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
      expect(worst).toBeLessThan(1e-4);
      // no dropout seed given: the seeds count from 0 * 97
      const rates = [0.11, 0.12, 0.13, 0.14, 0.15, 0.16, 0.21, 0.22, 0.23, 0.24];
      const conv = (training: boolean, seeds: number[]) => rates.map((rate, i) => ({ block: 'conv', mode: { training, bnMomentum: 0.77, rate, dropoutSeed: seeds[i] } }));
      const up = (training: boolean) => [3, 2, 2, 2].map((kernel) => ({ block: 'up', mode: { training, bnMomentum: 0.77, kernel, leakyAlpha: 0.13 } }));
      const order = (c: ReturnType<typeof conv>, u: ReturnType<typeof up>) => [...c.slice(0, 6), u[0], c[6], u[1], c[7], u[2], c[8], u[3], c[9]];
      expect(calls).toEqual(order(conv(false, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), up(false)));
      // training mode with a seed: seed * 97 + k, as u32
      calls.length = 0;
      noGrad(() => model.forward(Tensor.fromData(x, [N, 16, 16, 1]), { training: true, dropoutSeed: 5 })).dispose();
      expect(calls).toEqual(order(conv(true, [486, 487, 488, 489, 490, 491, 492, 493, 494, 495]), up(true)));
      calls.length = 0;
      noGrad(() => model.forward(Tensor.fromData(x, [N, 16, 16, 1]), { training: true, dropoutSeed: 2 ** 32 - 1 })).dispose();
      const big = Array.from({ length: 10 }, (_, k) => ((2 ** 32 - 1) * 97 + k + 1) % 2 ** 32);
      expect(big[0]).toBe(4294967200);
      expect(calls.filter((c) => c.block === 'conv').map((c) => c.mode.dropoutSeed)).toEqual(big);
    } finally {
      model.dispose();
    }
  });

  it('keeps every parameter under its name, trainable ones in layer order, and frees them on dispose', async () => {
    const config = makeConfig(tiny);
    const model = new UNet(config);
    const specs = layerList(config).flatMap((l) => l.params);
    expect([...model.params.keys()]).toEqual(specs.map((p) => p.name));
    for (const p of specs) {
      const t = model.params.get(p.name)!;
      expect(t.shape, p.name).toEqual(p.shape);
      expect(t.requiresGrad, p.name).toBe(p.trainable);
    }
    const trainable = model.trainable();
    expect(trainable).toEqual(specs.filter((p) => p.trainable).map((p) => model.params.get(p.name)));
    expect(trainable.length).toBe(specs.filter((p) => p.trainable).length);
    expect(Array.from(await model.params.get('enc1.bn.moving_variance')!.read())).toEqual([1]);
    expect(Array.from(await model.params.get('head.bias')!.read())).toEqual([0, 0, 0, 0]);
    expect(model.layers).toEqual(layerList(config));
    // a missing parameter is named
    model.params.get('up2.bn.gamma')!.dispose();
    model.params.delete('up2.bn.gamma');
    expect(() => noGrad(() => model.forward(Tensor.fromData(new Float32Array(256), [1, 16, 16, 1]), { training: false }))).toThrow('U-Net parameter up2.bn.gamma missing');
    const head = model.params.get('head.kernel')!;
    model.dispose();
    expect(model.params.size).toBe(0);
    // the tensors themselves are freed, not only forgotten
    await expect(head.read()).rejects.toThrow();
  });
});

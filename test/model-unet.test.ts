import { describe, it, expect } from 'vitest';
import { layerList, makeConfig, parameterCounts } from '../src/model/unet.ts';

// Parameter count of the paper's model computed by hand from the layer list in the issue.
const conv = (k: number, cin: number, cout: number) => k * k * cin * cout + cout;
const bn = (c: number) => 4 * c; // gamma, beta (trainable) + moving mean, variance
const block = (cin: number, f: number) => conv(3, cin, f) + bn(f) + conv(3, f, f);

describe('U-Net layer list', () => {
  it('has the parameter count computed by hand for the default model', () => {
    const encoder = block(1, 16) + block(16, 32) + block(32, 64) + block(64, 128) + block(128, 256);
    const bottom = block(256, 512);
    const decoder =
      conv(3, 512, 256) + bn(256) + block(256 + 128, 256) +
      conv(2, 256, 128) + bn(128) + block(128 + 64, 128) +
      conv(2, 128, 64) + bn(64) + block(64 + 32, 64) +
      conv(2, 64, 32) + bn(32) + block(32 + 16, 32);
    const head = conv(1, 32, 4);
    const total = encoder + bottom + decoder + head;
    const counts = parameterCounts(makeConfig());
    expect(counts.total).toBe(total);
    const bnChannels = 16 + 32 + 64 + 128 + 256 + 512 + 2 * (256 + 128 + 64 + 32);
    expect(counts.nonTrainable).toBe(2 * bnChannels);
    expect(total).toBe(8_037_972);
  });

  it('ends at the input size with 4 classes and halves four times', () => {
    const layers = layerList(makeConfig({ width: 128, height: 160 }));
    expect(layers.at(-1)!.outShape).toEqual([160, 128, 4]);
    const bottom = layers.find((l) => l.name === 'bottom.conv2')!;
    expect(bottom.outShape).toEqual([10, 8, 512]);
  });

  it('rejects sizes that are not multiples of 16', () => {
    expect(() => makeConfig({ width: 100, height: 160 })).toThrow(/multiples of 16/);
  });
});

describe('U-Net forward pass on the GPU', () => {
  it('matches the float64 reference with the full layer list (width 1, 32x48 input, batch 2, inference mode): fused epilogues, unfused, Winograd in bands', async () => {
    const { withSettings } = await import('../src/runtime/settings.ts');
    const { UNet } = await import('../src/model/unet.ts');
    const { unetForwardRef } = await import('../src/reference/unet.ts');
    const { Tensor } = await import('../src/graph/tensor.ts');
    const { noGrad } = await import('../src/graph/autograd.ts');
    const { Rng } = await import('../src/util/random.ts');
    const { compare } = await import('../src/checks/harness.ts');
    const config = makeConfig({ width: 32, height: 48, seed: 9 });
    const model = new UNet(config);
    const rng = new Rng(10);
    // non-trivial BatchNorm statistics and affine terms so inference-mode BN is exercised
    const { randomiseUnetParams } = await import('./helpers/unet-params.ts');
    const params = await randomiseUnetParams(model, rng, 0.05);
    const N = 2;
    const x = Float32Array.from(rng.array(N * 48 * 32, 0, 1));
    const want = unetForwardRef(config, params, Float64Array.from(x), N);
    const ways: [string, boolean, number | null][] = [
      ['fused epilogues', true, null],
      ['separate BatchNorm / activation passes', false, null],
      ['fused, Winograd in bands of 5 tiles', true, 16 * 4 * 512 * 5],
    ];
    for (const [what, fused, bandBytes] of ways) {
      await withSettings({ fusedEpilogues: fused, winogradBandBytes: bandBytes }, async () => {
        const logits = noGrad(() => model.forward(Tensor.fromData(x, [N, 48, 32, 1]), { training: false }));
        const got = await logits.read();
        logits.dispose();
        // 19 convolutions deep with up to 4608-term sums: float32 accumulation error grows with depth
        const r = compare(`logits (${what})`, got, want, [N, 48, 32, 4], { atol: 2e-3, rtol: 2e-3 });
        expect(r.pass, r.detail).toBe(true);
      });
    }
    model.dispose();
  });
});

describe('U-Net training step with the fused conv + ReLU', () => {
  it('gives the loss and every gradient of the unfused graph (width 0.25, 32x48, batch 2, dropout and batch statistics on)', async () => {
    const { UNet } = await import('../src/model/unet.ts');
    const { Tensor } = await import('../src/graph/tensor.ts');
    const { backward } = await import('../src/graph/autograd.ts');
    const { focalDiceLoss } = await import('../src/graph/nn.ts');
    const { withSettings } = await import('../src/runtime/settings.ts');
    const { Rng } = await import('../src/util/random.ts');
    const { compare } = await import('../src/checks/harness.ts');
    const rng = new Rng(21);
    const N = 2;
    const x = Float32Array.from(rng.array(N * 48 * 32, 0, 1));
    const labels = Uint32Array.from({ length: N * 48 * 32 }, () => rng.int(4));
    const run = (fused: boolean) =>
      withSettings({ fusedEpilogues: fused }, async () => {
        const model = new UNet(makeConfig({ width: 32, height: 48, widthMult: 0.25, seed: 5 }));
        try {
          const loss = focalDiceLoss(model.forward(Tensor.fromData(x, [N, 48, 32, 1]), { training: true, dropoutSeed: 7 }), Tensor.fromData(labels, [N, 48, 32], 'u32'));
          backward(loss);
          const grads = new Map<string, Float32Array>();
          for (const [name, t] of model.params) if (t.grad) grads.set(name, await t.grad.read());
          return { loss: (await loss.read())[0], grads };
        } finally {
          model.dispose();
        }
      });
    const fused = await run(true);
    const plain = await run(false);
    expect(fused.grads.size).toBe(plain.grads.size);
    expect(Math.abs(fused.loss - plain.loss)).toBeLessThan(1e-5);
    for (const [name, g] of plain.grads) {
      const r = compare(name, fused.grads.get(name)!, g, [g.length], { atol: 1e-5, rtol: 1e-3 });
      expect(r.pass, r.detail).toBe(true);
    }
  });
});

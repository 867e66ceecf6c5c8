// Inference BatchNorm folded into the convolutions (src/kernels/batchnorm.ts batchNormInferenceAffine, the
// fused epilogue) with the moving variances real checkpoints have: many near zero (1e-4 to 1e-2) and some
// exactly zero, where Keras' epsilon (1e-3) dominates the scale. With variances near 1 epsilon is invisible.
import { describe, it, expect } from 'vitest';
import { makeConfig, UNet } from '../src/model/unet.ts';
import { unetForwardRef } from '../src/reference/unet.ts';
import { Tensor } from '../src/graph/tensor.ts';
import { noGrad } from '../src/graph/autograd.ts';
import { Rng } from '../src/util/random.ts';
import { compare } from '../src/checks/harness.ts';
import { withSettings } from '../src/runtime/settings.ts';

describe('U-Net inference with near-zero BatchNorm moving variances', () => {
  it('matches the float64 reference (epsilon 1e-3) fused and unfused: width 0.25, 32x48, batch 2, variances 1e-4..1e-2 and 0', async () => {
    const config = makeConfig({ width: 32, height: 48, seed: 21, widthMult: 0.25 });
    const model = new UNet(config);
    const rng = new Rng(22);
    const params = new Map<string, Float64Array>();
    const variances = new Map<string, Float64Array>();
    const names = [...model.params.keys()];
    // variances first: gamma is scaled by sqrt(var + 1e-3) so activations stay O(1) through 19 layers, and
    // the scale gamma / sqrt(var + eps) then differs by up to 3.3x between eps 1e-3 and eps 1e-4 or 0
    for (const name of names) {
      if (!name.endsWith('.moving_variance')) continue;
      const n = model.params.get(name)!.size;
      variances.set(name, Float64Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 0 : 10 ** rng.uniform(-4, -2))));
    }
    for (const [name, t] of model.params) {
      let data: Float64Array = Float64Array.from(await t.read());
      const layer = name.slice(0, name.lastIndexOf('.'));
      if (name.endsWith('.moving_variance')) data = variances.get(name)!;
      if (name.endsWith('.moving_mean') || name.endsWith('.beta')) data = data.map(() => rng.uniform(-0.05, 0.05));
      if (name.endsWith('.gamma')) {
        const v = variances.get(`${layer}.moving_variance`)!;
        data = data.map((_, i) => rng.uniform(0.5, 1.5) * Math.sqrt(v[i] + 1e-3));
      }
      if (name.endsWith('.bias')) data = data.map(() => rng.uniform(-0.05, 0.05));
      const f32 = Float32Array.from(data);
      t.upload(f32);
      params.set(name, Float64Array.from(f32));
    }
    expect([...variances.values()].some((v) => v.some((x) => x === 0)), 'some moving variances are exactly 0').toBe(true);
    const N = 2;
    const x = Float32Array.from(rng.array(N * 48 * 32, 0, 1));
    const want = unetForwardRef(config, params, Float64Array.from(x), N);
    let scale = 0;
    for (const v of want) scale = Math.max(scale, Math.abs(v));
    expect(scale, 'reference logits are not all near zero').toBeGreaterThan(1e-2);
    for (const fused of [true, false]) {
      await withSettings({ fusedEpilogues: fused }, async () => {
        const logits = noGrad(() => model.forward(Tensor.fromData(x, [N, 48, 32, 1]), { training: false }));
        const got = await logits.read();
        logits.dispose();
        const r = compare(`logits (${fused ? 'fused epilogues' : 'separate BatchNorm passes'}), max |logit| ${scale.toFixed(3)}`, got, want, [N, 48, 32, 4], { atol: 1e-4 * Math.max(1, scale), rtol: 1e-4 });
        expect(r.pass, r.detail).toBe(true);
      });
    }
    model.dispose();
  });
});

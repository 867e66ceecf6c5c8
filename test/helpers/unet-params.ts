// Non-trivial BatchNorm statistics and affine terms for a U-Net under test, so that inference-mode BatchNorm is
// exercised: moving means and betas in [-0.2, 0.2], moving variances and gammas in [0.5, 1.5], biases in
// [-biasRange, biasRange]. Uploads them and returns every parameter as float64 (the values the GPU holds) for the
// float64 reference.
import type { UNet } from '../../src/model/unet.ts';
import type { Rng } from '../../src/util/random.ts';

export async function randomiseUnetParams(model: UNet, rng: Rng, biasRange: number): Promise<Map<string, Float64Array>> {
  const params = new Map<string, Float64Array>();
  for (const [name, t] of model.params) {
    let data = Float64Array.from(await t.read());
    if (name.endsWith('.moving_mean') || name.endsWith('.beta')) data = data.map(() => rng.uniform(-0.2, 0.2));
    if (name.endsWith('.moving_variance') || name.endsWith('.gamma')) data = data.map(() => rng.uniform(0.5, 1.5));
    if (name.endsWith('.bias')) data = data.map(() => rng.uniform(-biasRange, biasRange));
    const f32 = Float32Array.from(data);
    t.upload(f32);
    params.set(name, Float64Array.from(f32));
  }
  return params;
}

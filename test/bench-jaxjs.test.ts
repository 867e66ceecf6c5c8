// The jax-js training peer (bench/unet-jaxjs.ts) computes what our engine computes. On a small batch whose U-Net
// levels all have different heights and widths, with dropout off: its loss and every gradient equal ours within
// float32 tolerance, where the tolerance is measured, not assumed: both sides are compared with the same model
// in float64 (jax-js on its Wasm device). Then its jitted step applies Keras' Adam to its own gradients. Without
// this, its timings in bench/ could compare unlike work.
import { describe, it, expect, beforeAll } from 'vitest';
import { loadJaxWebgpu } from '../bench/jaxjs-baseline.ts';
import { checkJaxAgainstOurs, zeroGradient, type JaxCheck } from '../bench/jaxjs-check.ts';
import { syntheticBatch } from '../bench/train-core.ts';

describe('jax-js training peer', () => {
  let r: JaxCheck;
  beforeAll(async () => {
    const jax = await loadJaxWebgpu();
    // 48x32: the bottom of the U-Net is 3x2, so every transposed conv has odd input sizes
    r = await checkJaxAgainstOurs(jax, { width: 48, height: 32, widthMult: 0.125 }, syntheticBatch(2, 48, 32, 3));
  }, 300_000);

  it('gives our loss, and both are the float64 loss within float32 error', () => {
    expect(Math.abs(r.jaxLoss - r.exactLoss) / r.exactLoss).toBeLessThan(2e-5);
    expect(Math.abs(r.ourLoss - r.exactLoss) / r.exactLoss).toBeLessThan(2e-5);
    expect(r.stepLoss).toBeCloseTo(r.jaxLoss, 6);
  });

  it('gives our gradients within the float32 error both sides have against float64', () => {
    expect(r.grads.length).toBe(78);
    r.grads.forEach((g, i) => {
      if (zeroGradient(g.name)) {
        // zero in exact arithmetic: both sides give float32 noise only
        expect(g.norm, g.name).toBeLessThan(1e-6);
        return;
      }
      const ours = r.oursVsExact[i]!;
      const theirs = r.jaxVsExact[i]!;
      expect(theirs.relL2, `${g.name}: jax-js against float64`).toBeLessThan(1e-4);
      expect(ours.relL2, `${g.name}: ours against float64 (a wrong jax-js model fails here too: the float64 side is its code)`).toBeLessThan(3e-2);
      // the triangle inequality, with room for the two norms differing by that error
      expect(g.relL2, `${g.name}: jax-js against ours`).toBeLessThan(1.05 * (ours.relL2 + theirs.relL2) + 1e-6);
    });
  });

  it('applies Adam to its gradients in its jitted step', () => {
    for (const p of r.stepped) expect(p.relL2, p.name).toBeLessThan(1e-5);
  });
});

// The jax-js peer against our engine on one batch, with dropout off on both sides (config rates 0): the loss and
// every gradient, each side also against the same model in float64 (jax-js on its Wasm device), which gives the
// float32 tolerance its scale; then the jitted training step's Adam update against Adam on the host. A benchmark peer that computes something else would
// make its timing meaningless, so test/bench-jaxjs.test.ts runs this on a small shape and `bench train --jaxjs`
// and bench/train_ab.ts --jaxjs run it before they time anything.
import { UNet, makeConfig, type UNetConfig } from '../src/model/unet.ts';
import { readParams } from '../src/model/weights.ts';
import { scoped, keep } from '../src/graph/tensor.ts';
import { backward } from '../src/graph/autograd.ts';
import { focalDiceLoss } from '../src/graph/nn.ts';
import { uploadBatch, type Sample } from '../src/model/train.ts';
import { buildJaxUNet, jaxBatch, type Jax } from './unet-jaxjs.ts';

export interface TensorError {
  name: string;
  /** ||jax - ours|| / ||ours|| (L2 over the tensor) */
  relL2: number;
  /** ||ours||, to tell a gradient that is zero in exact arithmetic (a bias before BatchNorm) */
  norm: number;
}

export interface JaxCheck {
  ourLoss: number;
  jaxLoss: number;
  /** the same model in float64 on jax-js' Wasm device: the scale of float32 error */
  exactLoss: number;
  /** jax-js (float32, WebGPU) against ours */
  grads: TensorError[];
  /** ours against float64, and jax-js against float64 */
  oursVsExact: TensorError[];
  jaxVsExact: TensorError[];
  /** jax-js' parameters after its jitted training step against Keras' Adam applied on the host to its own gradients */
  stepped: TensorError[];
  /** the loss its jitted step reported */
  stepLoss: number;
}

/**
 * A bias whose gradient is zero in exact arithmetic: the upsample blocks' BatchNorm follows their transposed conv
 * directly and removes any constant. Both sides compute float32 noise there (about 1e-8), and Adam's first step
 * turns noise of either sign into +-lr / 10, so these are compared by their gradient's size only.
 */
export const zeroGradient = (name: string) => /^up\d\.convT\.bias$/.test(name);

function errors(ours: Map<string, Float32Array>, theirs: Map<string, Float32Array>): TensorError[] {
  return [...ours].map(([name, a]) => {
    const b = theirs.get(name);
    if (!b || b.length !== a.length) throw new Error(`jax-js check: ${name} has ${b?.length ?? 'no'} values, ours ${a.length}`);
    let d = 0;
    let n = 0;
    for (let i = 0; i < a.length; i++) {
      d += (a[i]! - b[i]!) ** 2;
      n += a[i]! ** 2;
    }
    return { name, relL2: Math.sqrt(d) / Math.max(Math.sqrt(n), 1e-30), norm: Math.sqrt(n) };
  });
}

/** Builds both models from the same initial weights with dropout off, and compares them on `batch`. */
export async function checkJaxAgainstOurs(jax: Jax, shape: Pick<UNetConfig, 'width' | 'height' | 'widthMult'>, batch: Sample[]): Promise<JaxCheck> {
  const config = makeConfig({ ...shape, encoderDropout: [0, 0, 0, 0, 0], bottomDropout: 0, decoderDropout: [0, 0, 0, 0] });
  const model = new UNet(config);
  try {
    const initial = await readParams(model);
    const jm = buildJaxUNet(jax, config, initial, batch.length);
    try {
      const { x, onehot } = jaxBatch(batch, config.classes);
      const theirs = await jm.lossAndGrads(x, onehot);
      const device = jax.defaultDevice();
      jax.defaultDevice('wasm');
      const f64 = buildJaxUNet(jax, config, initial, batch.length, { float64: true });
      const exact = await f64.lossAndGrads(x, onehot).finally(() => {
        f64.dispose();
        jax.defaultDevice(device);
      });
      const loss = scoped(() => {
        const { x: xs, y } = uploadBatch(batch);
        const l = focalDiceLoss(model.forward(xs, { training: true, dropoutSeed: 1 }), y);
        backward(l);
        for (const p of model.trainable()) keep(p.grad!);
        l.creator = null;
        return l;
      });
      const ourLoss = (await loss.read())[0]!;
      loss.dispose();
      const grads = new Map<string, Float32Array>();
      for (const p of model.trainable()) {
        grads.set(p.name!, await p.grad!.read());
        p.grad!.dispose();
        p.grad = null;
      }
      // the jitted step (forward, gradient and Adam in one function) against Adam's first step on the host:
      // m = 0.1 g, v = 0.001 g^2, lr_1 = 1e-3 sqrt(1 - 0.999) / (1 - 0.9), p -= lr_1 m / (sqrt(v) + 1e-7)
      const before = await jm.params();
      const stepLoss = await jm.step(x, onehot, 1);
      const lr1 = (1e-3 * Math.sqrt(1 - 0.999)) / (1 - 0.9);
      const expected = new Map([...before].map(([name, p0]) => {
        const g = theirs.grads.get(name)!;
        return [name, p0.map((v, i) => v - (lr1 * 0.1 * g[i]!) / (Math.sqrt(0.001 * g[i]! * g[i]!) + 1e-7))] as const;
      }));
      return {
        ourLoss,
        jaxLoss: theirs.loss,
        exactLoss: exact.loss,
        grads: errors(grads, theirs.grads),
        oursVsExact: errors(exact.grads, grads),
        jaxVsExact: errors(exact.grads, theirs.grads),
        stepped: errors(expected, await jm.params()),
        stepLoss,
      };
    } finally {
      jm.dispose();
    }
  } finally {
    model.dispose();
  }
}

/** One line: the losses and the worst relative gradient errors (ours and jax-js against float64, and between them). */
export function describeCheck(r: JaxCheck): string {
  const worst = (e: TensorError[]) => Math.max(...e.filter((t) => !zeroGradient(t.name)).map((t) => t.relL2));
  return `loss ours ${r.ourLoss.toFixed(6)}, jax-js ${r.jaxLoss.toFixed(6)}, float64 ${r.exactLoss.toFixed(6)}; worst gradient error vs float64: ours ${worst(r.oursVsExact).toExponential(1)}, jax-js ${worst(r.jaxVsExact).toExponential(1)}; jax-js vs ours ${worst(r.grads).toExponential(1)}`;
}

/**
 * The test's criteria (test/bench-jaxjs.test.ts) for the benches: null when jax-js computes our step within float32
 * error, else what fails. Loss within 2e-5 of float64 on both sides; every gradient of jax-js within 1e-4 of
 * float64 (relative L2), and within the sum of both sides' float64 errors of ours.
 */
export function jaxCheckFailure(r: JaxCheck): string | null {
  for (const [who, loss] of [['jax-js', r.jaxLoss], ['ours', r.ourLoss]] as const) if (!(Math.abs(loss - r.exactLoss) / r.exactLoss < 2e-5)) return `${who} loss ${loss} vs float64 ${r.exactLoss}`;
  for (const [i, g] of r.grads.entries()) {
    if (zeroGradient(g.name)) continue;
    const ours = r.oursVsExact[i]!.relL2;
    const theirs = r.jaxVsExact[i]!.relL2;
    if (!(theirs < 1e-4)) return `${g.name}: jax-js gradient ${theirs.toExponential(1)} from float64`;
    if (!(g.relL2 < 1.05 * (ours + theirs) + 1e-6)) return `${g.name}: jax-js gradient ${g.relL2.toExponential(1)} from ours (ours ${ours.toExponential(1)} from float64)`;
  }
  return null;
}

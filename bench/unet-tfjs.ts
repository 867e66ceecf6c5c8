// The same U-Net, layer for layer, in tfjs-core on tfjs-backend-webgpu: the baseline of `spineseg bench train`.
// Same layer list (src/model/unet.ts layerList), same initial weights, same loss (0.6 focal gamma 4 +
// 0.4 soft Dice with the same smoothing), Adam with Keras defaults. No node: imports: the web app's Benchmark tab
// runs it too; the loaders (bench/tfjs-baseline.ts in Node, web/src/tabs/bench-tfjs.ts in the page) register the gradients.
import type { Tf } from './tfjs-types.ts';
import { layerList, type UNetConfig } from '../src/model/unet.ts';
import type { NamedArray } from '../src/model/safetensors.ts';
import { focalDiceDefaults } from '../src/graph/nn.ts';

type Tensor4D = import('@tensorflow/tfjs-core').Tensor4D;
type Variable = import('@tensorflow/tfjs-core').Variable;

export interface TfjsUNet {
  /** one training step; `onehot` is the label map one-hot encoded on the host, [N,H,W,classes] float32 */
  step(x: Tensor4D, onehot: Tensor4D, seed: number): import('@tensorflow/tfjs-core').Scalar;
  dispose(): void;
}

export function buildTfjsUNet(tf: Tf, c: UNetConfig, weights: NamedArray[]): TfjsUNet {
  const vars = new Map<string, Variable>();
  const trainable = new Set(layerList(c).flatMap((l) => l.params.filter((p) => p.trainable).map((p) => p.name)));
  for (const w of weights) vars.set(w.name, tf.variable(tf.tensor(w.data, w.shape), trainable.has(w.name), w.name.replace(/[^A-Za-z0-9_]/g, '_')));
  const v = (n: string) => vars.get(n)!;
  const optimizer = tf.train.adam(1e-3, 0.9, 0.999, 1e-7);
  const { gamma, focalWeight, diceWeight, smooth } = focalDiceDefaults;

  const bn = (name: string, h: Tensor4D) => {
    const { mean, variance } = tf.moments(h, [0, 1, 2]);
    return tf.batchNorm(h, mean, variance, v(`${name}.beta`), v(`${name}.gamma`), 1e-3) as Tensor4D;
  };
  const conv = (name: string, h: Tensor4D) => tf.add(tf.conv2d(h, v(`${name}.kernel`) as never, 1, 'same'), v(`${name}.bias`)) as Tensor4D;
  const block = (name: string, h: Tensor4D, rate: number, seed: number) => {
    h = tf.relu(conv(`${name}.conv1`, h));
    h = bn(`${name}.bn`, h);
    h = tf.dropout(h, rate, undefined, seed) as Tensor4D;
    return tf.relu(conv(`${name}.conv2`, h)) as Tensor4D;
  };
  const forward = (x: Tensor4D, seed: number): Tensor4D => {
    const skips: Tensor4D[] = [];
    let h = x;
    c.filters.forEach((_, i) => {
      h = block(`enc${i + 1}`, h, c.encoderDropout[i], seed + i);
      if (i < 4) {
        skips.push(h);
        h = tf.maxPool(h, 2, 2, 'valid');
      }
    });
    h = block('bottom', h, c.bottomDropout, seed + 5);
    for (let i = 0; i < 4; i++) {
      const name = `up${4 - i}`;
      const [n, hh, ww] = h.shape;
      const w = v(`${name}.convT.kernel`);
      h = tf.add(tf.conv2dTranspose(h, w as never, [n, hh * 2, ww * 2, w.shape[2]!], 2, 'same'), v(`${name}.convT.bias`)) as Tensor4D;
      h = tf.leakyRelu(bn(`${name}.bn`, h), c.leakyAlpha) as Tensor4D;
      h = tf.concat([h, skips[3 - i]], 3);
      h = block(`dec${4 - i}`, h, c.decoderDropout[i], seed + 6 + i);
    }
    return conv('head', h);
  };
  // (one-hot is built on the host: backward through cast(oneHot(int32)) fails to compile in tfjs-webgpu 4.22)
  const loss = (logits: Tensor4D, y: Tensor4D) => {
    const p = tf.softmax(logits);
    const logp = tf.logSoftmax(logits);
    const focal = tf.mean(tf.sum(tf.mul(tf.neg(tf.mul(y, tf.pow(tf.sub(1, p), gamma))), logp), -1));
    const inter = tf.sum(tf.mul(p, y), [0, 1, 2]);
    const denom = tf.add(tf.sum(p, [0, 1, 2]), tf.sum(y, [0, 1, 2]));
    const dice = tf.mean(tf.div(tf.add(tf.mul(2, inter), smooth), tf.add(denom, smooth)));
    return tf.add(tf.mul(focalWeight, focal), tf.mul(diceWeight, tf.sub(1, dice))) as import('@tensorflow/tfjs-core').Scalar;
  };
  return {
    step: (x, onehot, seed) => optimizer.minimize(() => loss(forward(x, seed), onehot), true) as import('@tensorflow/tfjs-core').Scalar,
    dispose: () => {
      for (const t of vars.values()) t.dispose();
      optimizer.dispose();
    },
  };
}

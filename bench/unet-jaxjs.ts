// The same U-Net, layer for layer, in jax-js (@jax-js/jax) on its WebGPU backend: the second training peer of
// `spineseg bench train --jaxjs` and bench/train_ab.ts --jaxjs. Same layer list (src/model/unet.ts layerList),
// same initial weights (copied from ours, converted from our HWIO/NHWC layouts to jax-js' OIHW/NCHW), the
// same loss (0.6 focal with gamma 4 + 0.4 soft Dice, the smoothing of focalDiceDefaults), BatchNorm on batch
// statistics (epsilon 1e-3), dropout, and Adam with Keras defaults. One training step is ONE jitted function:
// forward, loss, reverse-mode gradient (valueAndGrad) and the Adam update, compiled by jax-js into fused
// WebGPU kernels. As for the tfjs peer, BatchNorm's moving statistics are not updated (the timed work is the
// gradient step). No node: imports: the web app's Benchmark tab runs it too; the loaders
// (bench/jaxjs-baseline.ts in Node, web/src/tabs/bench-jaxjs.ts in the page) initialise its WebGPU device.
import { layerList, type UNetConfig } from '../src/model/unet.ts';
import type { NamedArray } from '../src/model/safetensors.ts';
import { focalDiceDefaults } from '../src/graph/nn.ts';

export type Jax = typeof import('@jax-js/jax');
type JArray = import('@jax-js/jax').Array;
type Params = Record<string, JArray>;

/** Conv kernels [k,k,Cin,Cout] go to jax-js' [Cout, Cin, k, k]; transposed-conv kernels and vectors stay in our layout. */
const isConv = (name: string) => name.endsWith('.kernel') && !name.endsWith('.convT.kernel');

/** A conv kernel in our [k,k,Cin,Cout] (HWIO) order as [Cout, Cin, k, k] (OIHW: jax-js' and ONNX Conv's order). */
export function hwioToOihw(data: Float32Array, shape: readonly number[]): { data: Float32Array; dims: number[] } {
  const [kh, kw, C, O] = shape as [number, number, number, number];
  const out = new Float32Array(data.length);
  for (let i = 0; i < kh * kw; i++) for (let c = 0; c < C; c++) for (let o = 0; o < O; o++) out[(o * C + c) * kh * kw + i] = data[(i * C + c) * O + o]!;
  return { data: out, dims: [O, C, kh, kw] };
}

/** Our parameter in the layout the jax-js model holds it. */
function toJaxLayout(a: NamedArray): { data: Float32Array; shape: number[] } {
  if (!isConv(a.name)) return { data: a.data, shape: [...a.shape] };
  const t = hwioToOihw(a.data, a.shape);
  return { data: t.data, shape: t.dims };
}

/** The inverse of toJaxLayout: a jax-js parameter (or gradient) back in our layout `shape`. */
export function fromJaxLayout(name: string, data: Float32Array, shape: readonly number[]): Float32Array {
  if (!isConv(name)) return data;
  const [kh, kw, C, O] = shape as [number, number, number, number];
  const out = new Float32Array(data.length);
  for (let i = 0; i < kh * kw; i++) for (let c = 0; c < C; c++) for (let o = 0; o < O; o++) out[(i * C + c) * O + o] = data[(o * C + c) * kh * kw + i]!;
  return out;
}

/**
 * The 3x3 stride-2 transposed conv as four 2x2 phase convolutions: row 2a of the output is x[a] w[0] + x[a-1] w[2],
 * row 2a+1 is x[a] w[1] (src/reference/conv.ts conv2dTransposeRef, Keras 'same'), and the same for columns. This
 * [16, 9] 0/1 matrix scatters the nine taps into the [phase y, phase x, dy, dx] kernel of a 2x2 conv padded one
 * row and column before (dy = 0 reads x[a-1], dy = 1 reads x[a]).
 */
function phaseScatter(): Float32Array {
  const tap = (phase: number, d: number) => (phase === 0 ? (d === 1 ? 0 : 2) : d === 1 ? 1 : -1);
  const s = new Float32Array(16 * 9);
  for (let py = 0; py < 2; py++)
    for (let px = 0; px < 2; px++)
      for (let dy = 0; dy < 2; dy++)
        for (let dx = 0; dx < 2; dx++) {
          const ky = tap(py, dy);
          const kx = tap(px, dx);
          if (ky >= 0 && kx >= 0) s[(((py * 2 + px) * 2 + dy) * 2 + dx) * 9 + ky * 3 + kx] = 1;
        }
  return s;
}

export interface JaxUNet {
  /**
   * One jitted training step on x [N,1,H,W] and one-hot y [N,classes,H,W] (NCHW host arrays, uploaded once and kept
   * on the device while the same arrays come back); resolves to the loss. `beforeRead` runs after the step is
   * dispatched and before the loss is read (the benchmarks' wait treatment).
   */
  step(x: Float32Array, onehot: Float32Array, seed: number, beforeRead?: () => Promise<void>, wrapRead?: <T>(read: () => Promise<T>) => Promise<T>): Promise<number>;
  /** Loss and gradients (our names and layouts) of the current parameters, dropout off: the correctness check. */
  lossAndGrads(x: Float32Array, onehot: Float32Array): Promise<{ loss: number; grads: Map<string, Float32Array> }>;
  /** The trainable parameters, in our names and layouts. */
  params(): Promise<Map<string, Float32Array>>;
  dispose(): void;
}

/** A batch of slices (image and labels [H*W] each, one size) as the NCHW input and one-hot target the jax-js model takes. */
export function jaxBatch(samples: readonly { image: Float32Array; labels: ArrayLike<number> }[], classes: number): { x: Float32Array; onehot: Float32Array } {
  const px = samples[0]!.image.length;
  const x = new Float32Array(samples.length * px);
  const onehot = new Float32Array(samples.length * classes * px);
  samples.forEach((s, k) => {
    x.set(s.image, k * px);
    for (let i = 0; i < px; i++) onehot[(k * classes + s.labels[i]!) * px + i] = 1;
  });
  return { x, onehot };
}

/**
 * Builds the jax-js U-Net from our initial weights. `dropout: false` builds every dropout as the identity
 * (the gradient check; our side then uses a config with zero rates).
 */
export function buildJaxUNet(jax: Jax, c: UNetConfig, weights: NamedArray[], batch: number, opts: { float64?: boolean } = {}): JaxUNet {
  const { numpy: np, lax, nn, random, jit, valueAndGrad } = jax;
  // float64 (jax-js' Wasm device only): the exact side of the check's error scale
  const dtype = opts.float64 ? np.float64 : np.float32;
  // (float64 by a cast on the device: jax-js' float64 upload tests for Float16Array, which Node 20 lacks)
  const host = (d: Float32Array) => (opts.float64 ? np.array(d).astype(dtype) : np.array(d));
  const { gamma, focalWeight, diceWeight, smooth, alpha } = focalDiceDefaults;
  const specs = layerList(c).flatMap((l) => l.params.filter((p) => p.trainable));
  const ours = new Map(weights.map((w) => [w.name, w]));
  const shapes = new Map(specs.map((p) => [p.name, p.shape]));
  const names = specs.map((p) => p.name);
  const upload = (name: string) => {
    const w = ours.get(name);
    if (!w) throw new Error(`jax-js U-Net: weight ${name} missing`);
    const t = toJaxLayout(w);
    return host(t.data).reshape(t.shape);
  };
  let params: Params = Object.fromEntries(names.map((n) => [n, upload(n)]));
  let m: Params = Object.fromEntries(names.map((n) => [n, np.zeros([...(params[n]!.shape as number[])], { dtype })]));
  let v: Params = Object.fromEntries(names.map((n) => [n, np.zeros([...(params[n]!.shape as number[])], { dtype })]));
  const channelShape = (a: JArray) => a.reshape([1, a.shape[0]!, 1, 1]);
  const scatter = phaseScatter();

  const forward = (p: Params, x: JArray, key: JArray | null): JArray => {
    // the dropout keys of one step: split once into as many as the blocks need
    const keys = key ? random.split(key, 10) : null;
    let dropoutIndex = 0;
    const conv = (name: string, h: JArray) => lax.convGeneralDilated(h, p[`${name}.kernel`]!, [1, 1], 'SAME').add(channelShape(p[`${name}.bias`]!));
    const bn = (name: string, h: JArray) => {
      const mean = np.mean(h.ref, [0, 2, 3], { keepdims: true });
      const centred = h.sub(mean);
      const variance = np.mean(np.square(centred.ref), [0, 2, 3], { keepdims: true });
      return centred.div(np.sqrt(variance.add(1e-3))).mul(channelShape(p[`${name}.gamma`]!)).add(channelShape(p[`${name}.beta`]!));
    };
    const drop = (h: JArray, rate: number) => {
      const k = keys ? keys.ref.slice(dropoutIndex) : null;
      dropoutIndex++;
      if (!k || rate === 0) {
        k?.dispose();
        return h;
      }
      const keep = random.bernoulli(k, 1 - rate, [...(h.shape as number[])]).astype(dtype);
      return h.mul(keep).mul(1 / (1 - rate));
    };
    const block = (name: string, h: JArray, rate: number) => {
      h = nn.relu(conv(`${name}.conv1`, h));
      h = drop(bn(`${name}.bn`, h), rate);
      return nn.relu(conv(`${name}.conv2`, h));
    };
    const pool = (h: JArray) => {
      const [n, ch, hh, ww] = h.shape as number[];
      return np.max(h.reshape([n!, ch!, hh! / 2, 2, ww! / 2, 2]), [3, 5]);
    };
    const skips: JArray[] = [];
    let h = x;
    c.filters.forEach((_, i) => {
      h = block(`enc${i + 1}`, h, c.encoderDropout[i]!);
      if (i < 4) {
        skips.push(h.ref);
        h = pool(h);
      }
    });
    h = block('bottom', h, c.bottomDropout);
    for (let i = 0; i < 4; i++) {
      const name = `up${4 - i}`;
      // Keras Conv2DTranspose(stride 2, 'same'): a conv of x to 4 x Cout channels (the four output phases), then
      // depth-to-space. Kernel 2 (no overlap): a 1x1 conv with our [2,2,Cout,Cin] kernel read as [4 Cout, Cin].
      // Kernel 3: a 2x2 conv padded before, its kernel scattered from the 3x3 taps (phaseScatter) inside the graph,
      // so the gradient reaches exactly the nine taps. jax-js 0.1.25's own form, a conv of the 2x-dilated input
      // (lhsDilation), gave wrong values on WebGPU for a 4x4 input with 64 channels (seen here against its Wasm
      // device), so it is not used.
      const [n, , hh, ww] = h.shape as number[];
      const kernel = p[`${name}.convT.kernel`]!;
      const [k, , o, ci] = kernel.shape as number[];
      const y =
        k === 2
          ? lax.convGeneralDilated(h, kernel.reshape([4 * o!, ci!, 1, 1]), [1, 1], 'VALID')
          : lax.convGeneralDilated(h, np.transpose(np.matmul(host(scatter).reshape([16, 9]), kernel.reshape([9, o! * ci!])).reshape([2, 2, 2, 2, o!, ci!]), [0, 1, 4, 5, 2, 3]).reshape([4 * o!, ci!, 2, 2]), [1, 1], [[1, 0], [1, 0]]);
      h = np.transpose(y.reshape([n!, 2, 2, o!, hh!, ww!]), [0, 3, 4, 1, 5, 2]).reshape([n!, o!, 2 * hh!, 2 * ww!]).add(channelShape(p[`${name}.convT.bias`]!));
      h = nn.leakyRelu(bn(`${name}.bn`, h), c.leakyAlpha);
      h = np.concatenate([h, skips[3 - i]!], 1);
      h = block(`dec${4 - i}`, h, c.decoderDropout[i]!);
    }
    keys?.dispose();
    return conv('head', h);
  };

  const lossOf = (p: Params, x: JArray, y: JArray, key: JArray | null): JArray => {
    const logits = forward(p, x, key);
    const logp = nn.logSoftmax(logits, 1);
    const prob = np.exp(logp.ref);
    const pixels = (y.shape as number[]).reduce((a, b) => a * b, 1) / c.classes;
    const focal = np.sum(y.ref.mul(np.power(prob.ref.mul(-1).add(1), gamma)).mul(logp)).mul(-alpha / pixels);
    const inter = np.sum(prob.ref.mul(y.ref), [0, 2, 3]);
    const denom = np.sum(prob, [0, 2, 3]).add(np.sum(y, [0, 2, 3]));
    const dice = np.mean(inter.mul(2).add(smooth).div(denom.add(smooth)));
    return focal.mul(focalWeight).add(dice.mul(-1).add(1).mul(diceWeight));
  };

  // forward + loss + gradient + Adam (Keras: lr_t = lr sqrt(1 - b2^t) / (1 - b1^t), epsilon added to sqrt(v)) in one jit
  const step = jit((p: Params, m0: Params, v0: Params, x: JArray, y: JArray, key: JArray, lrT: JArray) => {
    const [loss, g] = valueAndGrad((q: Params) => lossOf(q, x, y, key))(Object.fromEntries(names.map((n) => [n, p[n]!.ref])));
    const np_: Params = {};
    const nm: Params = {};
    const nv: Params = {};
    for (const n of names) {
      const gi = (g as Params)[n]!;
      nm[n] = m0[n]!.mul(0.9).add(gi.ref.mul(0.1));
      nv[n] = v0[n]!.mul(0.999).add(np.square(gi).mul(0.001));
      np_[n] = p[n]!.sub(nm[n]!.ref.mul(lrT.ref).div(np.sqrt(nv[n]!.ref).add(1e-7)));
    }
    lrT.dispose();
    return { loss, p: np_, m: nm, v: nv };
  });
  const grads = jit(valueAndGrad((p: Params, x: JArray, y: JArray) => lossOf(p, x, y, null)));
  let t = 0;
  const nchw = (data: Float32Array, ch: number) => host(data).reshape([batch, ch, c.height, c.width]);
  const uploaded = new Map<Float32Array, JArray>();
  const onDevice = (data: Float32Array, ch: number) => {
    let a = uploaded.get(data);
    if (!a) uploaded.set(data, (a = nchw(data, ch)));
    return a;
  };

  return {
    async step(x, onehot, seed, beforeRead, wrapRead) {
      t++;
      const lrT = 1e-3 * Math.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t);
      const out = step(params, m, v, onDevice(x, c.inChannels).ref, onDevice(onehot, c.classes).ref, random.key(seed), host(new Float32Array([lrT])).reshape([]));
      params = out.p;
      m = out.m;
      v = out.v;
      await beforeRead?.();
      const loss = await (wrapRead ? wrapRead(() => out.loss.data()) : out.loss.data());
      return loss[0]!;
    },
    async lossAndGrads(x, onehot) {
      const p = Object.fromEntries(names.map((n) => [n, params[n]!.ref]));
      const [loss, g] = grads(p, nchw(x, c.inChannels), nchw(onehot, c.classes));
      const out = new Map<string, Float32Array>();
      for (const n of names) out.set(n, fromJaxLayout(n, Float32Array.from((await (g as Params)[n]!.data()) as ArrayLike<number>), shapes.get(n)!));
      return { loss: (await loss.data())[0]!, grads: out };
    },
    async params() {
      const out = new Map<string, Float32Array>();
      for (const n of names) out.set(n, fromJaxLayout(n, Float32Array.from((await params[n]!.ref.data()) as ArrayLike<number>), shapes.get(n)!));
      return out;
    },
    dispose() {
      for (const tree of [params, m, v]) for (const a of Object.values(tree)) a.dispose();
      for (const a of uploaded.values()) a.dispose();
      step.dispose();
      grads.dispose();
    },
  };
}

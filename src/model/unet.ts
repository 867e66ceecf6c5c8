// The paper's modified U-Net (the authors' published Keras model, made exact):
//   encoder levels 16-32-64-128-256: Conv3x3+ReLU, BatchNorm, Dropout, Conv3x3+ReLU; MaxPool 2x2 after levels 1-4;
//   an extra 512 block at the bottom (same shape of block, no pooling before it);
//   decoder: "upsample block" Conv2DTranspose (3x3 s2 for the first, 2x2 s2 after) + BatchNorm + LeakyReLU(0.1),
//   concat with the encoder level of the same size, conv block; Conv1x1 to 4 classes, softmax.
// The paper applies its custom upsample block (ConvT + BN + LeakyReLU) at every decoder level; so do we.
// Kernels are Glorot uniform, biases zero, BatchNorm gamma 1 beta 0, moving mean 0 variance 1 (Keras defaults).
import { Tensor, keep } from '../graph/tensor.ts';
import { relu } from '../graph/ops.ts';
import { conv2d, conv2dTranspose } from '../graph/conv.ts';
import { batchNorm, dropout, leakyRelu, maxPool2x2, concatChannels } from '../graph/nn.ts';
import { glorotUniform } from '../graph/init.ts';
import { isGradEnabled } from '../graph/autograd.ts';
import { batchNormInferenceAffine } from '../kernels/batchnorm.ts';
import { fusedEpilogues } from '../kernels/epilogue.ts';
import { Rng } from '../util/random.ts';

export interface UNetConfig {
  /** input width and height in pixels (multiples of 16) */
  width: number;
  height: number;
  inChannels: number;
  classes: number;
  /** encoder filters of levels 1-5, then the bottom block */
  filters: number[];
  bottomFilters: number;
  /** dropout of encoder levels 1-5 */
  encoderDropout: number[];
  bottomDropout: number;
  /** dropout of the decoder blocks at 1/8, 1/4, 1/2, 1/1 */
  decoderDropout: number[];
  /** multiplies every channel count (1 = the paper) */
  widthMult: number;
  leakyAlpha: number;
  /** BatchNorm moving-average momentum (Keras 0.99; short CPU runs use less so inference statistics converge) */
  bnMomentum: number;
  seed: number;
}

export const paperConfig: UNetConfig = {
  width: 512,
  height: 640,
  inChannels: 1,
  classes: 4,
  filters: [16, 32, 64, 128, 256],
  bottomFilters: 512,
  encoderDropout: [0.1, 0.1, 0.2, 0.2, 0.3],
  bottomDropout: 0.3,
  decoderDropout: [0.2, 0.2, 0.1, 0.1],
  widthMult: 1,
  leakyAlpha: 0.1,
  bnMomentum: 0.99,
  seed: 42,
};

export function makeConfig(overrides: Partial<UNetConfig> = {}): UNetConfig {
  const c = { ...paperConfig, ...overrides };
  if (c.width % 16 || c.height % 16 || c.width <= 0 || c.height <= 0) throw new Error(`U-Net input ${c.width}x${c.height}: width and height must be positive multiples of 16 (four 2x2 poolings)`);
  if (!(c.widthMult > 0)) throw new Error(`width multiplier ${c.widthMult} must be > 0`);
  return c;
}

/** Keras BatchNormalization's epsilon, which `batchNorm` uses by default. */
const BN_EPSILON = 1e-3;

const ch = (c: UNetConfig, n: number) => Math.max(1, Math.round(n * c.widthMult));

export interface ParamSpec {
  name: string;
  shape: number[];
  /** trainable (kernels, biases, gamma, beta) or not (BatchNorm moving statistics) */
  trainable: boolean;
  init: 'glorot' | 'zeros' | 'ones';
  fanIn?: number;
  fanOut?: number;
}

export interface LayerSpec {
  name: string;
  kind: string;
  /** [H, W, C] of the layer's output */
  outShape: [number, number, number];
  params: ParamSpec[];
}

/** Every layer in order with its output shape and parameters; drives init, summary and checkpoints. */
export function layerList(c: UNetConfig): LayerSpec[] {
  const layers: LayerSpec[] = [];
  let H = c.height;
  let W = c.width;
  let C = c.inChannels;
  const conv = (name: string, k: number, cout: number) => {
    layers.push({
      name,
      kind: `Conv2D ${k}x${k}`,
      outShape: [H, W, cout],
      params: [
        { name: `${name}.kernel`, shape: [k, k, C, cout], trainable: true, init: 'glorot', fanIn: k * k * C, fanOut: k * k * cout },
        { name: `${name}.bias`, shape: [cout], trainable: true, init: 'zeros' },
      ],
    });
    C = cout;
  };
  const bn = (name: string) =>
    layers.push({
      name,
      kind: 'BatchNormalization',
      outShape: [H, W, C],
      params: [
        { name: `${name}.gamma`, shape: [C], trainable: true, init: 'ones' },
        { name: `${name}.beta`, shape: [C], trainable: true, init: 'zeros' },
        { name: `${name}.moving_mean`, shape: [C], trainable: false, init: 'zeros' },
        { name: `${name}.moving_variance`, shape: [C], trainable: false, init: 'ones' },
      ],
    });
  const other = (name: string, kind: string) => layers.push({ name, kind, outShape: [H, W, C], params: [] });
  const block = (name: string, filters: number, rate: number) => {
    conv(`${name}.conv1`, 3, filters);
    other(`${name}.relu1`, 'ReLU');
    bn(`${name}.bn`);
    other(`${name}.dropout`, `Dropout ${rate}`);
    conv(`${name}.conv2`, 3, filters);
    other(`${name}.relu2`, 'ReLU');
  };
  const skips: number[] = [];
  c.filters.forEach((f, i) => {
    block(`enc${i + 1}`, ch(c, f), c.encoderDropout[i]);
    if (i < 4) {
      skips.push(C);
      H /= 2;
      W /= 2;
      other(`pool${i + 1}`, 'MaxPool 2x2');
    }
  });
  block('bottom', ch(c, c.bottomFilters), c.bottomDropout);
  const upFilters = [...c.filters.slice(0, 4)].reverse().map((f) => ch(c, f * 2));
  upFilters.forEach((f, i) => {
    const k = i === 0 ? 3 : 2;
    const name = `up${4 - i}`;
    H *= 2;
    W *= 2;
    layers.push({
      name: `${name}.convT`,
      kind: `Conv2DTranspose ${k}x${k} s2`,
      outShape: [H, W, f],
      params: [
        { name: `${name}.convT.kernel`, shape: [k, k, f, C], trainable: true, init: 'glorot', fanIn: k * k * C, fanOut: k * k * f },
        { name: `${name}.convT.bias`, shape: [f], trainable: true, init: 'zeros' },
      ],
    });
    C = f;
    bn(`${name}.bn`);
    other(`${name}.leaky`, `LeakyReLU ${c.leakyAlpha}`);
    C += skips[3 - i];
    other(`${name}.concat`, `Concatenate (+enc${4 - i})`);
    block(`dec${4 - i}`, f, c.decoderDropout[i]);
  });
  conv('head', 1, c.classes);
  other('softmax', 'Softmax');
  return layers;
}

export function parameterCounts(c: UNetConfig): { trainable: number; nonTrainable: number; total: number } {
  let trainable = 0;
  let nonTrainable = 0;
  for (const l of layerList(c))
    for (const p of l.params) {
      const n = p.shape.reduce((a, b) => a * b, 1);
      if (p.trainable) trainable += n;
      else nonTrainable += n;
    }
  return { trainable, nonTrainable, total: trainable + nonTrainable };
}

export interface ForwardOptions {
  training: boolean;
  /** seeds this step's dropout masks */
  dropoutSeed?: number;
}

export class UNet {
  readonly params = new Map<string, Tensor>();
  readonly layers: LayerSpec[];

  constructor(readonly config: UNetConfig) {
    this.layers = layerList(config);
    const rng = new Rng(config.seed);
    for (const l of this.layers)
      for (const p of l.params) {
        const n = p.shape.reduce((a, b) => a * b, 1);
        const data = p.init === 'glorot' ? glorotUniform(p.shape, p.fanIn!, p.fanOut!, rng) : new Float32Array(n).fill(p.init === 'ones' ? 1 : 0);
        const t = keep(Tensor.fromData(data, p.shape, 'f32', p.name));
        t.requiresGrad = p.trainable;
        this.params.set(p.name, t);
      }
  }

  /** Parameters the optimizer updates, in layer order. */
  trainable(): Tensor[] {
    return this.layers.flatMap((l) => l.params.filter((p) => p.trainable).map((p) => this.params.get(p.name)!));
  }

  private p(name: string): Tensor {
    const t = this.params.get(name);
    if (!t) throw new Error(`U-Net parameter ${name} missing`);
    return t;
  }

  /**
   * x: [N, H, W, inChannels] -> logits [N, H, W, classes] (softmax is fused into the loss / applied by predict).
   * With fused epilogues on (src/kernels/epilogue.ts, the default), every conv block writes bias + ReLU in the
   * convolution's output pass; at inference without gradients the BatchNorm after a block's first ReLU and
   * the upsample blocks' BatchNorm + LeakyReLU are folded in too, so no separate elementwise pass remains.
   */
  forward(x: Tensor, opts: ForwardOptions): Tensor {
    const c = this.config;
    let dropoutIndex = 0;
    const seed = opts.dropoutSeed ?? 0;
    const fuseRelu = fusedEpilogues();
    const fuseAll = fuseRelu && !opts.training && !isGradEnabled();
    const bn = (name: string, h: Tensor) =>
      batchNorm(h, this.p(`${name}.gamma`), this.p(`${name}.beta`), { runningMean: this.p(`${name}.moving_mean`), runningVar: this.p(`${name}.moving_variance`) }, { training: opts.training, momentum: c.bnMomentum });
    const bnAffine = (name: string) => batchNormInferenceAffine(this.p(`${name}.gamma`), this.p(`${name}.beta`), this.p(`${name}.moving_mean`), this.p(`${name}.moving_variance`), BN_EPSILON);
    const convRelu = (name: string, h: Tensor) => (fuseRelu ? conv2d(h, this.p(`${name}.kernel`), this.p(`${name}.bias`), { relu: true }) : relu(conv2d(h, this.p(`${name}.kernel`), this.p(`${name}.bias`))));
    const block = (name: string, h: Tensor, rate: number) => {
      if (fuseAll) {
        const affine = bnAffine(`${name}.bn`);
        h = conv2d(h, this.p(`${name}.conv1.kernel`), this.p(`${name}.conv1.bias`), { relu: true, affine });
        affine.dispose();
      } else {
        h = bn(`${name}.bn`, convRelu(`${name}.conv1`, h));
        h = dropout(h, rate, { training: opts.training, seed: (seed * 97 + ++dropoutIndex) >>> 0 });
      }
      return convRelu(`${name}.conv2`, h);
    };
    const skips: Tensor[] = [];
    let h = x;
    c.filters.forEach((_, i) => {
      h = block(`enc${i + 1}`, h, c.encoderDropout[i]);
      if (i < 4) {
        skips.push(h);
        h = maxPool2x2(h);
      }
    });
    h = block('bottom', h, c.bottomDropout);
    for (let i = 0; i < 4; i++) {
      const name = `up${4 - i}`;
      const k = this.p(`${name}.convT.kernel`);
      const b = this.p(`${name}.convT.bias`);
      if (fuseAll) {
        const affine = bnAffine(`${name}.bn`);
        h = conv2dTranspose(h, k, b, { kernel: i === 0 ? 3 : 2 }, { affine, leakyAlpha: c.leakyAlpha });
        affine.dispose();
      } else h = leakyRelu(bn(`${name}.bn`, conv2dTranspose(h, k, b, { kernel: i === 0 ? 3 : 2 })), c.leakyAlpha);
      h = concatChannels(h, skips[3 - i]);
      h = block(`dec${4 - i}`, h, c.decoderDropout[i]);
    }
    return conv2d(h, this.p('head.kernel'), this.p('head.bias'));
  }

  dispose(): void {
    for (const t of this.params.values()) t.dispose();
    this.params.clear();
  }
}

/** Multiply-accumulates of one forward pass per image (convs only), for GFLOP/s figures: FLOPs = 2 * MACs. */
export function forwardMacs(c: UNetConfig): number {
  let macs = 0;
  for (const l of layerList(c)) {
    const [H, W, C] = l.outShape;
    const kernel = l.params.find((p) => p.name.endsWith('.kernel'));
    if (kernel) {
      const [kh, kw] = kernel.shape;
      const cin = l.kind.startsWith('Conv2DTranspose') ? kernel.shape[3] : kernel.shape[2];
      // a stride-2 transposed conv touches each input pixel kh*kw times: (H/2)(W/2) inputs
      macs += l.kind.startsWith('Conv2DTranspose') ? (H / 2) * (W / 2) * kh * kw * cin * C : H * W * kh * kw * cin * C;
    }
  }
  return macs;
}

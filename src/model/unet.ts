// The paper's modified U-Net (the authors' published Keras model, made exact):
//   encoder levels 16-32-64-128-256: Conv3x3+ReLU, BatchNorm, Dropout, Conv3x3+ReLU; MaxPool 2x2 after levels 1-4;
//   an extra 512 block at the bottom (same shape of block, no pooling before it);
//   decoder: "upsample block" Conv2DTranspose (3x3 s2 for the first, 2x2 s2 after) + BatchNorm + LeakyReLU(0.1),
//   concat with the encoder level of the same size, conv block; Conv1x1 to 4 classes, softmax.
// The paper applies its custom upsample block (ConvT + BN + LeakyReLU) at every decoder level; so do we.
// Kernels are Glorot uniform, biases zero, BatchNorm gamma 1 beta 0, moving mean 0 variance 1 (Keras defaults).
//
// The network is declared once, as a list of blocks (unetBlocks); each block yields both its layers (names,
// output shapes, parameter specs: init, summary, checkpoints) and its forward pass, so the two cannot drift.
import { Tensor, keep } from '../graph/tensor.ts';
import { conv2d } from '../graph/conv.ts';
import { maxPool2x2, concatChannels } from '../graph/nn.ts';
import { convRelu, convReluBatchNormDropout, upsampleBatchNormLeaky, type BatchNormWeights, type ConvWeights } from '../graph/blocks.ts';
import { glorotUniform } from '../graph/init.ts';
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

/** What a layer computes: the typed kind code matches on (never the display label). */
export type LayerOp =
  | { type: 'conv2d'; kernel: 1 | 3 }
  | { type: 'conv2dTranspose'; kernel: 2 | 3; stride: 2 }
  | { type: 'batchNorm' }
  | { type: 'relu' }
  | { type: 'dropout'; rate: number }
  | { type: 'maxPool2x2' }
  | { type: 'leakyRelu'; alpha: number }
  /** channel concatenation with the output of encoder block `skip` (taken before its pooling) */
  | { type: 'concat'; skip: string }
  | { type: 'softmax' };

/** The Keras-style type a summary prints for a layer. */
export function layerLabel(op: LayerOp): string {
  switch (op.type) {
    case 'conv2d':
      return `Conv2D ${op.kernel}x${op.kernel}`;
    case 'conv2dTranspose':
      return `Conv2DTranspose ${op.kernel}x${op.kernel} s${op.stride}`;
    case 'batchNorm':
      return 'BatchNormalization';
    case 'relu':
      return 'ReLU';
    case 'dropout':
      return `Dropout ${op.rate}`;
    case 'maxPool2x2':
      return 'MaxPool 2x2';
    case 'leakyRelu':
      return `LeakyReLU ${op.alpha}`;
    case 'concat':
      return `Concatenate (+${op.skip})`;
    case 'softmax':
      return 'Softmax';
  }
}

export interface LayerSpec {
  name: string;
  op: LayerOp;
  /** the display label of `op` (layerLabel), as `spineseg summary` prints it */
  kind: string;
  /** [H, W, C] of the layer's output */
  outShape: [number, number, number];
  params: ParamSpec[];
}

type Shape = [number, number, number];

/** What a block's forward pass sees: its parameters by name, the mode, the skip connections, the dropout seeds. */
interface ForwardRun {
  param(name: string): Tensor;
  training: boolean;
  bnMomentum: number;
  /** block outputs kept for the decoder's concatenations, by encoder block name */
  skips: Map<string, Tensor>;
  /** the seed of the next dropout layer in network order */
  nextDropoutSeed(): number;
}

/**
 * One block of the network, declared once: `layers` lists what it holds for init, summary and checkpoints (given
 * the shape entering it and the skip shapes so far), `forward` computes it from those same parameters.
 */
interface Block {
  layers(input: Shape, skips: Map<string, Shape>): LayerSpec[];
  forward(h: Tensor, run: ForwardRun): Tensor;
}

const layer = (name: string, op: LayerOp, outShape: Shape, params: ParamSpec[] = []): LayerSpec => ({ name, op, kind: layerLabel(op), outShape, params });

/** A conv's kernel and bias specs; a Conv2DTranspose kernel is [k, k, O, C] (Keras layout). */
function convParams(name: string, k: number, cin: number, cout: number, transpose = false): ParamSpec[] {
  return [
    { name: `${name}.kernel`, shape: transpose ? [k, k, cout, cin] : [k, k, cin, cout], trainable: true, init: 'glorot', fanIn: k * k * cin, fanOut: k * k * cout },
    { name: `${name}.bias`, shape: [cout], trainable: true, init: 'zeros' },
  ];
}

function batchNormParams(name: string, c: number): ParamSpec[] {
  return [
    { name: `${name}.gamma`, shape: [c], trainable: true, init: 'ones' },
    { name: `${name}.beta`, shape: [c], trainable: true, init: 'zeros' },
    { name: `${name}.moving_mean`, shape: [c], trainable: false, init: 'zeros' },
    { name: `${name}.moving_variance`, shape: [c], trainable: false, init: 'ones' },
  ];
}

const convWeights = (run: ForwardRun, name: string): ConvWeights => ({ kernel: run.param(`${name}.kernel`), bias: run.param(`${name}.bias`) });
const batchNormWeights = (run: ForwardRun, name: string): BatchNormWeights => ({
  gamma: run.param(`${name}.gamma`),
  beta: run.param(`${name}.beta`),
  movingMean: run.param(`${name}.moving_mean`),
  movingVariance: run.param(`${name}.moving_variance`),
});

/** The paper's conv block: Conv3x3 + ReLU, BatchNorm, Dropout(rate), Conv3x3 + ReLU. */
function convBlock(name: string, filters: number, rate: number): Block {
  const [conv1, bn, conv2] = [`${name}.conv1`, `${name}.bn`, `${name}.conv2`];
  return {
    layers: ([H, W, C]) => [
      layer(conv1, { type: 'conv2d', kernel: 3 }, [H, W, filters], convParams(conv1, 3, C, filters)),
      layer(`${name}.relu1`, { type: 'relu' }, [H, W, filters]),
      layer(bn, { type: 'batchNorm' }, [H, W, filters], batchNormParams(bn, filters)),
      layer(`${name}.dropout`, { type: 'dropout', rate }, [H, W, filters]),
      layer(conv2, { type: 'conv2d', kernel: 3 }, [H, W, filters], convParams(conv2, 3, filters, filters)),
      layer(`${name}.relu2`, { type: 'relu' }, [H, W, filters]),
    ],
    forward: (h, run) => {
      h = convReluBatchNormDropout(h, convWeights(run, conv1), batchNormWeights(run, bn), { training: run.training, bnMomentum: run.bnMomentum, rate, dropoutSeed: run.nextDropoutSeed() });
      return convRelu(h, convWeights(run, conv2));
    },
  };
}

/** MaxPool 2x2 after encoder block `skip`, whose output the decoder concatenates later. */
function poolAfter(name: string, skip: string): Block {
  return {
    layers: ([H, W, C], skips) => {
      skips.set(skip, [H, W, C]);
      return [layer(name, { type: 'maxPool2x2' }, [H / 2, W / 2, C])];
    },
    forward: (h, run) => {
      run.skips.set(skip, h);
      return maxPool2x2(h);
    },
  };
}

/** The paper's upsample block: Conv2DTranspose k x k stride 2, BatchNorm, LeakyReLU(alpha). */
function upsampleBlock(name: string, kernel: 2 | 3, filters: number, alpha: number): Block {
  const [convT, bn] = [`${name}.convT`, `${name}.bn`];
  return {
    layers: ([H, W, C]) => [
      layer(convT, { type: 'conv2dTranspose', kernel, stride: 2 }, [2 * H, 2 * W, filters], convParams(convT, kernel, C, filters, true)),
      layer(bn, { type: 'batchNorm' }, [2 * H, 2 * W, filters], batchNormParams(bn, filters)),
      layer(`${name}.leaky`, { type: 'leakyRelu', alpha }, [2 * H, 2 * W, filters]),
    ],
    forward: (h, run) => upsampleBatchNormLeaky(h, convWeights(run, convT), batchNormWeights(run, bn), { training: run.training, bnMomentum: run.bnMomentum, kernel, leakyAlpha: alpha }),
  };
}

/** Concatenates the output of encoder block `skip` after the channels of its input. */
function concatSkip(name: string, skip: string): Block {
  return {
    layers: ([H, W, C], skips) => [layer(name, { type: 'concat', skip }, [H, W, C + skips.get(skip)![2]])],
    forward: (h, run) => concatChannels(h, run.skips.get(skip)!),
  };
}

/** Conv1x1 to the classes, then softmax; the forward pass returns the logits (the loss and predict apply softmax). */
function headBlock(name: string, classes: number): Block {
  return {
    layers: ([H, W, C]) => [layer(name, { type: 'conv2d', kernel: 1 }, [H, W, classes], convParams(name, 1, C, classes)), layer('softmax', { type: 'softmax' }, [H, W, classes])],
    forward: (h, run) => conv2d(h, run.param(`${name}.kernel`), run.param(`${name}.bias`)),
  };
}

/** The whole network, in order: the one declaration that layerList and UNet.forward both walk. */
function unetBlocks(c: UNetConfig): Block[] {
  const blocks: Block[] = [];
  c.filters.forEach((f, i) => {
    blocks.push(convBlock(`enc${i + 1}`, ch(c, f), c.encoderDropout[i]));
    if (i < 4) blocks.push(poolAfter(`pool${i + 1}`, `enc${i + 1}`));
  });
  blocks.push(convBlock('bottom', ch(c, c.bottomFilters), c.bottomDropout));
  [...c.filters.slice(0, 4)].reverse().forEach((f, i) => {
    const level = 4 - i;
    const filters = ch(c, f * 2);
    blocks.push(upsampleBlock(`up${level}`, i === 0 ? 3 : 2, filters, c.leakyAlpha));
    blocks.push(concatSkip(`up${level}.concat`, `enc${level}`));
    blocks.push(convBlock(`dec${level}`, filters, c.decoderDropout[i]));
  });
  blocks.push(headBlock('head', c.classes));
  return blocks;
}

/** Every layer in order with its output shape and parameters; drives init, summary and checkpoints. */
export function layerList(c: UNetConfig): LayerSpec[] {
  const layers: LayerSpec[] = [];
  const skips = new Map<string, Shape>();
  let shape: Shape = [c.height, c.width, c.inChannels];
  for (const block of unetBlocks(c)) {
    const added = block.layers(shape, skips);
    layers.push(...added);
    shape = added[added.length - 1]!.outShape;
  }
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

/** Initial values of every parameter in layer order (Glorot kernels drawn in that order from Rng(seed), Keras defaults). */
export function initialParameters(c: UNetConfig): { spec: ParamSpec; data: Float32Array }[] {
  const rng = new Rng(c.seed);
  return layerList(c).flatMap((l) =>
    l.params.map((p) => {
      const n = p.shape.reduce((a, b) => a * b, 1);
      return { spec: p, data: p.init === 'glorot' ? glorotUniform(p.shape, p.fanIn!, p.fanOut!, rng) : new Float32Array(n).fill(p.init === 'ones' ? 1 : 0) };
    }),
  );
}

/** One distinct stride-1 3x3 convolution shape of the U-Net, with the layers that use it. */
export interface UNetConv3x3Shape {
  N: number;
  H: number;
  W: number;
  C: number;
  O: number;
  /** the layers using this shape, comma-separated */
  where: string;
}

/** The distinct stride-1 3x3 conv shapes of the U-Net at this input size, batch and width (the autotuner's work list). */
export function unetConv3x3Shapes(width: number, height: number, batch: number, widthMult = 1): UNetConv3x3Shape[] {
  const seen = new Map<string, UNetConv3x3Shape>();
  for (const L of layerList(makeConfig({ width, height, widthMult }))) {
    if (L.op.type !== 'conv2d' || L.op.kernel !== 3) continue;
    const [, , C, O] = L.params[0]!.shape;
    const [H, W] = L.outShape;
    const key = `${batch}x${H}x${W}x${C}->${O}`;
    const s = seen.get(key);
    if (s) s.where += `, ${L.name}`;
    else seen.set(key, { N: batch, H, W, C: C!, O: O!, where: L.name });
  }
  return [...seen.values()];
}

export interface ForwardOptions {
  training: boolean;
  /** seeds this step's dropout masks */
  dropoutSeed?: number;
}

export class UNet {
  readonly params = new Map<string, Tensor>();
  readonly layers: LayerSpec[];
  private readonly blocks: Block[];

  constructor(readonly config: UNetConfig) {
    this.layers = layerList(config);
    this.blocks = unetBlocks(config);
    for (const { spec, data } of initialParameters(config)) {
      const t = keep(Tensor.fromData(data, spec.shape, 'f32', spec.name));
      t.requiresGrad = spec.trainable;
      this.params.set(spec.name, t);
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
   * Whether convolutions fuse their bias + ReLU / BatchNorm / LeakyReLU is decided by the graph ops
   * (src/graph/blocks.ts).
   */
  forward(x: Tensor, opts: ForwardOptions): Tensor {
    const seed = opts.dropoutSeed ?? 0;
    let dropoutIndex = 0;
    const run: ForwardRun = {
      param: (name) => this.p(name),
      training: opts.training,
      bnMomentum: this.config.bnMomentum,
      skips: new Map(),
      nextDropoutSeed: () => (seed * 97 + ++dropoutIndex) >>> 0,
    };
    return this.blocks.reduce((h, block) => block.forward(h, run), x);
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
      const transpose = l.op.type === 'conv2dTranspose';
      const cin = transpose ? kernel.shape[3] : kernel.shape[2];
      // a stride-2 transposed conv touches each input pixel kh*kw times: (H/2)(W/2) inputs
      macs += transpose ? (H / 2) * (W / 2) * kh * kw * cin * C : H * W * kh * kw * cin * C;
    }
  }
  return macs;
}

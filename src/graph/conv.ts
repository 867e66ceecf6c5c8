// Differentiable convolutions of the U-Net (NHWC activations; see src/kernels/conv2d.ts for layouts,
// the 'same' padding rules and the kernels). Gradient rules live beside their ops.
import { Tensor } from './tensor.ts';
import { record, isGradEnabled } from './autograd.ts';
import { binary } from '../kernels/elementwise.ts';
import type { Epilogue } from '../kernels/epilogue.ts';
import {
  conv2dForward,
  conv2dInputGrad,
  conv2dFilterGrad,
  conv2dBiasGrad,
  conv2dTransposeForward,
  conv2dTransposeInputGrad,
  conv2dTransposeFilterGrad,
} from '../kernels/conv2d.ts';

/**
 * Fusion into the output write: `relu` is differentiable (its gradient mask is read from the output,
 * y > 0 exactly where conv + bias > 0); a BatchNorm `affine` or `leakyAlpha` is inference-only.
 */
function checkEpilogue(op: string, epilogue: Epilogue | undefined, inputs: Tensor[]): void {
  if (!epilogue || (!epilogue.affine && epilogue.leakyAlpha === undefined)) return;
  if (isGradEnabled() && inputs.some((t) => t.requiresGrad)) throw new Error(`${op}: a fused BatchNorm / LeakyReLU epilogue is inference-only; run it under noGrad`);
}

export interface ConvGradOptions {
  /**
   * With a fused `relu`: the gradient arriving at y is already masked by (y > 0), because y's only consumer
   * applies the mask itself (batchNorm with `reluInput`, src/graph/blocks.ts), so the backward skips its mask pass
   */
  gradientMasked?: boolean;
}

/** The gradient at conv + bias from the gradient at relu(conv + bias) = y (the input of the fused ReLU). */
function throughRelu(g: Tensor, y: Tensor, epilogue: Epilogue | undefined, opts: ConvGradOptions | undefined): { g: Tensor; temp: Tensor | null } {
  if (!epilogue?.relu || opts?.gradientMasked) return { g, temp: null };
  const gm = binary('reluBackward', g, y);
  return { g: gm, temp: gm };
}

/**
 * Keras Conv2D(padding 'same', stride 1): x [N,H,W,C], w [kh,kw,C,O] (kh = kw = 1 or 3), b [O] or null -> [N,H,W,O],
 * with an optional fused epilogue (ReLU in training and inference; BatchNorm affine / LeakyReLU at inference).
 */
export function conv2d(x: Tensor, w: Tensor, b: Tensor | null, epilogue?: Epilogue, gradOpts?: ConvGradOptions): Tensor {
  if (gradOpts?.gradientMasked && !epilogue?.relu) throw new Error('conv2d: gradientMasked needs a fused relu epilogue');
  checkEpilogue('conv2d', epilogue, b ? [x, w, b] : [x, w]);
  const y = conv2dForward(x, w, b, { epilogue });
  const kernel: [number, number] = [w.shape[0], w.shape[1]];
  return record(y, {
    op: epilogue?.relu ? 'conv2d+relu' : 'conv2d',
    inputs: b ? [x, w, b] : [x, w],
    backward: (gy) => {
      const { g, temp } = throughRelu(gy, y, epilogue, gradOpts);
      const grads: (Tensor | null)[] = [x.requiresGrad ? conv2dInputGrad(g, w) : null, w.requiresGrad ? conv2dFilterGrad(x, g, kernel) : null];
      if (b) grads.push(b.requiresGrad ? conv2dBiasGrad(g) : null);
      temp?.dispose();
      return grads;
    },
  });
}

export interface ConvTransposeOptions {
  /** kernel size: the U-Net uses 3x3 (first decoder step) and 2x2; stride is always 2 */
  kernel: 2 | 3;
}

/**
 * Keras Conv2DTranspose(kernel, strides 2, padding 'same'): x [N,H,W,C], w [k,k,O,C] (Keras layout),
 * b [O] or null -> [N,2H,2W,O].
 */
export function conv2dTranspose(x: Tensor, w: Tensor, b: Tensor | null, opts: ConvTransposeOptions, epilogue?: Epilogue): Tensor {
  if (w.shape[0] !== opts.kernel || w.shape[1] !== opts.kernel) throw new Error(`conv2dTranspose: kernel [${w.shape}] is not ${opts.kernel}x${opts.kernel}`);
  checkEpilogue('conv2dTranspose', epilogue, b ? [x, w, b] : [x, w]);
  const y = conv2dTransposeForward(x, w, b, { epilogue });
  const kernel: [number, number] = [opts.kernel, opts.kernel];
  return record(y, {
    op: epilogue?.relu ? 'conv2dTranspose+relu' : 'conv2dTranspose',
    inputs: b ? [x, w, b] : [x, w],
    backward: (gy) => {
      const { g, temp } = throughRelu(gy, y, epilogue, undefined);
      const grads: (Tensor | null)[] = [x.requiresGrad ? conv2dTransposeInputGrad(g, w) : null, w.requiresGrad ? conv2dTransposeFilterGrad(x, g, kernel) : null];
      if (b) grads.push(b.requiresGrad ? conv2dBiasGrad(g) : null);
      temp?.dispose();
      return grads;
    },
  });
}

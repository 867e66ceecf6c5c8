// Differentiable convolutions of the U-Net (NHWC activations; see src/kernels/conv2d.ts for layouts,
// the 'same' padding rules and the kernels). Gradient rules live beside their ops.
import { Tensor } from './tensor.ts';
import { record } from './autograd.ts';
import {
  conv2dForward,
  conv2dInputGrad,
  conv2dFilterGrad,
  conv2dBiasGrad,
  conv2dTransposeForward,
  conv2dTransposeInputGrad,
  conv2dTransposeFilterGrad,
} from '../kernels/conv2d.ts';

/** Keras Conv2D(padding 'same', stride 1): x [N,H,W,C], w [kh,kw,C,O] (kh = kw = 1 or 3), b [O] or null -> [N,H,W,O]. */
export function conv2d(x: Tensor, w: Tensor, b: Tensor | null): Tensor {
  const y = conv2dForward(x, w, b);
  const kernel: [number, number] = [w.shape[0], w.shape[1]];
  return record(y, {
    op: 'conv2d',
    inputs: b ? [x, w, b] : [x, w],
    backward: (g) => {
      const grads: (Tensor | null)[] = [x.requiresGrad ? conv2dInputGrad(g, w) : null, w.requiresGrad ? conv2dFilterGrad(x, g, kernel) : null];
      if (b) grads.push(b.requiresGrad ? conv2dBiasGrad(g) : null);
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
export function conv2dTranspose(x: Tensor, w: Tensor, b: Tensor | null, opts: ConvTransposeOptions): Tensor {
  if (w.shape[0] !== opts.kernel || w.shape[1] !== opts.kernel) throw new Error(`conv2dTranspose: kernel [${w.shape}] is not ${opts.kernel}x${opts.kernel}`);
  const y = conv2dTransposeForward(x, w, b);
  const kernel: [number, number] = [opts.kernel, opts.kernel];
  return record(y, {
    op: 'conv2dTranspose',
    inputs: b ? [x, w, b] : [x, w],
    backward: (g) => {
      const grads: (Tensor | null)[] = [x.requiresGrad ? conv2dTransposeInputGrad(g, w) : null, w.requiresGrad ? conv2dTransposeFilterGrad(x, g, kernel) : null];
      if (b) grads.push(b.requiresGrad ? conv2dBiasGrad(g) : null);
      return grads;
    },
  });
}

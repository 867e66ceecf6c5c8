// Training-time augmentation kernels (shaders/augment_spatial.wgsl, shaders/augment_intensity.wgsl): one
// spatial pass warps image and labels together, one intensity pass follows. The per-sample parameters
// are drawn on the CPU (src/model/augment.ts) and uploaded as one small f32 buffer of AUG_STRIDE floats
// per sample, so the GPU work is a pure function of them (a resumed run sees the same batches).
import { gpu } from '../runtime/gpu.ts';
import { defineKernel } from './runner.ts';
import { Tensor } from '../runtime/tensor.ts';

export const augmentSpatialKernel = defineKernel({ name: 'augment_spatial', shader: 'augment_spatial', doc: 'rotation/scale/translation/elastic warp: image bilinear, labels nearest, 0 outside' });
export const augmentIntensityKernel = defineKernel({ name: 'augment_intensity', shader: 'augment_intensity', doc: 'blur, gamma, contrast/brightness, hashed Gaussian noise' });

/** Floats per sample in the parameter buffer. */
export const AUG_STRIDE = 68;
/** Control points per side of the elastic displacement grid. */
export const AUG_GRID = 5;
/** Offsets into one sample's parameters. */
export const AUG = { matrix: 0, elastic: 6, gammaOn: 8, gamma: 9, contrast: 10, brightness: 11, noiseSigma: 12, blur: 13, noiseKey: 14, grid: 16 } as const;

/** Parameters that leave a sample unchanged. */
export function identityAugParams(): Float32Array {
  const q = new Float32Array(AUG_STRIDE);
  q[AUG.matrix] = 1;
  q[AUG.matrix + 4] = 1;
  q[AUG.contrast] = 1;
  return q;
}

function check(x: Tensor, params: Tensor): { n: number; height: number; width: number } {
  const [n, height, width] = x.shape;
  if (x.shape.length < 3 || (x.shape.length === 4 && x.shape[3] !== 1)) throw new Error(`augment: image shape [${x.shape}] is not [N,H,W] or [N,H,W,1]`);
  if (params.size !== n * AUG_STRIDE) throw new Error(`augment: ${params.size} parameters for ${n} samples, want ${n * AUG_STRIDE}`);
  return { n, height, width };
}

/** Warps images x [N,H,W,1] f32 and labels y [N,H,W] u32 with each sample's parameters. */
export function augmentSpatial(x: Tensor, y: Tensor, params: Tensor): { x: Tensor; y: Tensor } {
  const { n, height, width } = check(x, params);
  if (y.dtype !== 'u32' || y.size !== x.size) throw new Error(`augment: labels [${y.shape}] ${y.dtype} do not match images [${x.shape}]`);
  const outImage = Tensor.empty(x.shape);
  const outLabels = Tensor.empty(y.shape, 'u32');
  augmentSpatialKernel.dispatch(gpu(), { params, image: x, labels: y, outImage, outLabels }, { n, width, height, stride: AUG_STRIDE }, augmentSpatialKernel.grid(x.size));
  return { x: outImage, y: outLabels };
}

/** Blur, gamma, contrast/brightness and noise of images x [N,H,W,1] with each sample's parameters. */
export function augmentIntensity(x: Tensor, params: Tensor): Tensor {
  const { n, height, width } = check(x, params);
  const out = Tensor.empty(x.shape);
  augmentIntensityKernel.dispatch(gpu(), { params, image: x, out }, { n, width, height, stride: AUG_STRIDE }, augmentIntensityKernel.grid(x.size));
  return out;
}

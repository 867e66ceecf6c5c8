// Float64 reference of the U-Net forward pass in inference mode (BatchNorm with moving statistics,
// dropout as identity), composed from the independent references of each layer. Slow, for tests.
import { conv2dRef, conv2dTransposeRef } from './conv.ts';
import { batchNormInferRef, leakyReluRef, maxPool2x2Ref, concatChannelsRef } from './nn.ts';
import { reluRef } from './core.ts';
import type { UNetConfig } from '../model/unet.ts';

type Params = Map<string, Float64Array>;

/** x [N,H,W,inChannels] -> logits [N,H,W,classes] */
export function unetForwardRef(c: UNetConfig, p: Params, x: Float64Array, N: number): Float64Array {
  let H = c.height;
  let W = c.width;
  let C = c.inChannels;
  const get = (n: string) => {
    const v = p.get(n);
    if (!v) throw new Error(`reference U-Net: parameter ${n} missing`);
    return v;
  };
  const conv = (name: string, h: Float64Array, k: number) => {
    const w = get(`${name}.kernel`);
    const O = w.length / (k * k * C);
    const y = conv2dRef(h, w, get(`${name}.bias`), { N, H, W, C, O, KH: k, KW: k });
    C = O;
    return y;
  };
  const bn = (name: string, h: Float64Array) => batchNormInferRef(h, get(`${name}.gamma`), get(`${name}.beta`), get(`${name}.moving_mean`), get(`${name}.moving_variance`), 1e-3);
  const block = (name: string, h: Float64Array) => reluRef(conv(`${name}.conv2`, bn(`${name}.bn`, reluRef(conv(`${name}.conv1`, h, 3))), 3));
  const skips: { h: Float64Array; C: number }[] = [];
  let h = x;
  for (let i = 0; i < c.filters.length; i++) {
    h = block(`enc${i + 1}`, h);
    if (i < 4) {
      skips.push({ h, C });
      h = maxPool2x2Ref(h, N, H, W, C);
      H /= 2;
      W /= 2;
    }
  }
  h = block('bottom', h);
  for (let i = 0; i < 4; i++) {
    const name = `up${4 - i}`;
    const k = i === 0 ? 3 : 2;
    const w = get(`${name}.convT.kernel`);
    const O = w.length / (k * k * C);
    h = conv2dTransposeRef(h, w, get(`${name}.convT.bias`), { N, H, W, C, O, KH: k, KW: k }, 2);
    H *= 2;
    W *= 2;
    C = O;
    h = leakyReluRef(bn(`${name}.bn`, h), c.leakyAlpha);
    const skip = skips[3 - i];
    h = concatChannelsRef(h, skip.h, C, skip.C);
    C += skip.C;
    h = block(`dec${4 - i}`, h);
  }
  return conv('head', h, 1);
}

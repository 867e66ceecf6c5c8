import { describe, it, expect } from 'vitest';
import { layerList, makeConfig, parameterCounts } from '../src/model/unet.ts';

// Parameter count of the paper's model computed by hand from the layer list in the issue.
const conv = (k: number, cin: number, cout: number) => k * k * cin * cout + cout;
const bn = (c: number) => 4 * c; // gamma, beta (trainable) + moving mean, variance
const block = (cin: number, f: number) => conv(3, cin, f) + bn(f) + conv(3, f, f);

describe('U-Net layer list', () => {
  it('has the parameter count computed by hand for the default model', () => {
    const encoder = block(1, 16) + block(16, 32) + block(32, 64) + block(64, 128) + block(128, 256);
    const bottom = block(256, 512);
    const decoder =
      conv(3, 512, 256) + bn(256) + block(256 + 128, 256) +
      conv(2, 256, 128) + bn(128) + block(128 + 64, 128) +
      conv(2, 128, 64) + bn(64) + block(64 + 32, 64) +
      conv(2, 64, 32) + bn(32) + block(32 + 16, 32);
    const head = conv(1, 32, 4);
    const total = encoder + bottom + decoder + head;
    const counts = parameterCounts(makeConfig());
    expect(counts.total).toBe(total);
    const bnChannels = 16 + 32 + 64 + 128 + 256 + 512 + 2 * (256 + 128 + 64 + 32);
    expect(counts.nonTrainable).toBe(2 * bnChannels);
    expect(total).toBe(8_037_972);
  });

  it('ends at the input size with 4 classes and halves four times', () => {
    const layers = layerList(makeConfig({ width: 128, height: 160 }));
    expect(layers.at(-1)!.outShape).toEqual([160, 128, 4]);
    const bottom = layers.find((l) => l.name === 'bottom.conv2')!;
    expect(bottom.outShape).toEqual([10, 8, 512]);
  });

  it('rejects sizes that are not multiples of 16', () => {
    expect(() => makeConfig({ width: 100, height: 160 })).toThrow(/multiples of 16/);
  });
});

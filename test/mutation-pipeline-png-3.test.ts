// Tests written against survivors of the Stryker run over src/pipeline/png.ts (third pass, analysed in the fifth):
// fast-png decodes bit-depth / colour-type pairs the PNG standard forbids, which reach png.ts's own checks.
// Each case names the survivor it targets. Nothing runs at collection.
import { describe, expect, it } from 'vitest';
import { decodeIntensityPngBytes } from '../src/pipeline/png.ts';
import { png } from './helpers/png-fixture.ts';
import { thrown } from './helpers/thrown.ts';

describe('png.ts survivors: depths PNG forbids', () => {
  it('an RGB PNG of bit depth 4 (colour type 2 allows only 8 and 16) is refused naming the depth and the channels (png.ts:82)', () => {
    // 2x2 RGB at 4 bits: 6 bytes of packed samples, which fast-png decodes without complaint
    const e = thrown(() => decodeIntensityPngBytes('rgb4.png', png(2, 2, 3, 4, new Array(6).fill(0x55))));
    expect(e, 'a depth < 8 with 3 channels must not be read as packed grey samples').toMatchObject({
      message: 'rgb4.png: bit depth = 4: with 3 channels; PNG allows depth < 8 only for grey or palette',
      file: 'rgb4.png',
      field: 'bit depth',
      value: 4,
    });
  });
  it('a palette PNG of bit depth 16 (palettes allow 1-8) is refused naming the depth, before its indices are unpacked', () => {
    const palette = [[0, 0, 0], [255, 255, 255], [10, 10, 10], [20, 20, 20]];
    const e = thrown(() => decodeIntensityPngBytes('pal16.png', png(2, 2, 1, 16, [0, 1, 2, 3], palette)));
    expect(e, 'the depth is what is wrong, not the length of the data').toMatchObject({
      message: 'pal16.png: bit depth = 16: with a palette; PNG allows 1, 2, 4 or 8',
      file: 'pal16.png',
      field: 'bit depth',
      value: 16,
    });
  });
});

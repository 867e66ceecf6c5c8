// The U-Net declared once (src/model/unet.ts): the layer list that init, summary and checkpoints read is pinned to
// what the network was before its blocks were declared once, and the typed layer ops agree with it. CPU only.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { forwardMacs, initialParameters, layerList, layerLabel, makeConfig, parameterCounts, unetConv3x3Shapes, type LayerSpec } from '../src/model/unet.ts';

const digest = (x: unknown) => createHash('sha256').update(JSON.stringify(x)).digest('hex').slice(0, 16);
// name, display label, output shape and parameter specs of every layer: what checkpoints and the summary depend on
const projection = (layers: LayerSpec[]) => layers.map((l) => [l.name, l.kind, l.outShape, l.params]);

describe('U-Net declaration', () => {
  it('lists the same 82 layers, parameters, counts and MACs as before (paper and the shipped 192x240 x0.25 model)', () => {
    const paper = makeConfig({});
    expect(layerList(paper)).toHaveLength(82);
    expect(digest(projection(layerList(paper)))).toBe('0124fea188569f91');
    expect(parameterCounts(paper)).toEqual({ trainable: 8034036, nonTrainable: 3936, total: 8037972 });
    expect(forwardMacs(paper)).toBe(43626004480);
    const shipped = makeConfig({ width: 192, height: 240, widthMult: 0.25 });
    expect(digest(projection(layerList(shipped)))).toBe('a6d8a375105de50b');
    expect(parameterCounts(shipped)).toEqual({ trainable: 503568, nonTrainable: 984, total: 504552 });
    expect(forwardMacs(shipped)).toBe(385781760);
  });

  it('derives every display label from the typed op, and the ops from the block shapes', () => {
    const layers = layerList(makeConfig({ width: 64, height: 80, widthMult: 0.25 }));
    for (const l of layers) expect(l.kind).toBe(layerLabel(l.op));
    const at = (name: string) => layers.find((l) => l.name === name)!;
    expect(at('enc1.conv1').op).toEqual({ type: 'conv2d', kernel: 3 });
    expect(at('up4.convT').op).toEqual({ type: 'conv2dTranspose', kernel: 3, stride: 2 });
    expect(at('up3.convT').op).toEqual({ type: 'conv2dTranspose', kernel: 2, stride: 2 });
    expect(at('up4.concat')).toMatchObject({ op: { type: 'concat', skip: 'enc4' }, kind: 'Concatenate (+enc4)', outShape: [10, 8, 64 + 32] });
    expect(at('head').op).toEqual({ type: 'conv2d', kernel: 1 });
    expect(layers.at(-1)).toMatchObject({ name: 'softmax', op: { type: 'softmax' }, outShape: [80, 64, 4] });
  });

  it('gives the autotuner the same 3x3 conv shapes as before (src/app/tune.ts and bench/winograd.ts read them here)', () => {
    const cases: [number, number, number, number, string][] = [
      [512, 640, 8, 1, 'd0df477c7675c555'],
      [192, 240, 8, 0.25, '0e6604252aab275d'],
      [64, 80, 2, 0.25, 'cfbce44439b67d62'],
    ];
    for (const [w, h, n, m, want] of cases) {
      const shapes = unetConv3x3Shapes(w, h, n, m);
      expect(shapes).toHaveLength(20);
      expect(digest(shapes)).toBe(want);
    }
    expect(unetConv3x3Shapes(64, 80, 2, 0.25).find((s) => s.where.includes('dec1.conv1'))).toEqual({ N: 2, H: 80, W: 64, C: 12, O: 8, where: 'dec1.conv1' });
    // 20 3x3 convs, 20 distinct shapes: no two layers share one at this size, and each layer appears once
    expect(unetConv3x3Shapes(64, 80, 2, 0.25).map((s) => s.where)).toEqual(layerList(makeConfig({ width: 64, height: 80, widthMult: 0.25 })).filter((l) => l.op.type === 'conv2d' && l.op.kernel === 3).map((l) => l.name));
  });

  it('initialises every parameter in layer order: Glorot kernels from Rng(seed), Keras defaults elsewhere', () => {
    const init = initialParameters(makeConfig({ width: 64, height: 80, widthMult: 0.25 }));
    expect(init.map((p) => p.spec.name)).toEqual(layerList(makeConfig({ width: 64, height: 80, widthMult: 0.25 })).flatMap((l) => l.params.map((p) => p.name)));
    const first = (name: string) => Array.from(init.find((p) => p.spec.name === name)!.data.slice(0, 3));
    expect(first('enc1.conv1.kernel')).toEqual([0.07383573800325394, -0.037763237953186035, 0.257404625415802]);
    expect(first('up1.convT.kernel')).toEqual([-0.06156368926167488, -0.19545294344425201, -0.18158504366874695]);
    expect(first('head.kernel')).toEqual([0.437770277261734, 0.4178462624549866, -0.42731350660324097]);
    expect(first('enc1.bn.moving_variance')).toEqual([1, 1, 1]);
    expect(first('enc1.bn.moving_mean')).toEqual([0, 0, 0]);
  });
});

// The onnxruntime-web prediction peer (bench/onnx-export.ts, bench/ort-check.ts) computes what our engine computes:
// the shipped model exported to ONNX gives our class probabilities on every slice of the committed test subset,
// through onnxruntime-web's Wasm provider in Node (its WebGPU provider is checked the same way by
// `spineseg bench predict --ort` before it times anything; creating its pipelines on lavapipe takes minutes).
import { describe, it, expect, beforeAll } from 'vitest';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { initGpu } from '../src/runtime/gpu.ts';
import { loadPredictor, defaultModelDir } from '../src/app/checkpoints.ts';
import { readSafetensorsFile } from '../src/model/checkpoint.ts';
import { decodeIntensityPng } from '../src/pipeline/dataset.ts';
import type { SegmentationNet } from '../src/model/predict.ts';
import { makeConfig, type UNetConfig } from '../src/model/unet.ts';
import { exportUNetOnnx } from '../bench/onnx-export.ts';
import { loadOrtWebgpu, type Ort } from '../bench/ort-baseline.ts';
import { ortAgreement, type OrtAgreement } from '../bench/ort-check.ts';

describe('onnxruntime-web prediction peer', () => {
  const dir = defaultModelDir();
  const images = join(dir, 'test-subset', 'images');
  let ort: Ort;
  let net: SegmentationNet;
  let weights: ReturnType<typeof readSafetensorsFile>;
  const slices = () => readdirSync(images).filter((f) => f.endsWith('.png')).sort().map((f) => decodeIntensityPng(join(images, f)));
  const agreement = async (bytes: Uint8Array): Promise<OrtAgreement> => {
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
    try {
      return await ortAgreement(ort, session, net, slices());
    } finally {
      await session.release();
    }
  };
  beforeAll(async () => {
    await initGpu();
    // one network against one ONNX graph: the shipped ensemble's first member
    const predictor = await loadPredictor([dir]);
    net = predictor.nets[0]!;
    weights = readSafetensorsFile(join(dirname(predictor.files[0]!), 'model.safetensors'));
    ort = await loadOrtWebgpu(1);
  }, 300_000);

  it('gives our probabilities on the test subset (Wasm provider)', async () => {
    const r = await agreement(exportUNetOnnx(net.config as UNetConfig, [...weights.values()], 1));
    expect(r.pixels).toBe(8 * net.config.width * net.config.height);
    expect(r.maxAbsProbability).toBeLessThan(1e-4);
    expect(r.differingPixels).toBe(0);
  });

  it('tells a wrong export apart: one transposed conv kernel mirrored', async () => {
    // ONNX's ConvTranspose does not flip its kernel; an exporter that flipped it (as the correlation form of a
    // transposed conv needs) would mirror the up4 taps. The check must see that.
    const flipped = [...weights.values()].map((w) => {
      if (w.name !== 'up4.convT.kernel') return w;
      const [k, , o, c] = w.shape as [number, number, number, number];
      const data = new Float32Array(w.data.length);
      for (let y = 0; y < k; y++) for (let x = 0; x < k; x++) data.set(w.data.subarray(((y * k + x) * o) * c, ((y * k + x) * o + o) * c), (((k - 1 - y) * k + (k - 1 - x)) * o) * c);
      return { ...w, data };
    });
    const r = await agreement(exportUNetOnnx(makeConfig(net.config as UNetConfig), flipped, 1));
    expect(r.maxAbsProbability).toBeGreaterThan(1e-2);
  });
});

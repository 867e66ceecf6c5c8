// Training on our own kernels: the loss falls and validation IoU rises on real slices, memory stays flat,
// and a run killed with SIGKILL and resumed ends with the same weights as an uninterrupted run.
import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gpu } from '../src/runtime/gpu.ts';
import { UNet, makeConfig } from '../src/model/unet.ts';
import { Adam } from '../src/graph/optim.ts';
import { trainStep, evaluateModel } from '../src/model/train.ts';
import { runTraining, type TrainRunOptions } from '../src/app/session.ts';
import { loadSliceDataset, patientSplit, sampleDataRoot } from '../src/pipeline/dataset.ts';
import { decodeSafetensors, type NamedArray } from '../src/model/safetensors.ts';
import { augmentLevel, drawBatchAugmentParams } from '../src/model/augment.ts';
import { AUG_STRIDE, identityAugParams } from '../src/kernels/augment.ts';

const tiny = { width: 64, height: 80, widthMult: 0.125, bnMomentum: 0.9 };

function tinyData() {
  const samples = loadSliceDataset(sampleDataRoot(), { width: tiny.width, height: tiny.height });
  return patientSplit(samples, { valFraction: 0.25, seed: 3 });
}

// real training runs: generous limits so a loaded 2-core machine times out only when something hangs
describe('U-Net training', { timeout: 600_000 }, () => {
  it('lowers the loss and raises validation IoU on real slices', async () => {
    const { train, val } = tinyData();
    const model = new UNet(makeConfig({ ...tiny, widthMult: 0.25, seed: 5 }));
    const opt = new Adam(model.trainable(), { lr: 3e-3 });
    const before = await evaluateModel(model, val, 8);
    const losses: number[] = [];
    for (let s = 0; s < 50; s++) {
      const batch = Array.from({ length: 8 }, (_, k) => train[(s * 8 + k) % train.length]);
      losses.push(await trainStep(model, opt, batch, s + 1));
    }
    const after = await evaluateModel(model, val, 8);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const first = mean(losses.slice(0, 5));
    const last = mean(losses.slice(-5));
    expect(last, `loss first 5 steps ${first.toFixed(4)}, last 5 ${last.toFixed(4)}`).toBeLessThan(first * 0.8);
    expect(after.meanIoU, `val mean IoU before ${before.meanIoU.toFixed(3)}, after ${after.meanIoU.toFixed(3)} (per class ${after.iou.map((x) => x.toFixed(3))})`).toBeGreaterThan(before.meanIoU + 0.1);
    opt.dispose();
    model.dispose();
  });

  it('keeps the pool flat over 100 augmented training steps after the first', async () => {
    const { train } = tinyData();
    const model = new UNet(makeConfig({ ...tiny, seed: 6 }));
    const opt = new Adam(model.trainable());
    const batch = train.slice(0, 2);
    const aug = (step: number) => drawBatchAugmentParams(augmentLevel('heavy'), tiny.width, tiny.height, 1, step, [0, 1]);
    await trainStep(model, opt, batch, 1, aug(1));
    const g = gpu();
    const s1 = g.pool.stats();
    for (let s = 2; s <= 101; s++) await trainStep(model, opt, batch, s, aug(s));
    const s101 = g.pool.stats();
    expect(s101.allocatedBytes, `pool bytes after step 1: ${s1.allocatedBytes}, after 101: ${s101.allocatedBytes}`).toBe(s1.allocatedBytes);
    expect(s101.liveBuffers).toBe(s1.liveBuffers);
    expect(s101.creations).toBe(s1.creations);
    opt.dispose();
    model.dispose();
  });

  it('augments inside the step: identity parameters train exactly as no augmentation, drawn ones differently', async () => {
    const { train } = tinyData();
    const batch = train.slice(0, 3);
    const lossOf = async (params?: Float32Array) => {
      const model = new UNet(makeConfig({ ...tiny, seed: 8 }));
      const opt = new Adam(model.trainable());
      const loss = await trainStep(model, opt, batch, 1, params);
      opt.dispose();
      model.dispose();
      return loss;
    };
    const identity = new Float32Array(3 * AUG_STRIDE);
    for (let b = 0; b < 3; b++) identity.set(identityAugParams(), b * AUG_STRIDE);
    const always = augmentLevel('heavy');
    for (const k of ['rotation', 'scale', 'gamma', 'noise'] as const) always[k].p = 1;
    const plain = await lossOf();
    expect(await lossOf(identity)).toBe(plain);
    expect(await lossOf(drawBatchAugmentParams(always, tiny.width, tiny.height, 1, 1, [0, 1, 2]))).not.toBe(plain);
  });

  it('resumes after kill -9 to the same weights and optimizer state as an uninterrupted run, with augmentation and a poly schedule', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spineseg-resume-'));
    const common: Omit<TrainRunOptions, 'out' | 'resume'> = {
      data: sampleDataRoot(), ...tiny, epochs: 3, patience: 10, batchSize: 4, lr: 1e-3, seed: 11, valFraction: 0.25, testFraction: 0.15, stepsPerEpoch: 3,
      augment: augmentLevel('heavy'), lrSchedule: 'poly', warmupEpochs: 2,
    };
    try {
      const straight = await runTraining({ ...common, out: join(dir, 'straight'), resume: false }, () => {});
      expect(straight.state.epoch).toBe(3);
      straight.model.dispose();

      // a separate process, killed with SIGKILL once its first epoch is on disk
      const killed = join(dir, 'killed');
      const bin = resolve('bin/spineseg.mjs');
      const args = ['train', '--data', sampleDataRoot(), '--out', killed, '--size', '64x80', '--width-mult', '0.125', '--epochs', '3', '--batch', '4', '--lr', '0.001', '--seed', '11', '--val-fraction', '0.25', '--test-fraction', '0.15', '--steps-per-epoch', '3', '--bn-momentum', '0.9', '--augment', 'heavy', '--lr-schedule', 'poly'];
      const child = spawn(process.execPath, [bin, ...args], { stdio: 'ignore' });
      const state = join(killed, 'checkpoint-last', 'state.json');
      await new Promise<void>((done, fail) => {
        const t = setInterval(() => {
          if (existsSync(state) && JSON.parse(readFileSync(state, 'utf8')).epoch >= 1) {
            clearInterval(t);
            child.kill('SIGKILL');
          }
        }, 50);
        // resume once the killed process is gone: until then its run lock is live
        child.on('exit', (code) => {
          clearInterval(t);
          if (code !== null) fail(new Error(`training child exited (${code}) before it could be killed`));
          else done();
        });
      });
      const killedAt = JSON.parse(readFileSync(state, 'utf8')).epoch;
      expect(killedAt).toBeLessThan(3);
      const resumed = await runTraining({ ...common, out: killed, resume: true }, () => {});
      expect(resumed.state.epoch).toBe(3);
      resumed.model.dispose();

      // same adapter, same seed, deterministic kernels: bit-identical weights, moments and schedule
      for (const file of ['model.safetensors', 'optimizer.safetensors']) {
        const arrays = (run: string) => decodeSafetensors(new Uint8Array(readFileSync(join(dir, run, 'checkpoint-last', file)))).arrays;
        const a = arrays('straight');
        const b = arrays('killed');
        expect([...b.keys()], file).toEqual([...a.keys()]);
        expect(a.size).toBeGreaterThan(0);
        for (const [name, x] of a) {
          const y = b.get(name)!;
          expect(y.shape, `${file} ${name}`).toEqual(x.shape);
          const differing = x.data.findIndex((v, i) => !Object.is(v, y.data[i]));
          expect(differing, `${file} ${name}: first differing element ${differing} (${x.data[differing]} vs ${y.data[differing]}), killed after epoch ${killedAt}`).toBe(-1);
          expect(Buffer.from(y.data.buffer, y.data.byteOffset, y.data.byteLength).equals(Buffer.from(x.data.buffer, x.data.byteOffset, x.data.byteLength)), `${file} ${name} bytes`).toBe(true);
        }
      }
      // everything but the wall-clock seconds
      const history = (run: string) => (JSON.parse(readFileSync(join(dir, run, 'history.json'), 'utf8')) as { lr: number; augment: string; lrSchedule: string; seconds?: number }[]).map(({ seconds: _s, ...h }) => h);
      expect(history('killed')).toEqual(history('straight'));
      // poly: lr (1 - e/3)^0.9 for epoch index e, as the GPU computed it in f32
      history('straight').forEach((h, e) => expect(h.lr).toBeCloseTo(1e-3 * (1 - e / 3) ** 0.9, 9));
      expect(history('straight').map((h) => [h.augment, h.lrSchedule])).toEqual([['heavy', 'poly'], ['heavy', 'poly'], ['heavy', 'poly']]);
      const config = JSON.parse(readFileSync(join(dir, 'killed', 'checkpoint-last', 'config.json'), 'utf8'));
      expect(config.training.augment).toEqual(augmentLevel('heavy'));
      expect(config.split.test.length).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** 'identical' when both checkpoints hold the same tensor names and shapes with equal bytes and only finite values; else the first difference. */
function checkpointDifference(a: Map<string, NamedArray>, b: Map<string, NamedArray>): string {
  const names = (m: Map<string, NamedArray>) => [...m.keys()].sort().join(', ');
  if (names(a) !== names(b)) return `tensor names differ: [${names(a)}] vs [${names(b)}]`;
  for (const [name, x] of a) {
    const y = b.get(name)!;
    if (x.shape.join('x') !== y.shape.join('x')) return `${name}: shape ${x.shape.join('x')} vs ${y.shape.join('x')}`;
    if (x.data.length !== y.data.length) return `${name}: ${x.data.length} vs ${y.data.length} values`;
    for (let i = 0; i < x.data.length; i++) {
      if (!Number.isFinite(x.data[i]!) || !Number.isFinite(y.data[i]!)) return `${name}[${i}]: non-finite weight ${x.data[i]} / ${y.data[i]}`;
    }
    const bytesA = new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.byteLength);
    const bytesB = new Uint8Array(y.data.buffer, y.data.byteOffset, y.data.byteLength);
    const i = bytesA.findIndex((v, k) => v !== bytesB[k]);
    if (i >= 0) return `${name}[${i >> 2}]: ${x.data[i >> 2]} vs ${y.data[i >> 2]}`;
  }
  return 'identical';
}

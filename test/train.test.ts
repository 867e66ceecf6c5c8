// Training on our own kernels: the loss falls and validation IoU rises on real slices, memory stays flat,
// and a run killed with SIGKILL and resumed ends with the same weights as an uninterrupted run.
import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gpu } from '../src/kernels/gpu.ts';
import { UNet, makeConfig } from '../src/model/unet.ts';
import { Adam } from '../src/graph/optim.ts';
import { trainStep, evaluateModel } from '../src/model/train.ts';
import { runTraining, type TrainRunOptions } from '../src/model/session.ts';
import { loadSliceDataset, patientSplit, sampleDataRoot } from '../src/pipeline/dataset.ts';
import { decodeSafetensors } from '../src/model/safetensors.ts';

const tiny = { width: 64, height: 80, widthMult: 0.125, bnMomentum: 0.9 };

function tinyData() {
  const samples = loadSliceDataset(sampleDataRoot(), { width: tiny.width, height: tiny.height });
  return patientSplit(samples, { valFraction: 0.25, seed: 3 });
}

describe('U-Net training', () => {
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

  it('keeps the pool flat over 100 training steps after the first', async () => {
    const { train } = tinyData();
    const model = new UNet(makeConfig({ ...tiny, seed: 6 }));
    const opt = new Adam(model.trainable());
    const batch = train.slice(0, 2);
    await trainStep(model, opt, batch, 1);
    const g = gpu();
    const s1 = g.pool.stats();
    for (let s = 2; s <= 101; s++) await trainStep(model, opt, batch, s);
    const s101 = g.pool.stats();
    expect(s101.allocatedBytes, `pool bytes after step 1: ${s1.allocatedBytes}, after 101: ${s101.allocatedBytes}`).toBe(s1.allocatedBytes);
    expect(s101.liveBuffers).toBe(s1.liveBuffers);
    expect(s101.creations).toBe(s1.creations);
    opt.dispose();
    model.dispose();
  });

  it('resumes after kill -9 to the same weights as an uninterrupted run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spineseg-resume-'));
    const common: Omit<TrainRunOptions, 'out' | 'resume'> = {
      data: sampleDataRoot(), ...tiny, epochs: 3, patience: 10, batchSize: 4, lr: 1e-3, seed: 11, valFraction: 0.25, stepsPerEpoch: 3, quiet: true,
    };
    try {
      const straight = await runTraining({ ...common, out: join(dir, 'straight'), resume: false }, () => {});
      expect(straight.state.epoch).toBe(3);
      straight.model.dispose();

      // a separate process, killed with SIGKILL once its first epoch is on disk
      const killed = join(dir, 'killed');
      const bin = resolve('bin/spineseg.mjs');
      const args = ['train', '--data', sampleDataRoot(), '--out', killed, '--size', '64x80', '--width-mult', '0.125', '--epochs', '3', '--batch', '4', '--lr', '0.001', '--seed', '11', '--val-fraction', '0.25', '--steps-per-epoch', '3', '--bn-momentum', '0.9'];
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

      const weights = (run: string) => decodeSafetensors(new Uint8Array(readFileSync(join(dir, run, 'checkpoint-last', 'model.safetensors')))).arrays;
      const a = weights('straight');
      const b = weights('killed');
      let worst = 0;
      let where = '';
      for (const [name, x] of a) {
        const y = b.get(name)!.data;
        for (let i = 0; i < x.data.length; i++) {
          const d = Math.abs(x.data[i] - y[i]);
          if (d > worst) [worst, where] = [d, `${name}[${i}]`];
        }
      }
      // same adapter, same seed, deterministic kernels: bit-identical weights
      expect(worst, `largest weight difference ${worst} at ${where} (killed after epoch ${killedAt})`).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

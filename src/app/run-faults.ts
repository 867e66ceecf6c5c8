// What a training run says when it ends early: stopped by a signal, the GPU device lost, a checkpoint write
// failed. Each message says what is on disk and how to continue (`--resume`).
import { existsSync, readFileSync, readdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { gpu, GpuError } from '../runtime/gpu.ts';
import { setting } from '../runtime/settings.ts';
import { StopRequested, type StopSignal } from './run-lock.ts';
import { CheckpointWriteError } from '../model/checkpoint.ts';

/** "checkpoint-last (epoch N) is complete" or that there is none yet. */
export function lastCheckpointNote(out: string): string {
  for (const dir of [join(out, 'checkpoint-last'), join(out, 'checkpoint-last.prev')]) {
    const state = join(dir, 'state.json');
    if (!existsSync(state)) continue;
    try {
      const epoch = (JSON.parse(readFileSync(state, 'utf8')) as { epoch?: number }).epoch;
      return `the last complete checkpoint is ${dir} (epoch ${epoch}): continue with \`spineseg train --out ${out} --resume\``;
    } catch {
      continue;
    }
  }
  return 'no epoch had completed, so there is no checkpoint to resume: start the run again';
}

export function stoppedAfter(signal: NodeJS.Signals, what: string, out: string): StopRequested {
  return new StopRequested(`stopped by ${signal} after ${what}; ${lastCheckpointNote(out)}`, signal);
}

/** The device loss behind `e` ("<reason>: <message>"), or null when the device is fine. */
function deviceLoss(e: unknown): string | null {
  try {
    const lost = gpu().deviceLost;
    if (lost) return lost;
  } catch {
    return null;
  }
  return e instanceof GpuError && /device (was )?lost/i.test(e.message) ? e.message.split('\n')[0] : null;
}

/** The error a failed run ends with: signal stops and write failures as they are, a lost device naming --resume. */
export async function explainTrainingFailure(e: unknown, out: string, _stop: StopSignal): Promise<unknown> {
  if (e instanceof StopRequested) return e;
  if (e instanceof CheckpointWriteError) return new Error(`${e.message}; ${lastCheckpointNote(out)} once the disk has room`);
  // the device's lost promise settles a moment after the failing call
  await new Promise((r) => setTimeout(r, 100));
  const lost = deviceLoss(e);
  if (lost) return new Error(`the GPU device was lost during training (${lost}); ${lastCheckpointNote(out)}`);
  return e;
}

/**
 * Fault injection for tests: the `injectDeviceLossAtStep` setting (SPINESEG_INJECT_DEVICE_LOSS_AT_STEP=N)
 * destroys the WebGPU device after step N, as a driver reset or an unplugged GPU would.
 */
export function injectDeviceLoss(step: number): void {
  if (step === setting('injectDeviceLossAtStep')) gpu().device.destroy();
}

export function removeIfEmpty(dir: string): void {
  try {
    if (readdirSync(dir).length === 0) rmdirSync(dir);
  } catch {
    // gone already, or not ours to remove
  }
}

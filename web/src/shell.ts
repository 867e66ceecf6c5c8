// What the page's tabs share: the WebGPU device (one GPU job at a time), the model the Segment tab uses, the last
// error shown, and a change signal that lets every tab refresh its buttons. web/main.ts makes one and hands it to
// each tab's init function.
import type { UNet } from '../../src/model/unet.ts';
import type { CheckpointConfig } from '../../src/model/weights.ts';

export interface CurrentModel {
  /** one network, or the members of an ensemble (a folder of folds) */
  nets: UNet[];
  config: CheckpointConfig;
  name: string;
  /** the Segment tab disposes the networks when it replaces them; false for the Train tab's run, which it keeps */
  owned: boolean;
}

export class Shell {
  gpuReady = false;
  gpuError: string | null = null;
  adapter = '';
  limits: Record<string, number> = {};
  /** what uses the GPU now (segmenting, checks, a benchmark), or null */
  busy: string | null = null;
  /** the Train tab is training (it holds the GPU between steps) */
  training = false;
  lastError: string | null = null;
  model: CurrentModel | null = null;
  private listeners: Array<() => void> = [];

  constructor(readonly ready: Promise<void>, readonly showTab: (name: string) => void) {}

  /** Nothing else is on the GPU: a new job may start. */
  idle(): boolean {
    return this.busy === null && !this.training && this.gpuReady;
  }

  onChange(fn: () => void): void {
    this.listeners.push(fn);
  }

  changed(): void {
    for (const fn of this.listeners) fn();
  }

  async withBusy<T>(what: string, fn: () => Promise<T>): Promise<T> {
    this.busy = what;
    this.changed();
    try {
      return await fn();
    } finally {
      this.busy = null;
      this.changed();
    }
  }

  /** Replaces the Segment tab's model, disposing the old networks it owned. */
  setModel(model: CurrentModel): void {
    if (this.model?.owned) for (const net of this.model.nets) if (!model.nets.includes(net)) net.dispose();
    this.model = model;
    this.changed();
  }

  /** Records an error shown in a status line (the browser tests read it). */
  error(text: string): void {
    this.lastError = text;
  }
}

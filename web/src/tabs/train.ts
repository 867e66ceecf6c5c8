// The Train tab: a small U-Net trained in the page on the built-in phantoms or dropped image/mask pairs, with the
// training loop, loss and optimizer of `spineseg train` (web/src/training.ts on src/model/train.ts), its patient
// split and its checkpoint config (src/app/training-setup.ts); the loss per step and the learning curves drawn as
// it goes; the checkpoint downloadable and usable in the Segment tab.
import type * as vega from 'vega';
import type { TopLevelSpec } from 'vega-lite';
import { renderChart } from '../charts.ts';
import { learningCurveSpecs } from '../../../src/app/plots.ts';
import type { EpochRecord } from '../../../src/model/train.ts';
import { download } from '../files.ts';
import { droppedData, trainInPage, checkpointFiles, type TrainingRun } from '../training.ts';
import { phantomData } from '../phantoms.ts';
import { elements, setStatus, errorText } from '../dom.ts';
import type { Shell } from '../shell.ts';

export interface TrainTabState {
  trained: TrainingRun | null;
  stopRequested: boolean;
  history: EpochRecord[];
  stepLosses: number[];
}

export function initTrainTab(panel: HTMLElement, shell: Shell) {
  const ui = elements(panel, {
    srcDropped: HTMLInputElement,
    trainImages: HTMLInputElement,
    trainMasks: HTMLInputElement,
    trainSize: HTMLSelectElement,
    trainWidth: HTMLSelectElement,
    trainEpochs: HTMLInputElement,
    trainSteps: HTMLInputElement,
    trainBatch: HTMLInputElement,
    trainLr: HTMLInputElement,
    trainStart: HTMLButtonElement,
    trainStop: HTMLButtonElement,
    trainStatus: HTMLElement,
    stepCanvas: HTMLCanvasElement,
    curveLoss: HTMLElement,
    curveMiou: HTMLElement,
    downloadCheckpoint: HTMLButtonElement,
    useModel: HTMLButtonElement,
  });
  const state: TrainTabState = { trained: null, stopRequested: false, history: [], stepLosses: [] };
  const status = (text: string, error = false) => {
    setStatus(ui.trainStatus, text, error);
    if (error) shell.error(text);
  };

  function refresh(): void {
    ui.trainStart.disabled = !shell.idle();
    ui.trainStop.disabled = !shell.training;
    ui.downloadCheckpoint.disabled = !state.trained || shell.training;
    ui.useModel.disabled = !state.trained || shell.training;
  }
  shell.onChange(refresh);

  /** Hands the trained model to the Segment tab (the Train tab keeps owning it). */
  function useModel(): void {
    const run = state.trained;
    if (!run) return;
    const c = run.config.model;
    shell.setModel({ nets: [run.model], config: run.config, name: `trained in this page (${c.width}x${c.height}, width x${c.widthMult}, ${run.state.epoch} epochs)`, owned: false });
  }

  async function run(): Promise<TrainingRun | null> {
    const [width, height] = ui.trainSize.value.split('x').map(Number) as [number, number];
    const settings = {
      width,
      height,
      widthMult: Number(ui.trainWidth.value),
      epochs: Number(ui.trainEpochs.value),
      stepsPerEpoch: Number(ui.trainSteps.value),
      batchSize: Number(ui.trainBatch.value),
      lr: Number(ui.trainLr.value),
      patience: 1000,
      seed: 42,
      bnMomentum: 0.9,
      valFraction: 0.2,
    };
    shell.training = true;
    state.stopRequested = false;
    state.history = [];
    state.stepLosses = [];
    shell.changed();
    try {
      status('preparing data…');
      const data = ui.srcDropped.checked
        ? await droppedData(Array.from(ui.trainImages.files ?? []), Array.from(ui.trainMasks.files ?? []), width, height, settings)
        : phantomData(4, width, height);
      status(`${data.description}; training…`);
      const t0 = performance.now();
      if (state.trained && !shell.model?.nets.includes(state.trained.model)) state.trained.model.dispose();
      state.trained = null;
      const trained = await trainInPage(data, settings, {
        onStep(info) {
          state.stepLosses.push(info.loss);
          drawStepLosses();
          status(`epoch ${info.epoch}, step ${info.stepInEpoch}/${info.stepsInEpoch}: loss ${info.loss.toFixed(4)} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
        },
        onEpoch(_record, history) {
          state.history = [...history];
          void drawCurves(state.history);
        },
        shouldStop: () => state.stopRequested,
      });
      state.trained = trained;
      const last = trained.state.history.at(-1);
      status(`trained ${trained.state.epoch} epoch(s) in ${((performance.now() - t0) / 1000).toFixed(1)} s${last ? `; validation mean IoU ${last.valMeanIoU.toFixed(3)}` : ''}`);
      return trained;
    } catch (err) {
      status(errorText(err), true);
      return null;
    } finally {
      shell.training = false;
      shell.changed();
    }
  }

  ui.trainStart.addEventListener('click', () => void run());
  ui.trainStop.addEventListener('click', () => {
    state.stopRequested = true;
    status('stopping after this step…');
  });
  ui.useModel.addEventListener('click', () => {
    useModel();
    shell.showTab('segment');
  });
  ui.downloadCheckpoint.addEventListener('click', () => {
    if (!state.trained) return;
    void checkpointFiles(state.trained).then((files) => {
      download('config.json', files['config.json'], 'application/json');
      download('model.safetensors', files['model.safetensors']);
    });
  });

  function drawStepLosses(): void {
    const canvas = ui.stepCanvas;
    const ctx = canvas.getContext('2d')!;
    const { width: W, height: H } = canvas;
    ctx.clearRect(0, 0, W, H);
    ctx.fillStyle = '#5b6475';
    ctx.font = '12px system-ui, sans-serif';
    ctx.fillText('training loss per step', 8, 14);
    const xs = state.stepLosses;
    if (xs.length < 1) return;
    const max = Math.max(...xs);
    const min = Math.min(...xs);
    const span = max - min || 1;
    ctx.strokeStyle = '#2f5fd0';
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    xs.forEach((v, i) => {
      const x = 8 + ((W - 16) * i) / Math.max(1, xs.length - 1);
      const y = 22 + (H - 30) * (1 - (v - min) / span);
      if (i === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    });
    ctx.stroke();
    ctx.fillText(`${max.toFixed(3)}`, W - 50, 14);
    ctx.fillText(`${min.toFixed(3)}`, W - 50, H - 4);
  }

  const views = new Map<HTMLElement, vega.View>();
  async function drawCurves(history: EpochRecord[]): Promise<void> {
    const specs = learningCurveSpecs(history);
    const draw = async (container: HTMLElement, spec: TopLevelSpec) => {
      views.get(container)?.finalize();
      views.set(container, await renderChart(container, { ...spec, width: 360, height: 180 } as TopLevelSpec));
    };
    await draw(ui.curveLoss, specs.loss);
    await draw(ui.curveMiou, specs.miou);
  }

  refresh();
  return { state, run, useModel, trained: () => state.trained };
}

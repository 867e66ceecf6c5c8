// The spineseg web app: segment dropped PNG slices, .mha volumes or DICOM series with a checkpoint, train a small
// model on phantoms or dropped data, run the engine's kernel checks and benchmarks, all on this browser's WebGPU
// device. Each tab is its own module (web/src/tabs/); this file only starts WebGPU and wires the tabs together.
// `window.spineseg` exposes the page's state to the browser tests (test/browser*.test.ts).
import './styles.css';
import { initGpu, gpu, adapterName, ENGINE_LIMITS } from '../src/runtime/gpu.ts';
import { loadTuning, convChoices, type TuneCache } from '../src/app/tuning.ts';
import { browserTuneStore } from '../src/app/tune-store-browser.ts';
import { Shell } from './src/shell.ts';
import { errorText } from './src/dom.ts';
import { initSegmentTab } from './src/tabs/segment.ts';
import { initTrainTab } from './src/tabs/train.ts';
import { initChecksTab } from './src/tabs/checks.ts';
import { initBenchTab } from './src/tabs/bench.ts';

const panel = (name: string): HTMLElement => {
  const el = document.getElementById(`panel-${name}`);
  if (!el) throw new Error(`page element #panel-${name} missing`);
  return el;
};
const adapterLine = document.getElementById('adapter')!;
const tabButtons = Array.from(document.querySelectorAll<HTMLButtonElement>('.tab'));

function showTab(name: string): void {
  for (const t of tabButtons) t.classList.toggle('active', t.dataset.tab === name);
  for (const p of Array.from(document.querySelectorAll<HTMLElement>('.panel'))) p.classList.toggle('active', p.id === `panel-${name}`);
}
for (const tab of tabButtons) tab.addEventListener('click', () => showTab(tab.dataset.tab!));

let startGpu!: () => void;
const shell = new Shell(new Promise<void>((resolve) => (startGpu = resolve)), showTab);

/** The adapter line of the header, with the date of the conv tuning in use (loaded on start, or made in the Benchmark tab). */
function showAdapterTuning(tuned: TuneCache | null): void {
  adapterLine.textContent = shell.adapter + (tuned ? ` (conv tuning of ${tuned.date})` : '');
}

const trainTab = initTrainTab(panel('train'), shell);
const segmentTab = initSegmentTab(panel('segment'), shell, { trainedAvailable: () => trainTab.trained() !== null, useTrained: trainTab.useModel });
const checksTab = initChecksTab(panel('checks'), shell);
const benchTab = initBenchTab(panel('bench'), {
  ready: shell.ready,
  gpuError: () => shell.gpuError,
  busy: () => shell.busy ?? (shell.training ? 'training' : null),
  withBusy: (what, fn) => shell.withBusy(what, fn),
  tuned: showAdapterTuning,
  model: () => (shell.model ? { net: shell.model.nets[0]!, name: shell.model.name } : null),
});

const ready = (async () => {
  try {
    const g = await initGpu();
    shell.gpuReady = true;
    shell.adapter = adapterName(g.adapter);
    for (const name of ENGINE_LIMITS) shell.limits[name] = g.limits[name as keyof GPUSupportedLimits] as number;
    // the per-shape conv choices of a tuning run on this adapter, kept in IndexedDB (src/app/tune-store-browser.ts)
    showAdapterTuning(await loadTuning(browserTuneStore).catch(() => null));
  } catch (err) {
    shell.gpuError = errorText(err);
    adapterLine.textContent = `unavailable: ${shell.gpuError}`;
    adapterLine.classList.add('error');
  }
  startGpu();
  if (shell.gpuReady) await segmentTab.loadShipped();
  shell.changed();
})();

// a file dropped outside a drop zone must not make the browser navigate away from the app
window.addEventListener('dragover', (e) => e.preventDefault());
window.addEventListener('drop', (e) => e.preventDefault());

// ---------------------------------------------------------------- test hooks

declare global {
  interface Window {
    spineseg: typeof api;
  }
}

/** The page's state as the tests read it, gathered from the tabs. */
const state = {
  get gpuReady() {
    return shell.gpuReady;
  },
  get gpuError() {
    return shell.gpuError;
  },
  get busy() {
    return shell.busy;
  },
  get lastError() {
    return shell.lastError;
  },
  get model() {
    return shell.model?.nets[0] ?? null;
  },
  get modelName() {
    return shell.model?.name ?? 'none';
  },
  get input() {
    return segmentTab.state.input;
  },
  get seg() {
    return segmentTab.state.seg;
  },
  get training() {
    return shell.training;
  },
  get trained() {
    return trainTab.state.trained;
  },
  get history() {
    return trainTab.state.history;
  },
  get stepLosses() {
    return trainTab.state.stepLosses;
  },
  get checks() {
    return checksTab.state.checks;
  },
};

const api = {
  ready,
  state,
  runChecks: (includeSlow = false, filter?: string) => checksTab.run(includeSlow, filter),
  segment: () => segmentTab.run(),
  train: () => trainTab.run(),
  showTab,
  bench: benchTab,
  /** the per-shape conv choices in use in this page (tuned here or loaded from IndexedDB on start) */
  convChoices: () => convChoices(),
  /** what the test compares with Node: per-class counts, the label volume or slices, and the shapes */
  summary: () => ({
    gpuReady: shell.gpuReady,
    gpuError: shell.gpuError,
    adapter: shell.adapter,
    limits: shell.limits,
    model: state.modelName,
    input: segmentTab.state.input?.name ?? null,
    counts: segmentTab.state.seg?.counts ?? null,
    slices: segmentTab.state.seg?.labels.length ?? 0,
    seconds: segmentTab.state.seg?.seconds ?? null,
    lastError: shell.lastError,
    dispatches: shell.gpuReady ? gpu().dispatchCount : 0,
  }),
};
window.spineseg = api;

// The spineseg web app: segment dropped PNG slices or .mha volumes with a checkpoint, train a small model on
// phantoms or dropped data, and run the engine's kernel checks, all on this browser's WebGPU device.
// `window.spineseg` exposes the page's state to the browser test (test/browser.test.ts).
import './styles.css';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { initGpu, gpu, adapterName, ENGINE_LIMITS } from '../src/runtime/gpu.ts';
import { loadTuning, type TuneCache } from '../src/kernels/autotune.ts';
import { convChoices } from '../src/kernels/conv_algorithm.ts';
import { browserTuneStore } from '../src/app/tune-store-browser.ts';
import { UNet, makeConfig } from '../src/model/unet.ts';
import { safetensorsToModel, loadParams, type CheckpointConfig } from '../src/model/weights.ts';
import { checkDroppedCheckpoint } from './src/checkpoint.ts';
import { overlayRgb, comparisonPng } from '../src/app/overlay.ts';
import { classesToGreyLevels } from '../src/pipeline/labels.ts';
import { parsePostprocessBlock } from '../src/pipeline/postprocess.ts';
import { learningCurveSpecs } from '../src/app/plots.ts';
import type { EpochRecord } from '../src/model/train.ts';
import { decodeImagePng, readMetaImage, writeLabelMetaImage, encodeGreyPng, fileBytes, download } from './src/files.ts';
import { volumeInput, sliceInput, segment, labelVolume, measures, type SegmentInput, type Segmentation } from './src/segment.ts';
import { droppedData, trainInPage, checkpointFiles, type TrainingRun } from './src/training.ts';
import { phantomData } from './src/phantoms.ts';
import { runAllChecks, type CheckOutcome } from './src/checks.ts';
import { initBenchTab } from './src/bench.ts';
import { levelsFor, levelsTableRows, drawLevels } from './src/levels.ts';
import { filesFromDataTransfer, isOtherFormat, readDroppedDicom, imageSeries, selectSeries, segmentationFromSeg, segBytes, niftiBytes, statsCsv, type DroppedDicom, type DicomSelection } from './src/dicom.ts';
import { describeSeries } from '../src/pipeline/dicom.ts';
import { describePostprocess } from '../src/pipeline/postprocess.ts';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`page element #${id} missing`);
  return el as T;
};

interface AppState {
  gpuReady: boolean;
  gpuError: string | null;
  adapter: string;
  limits: Record<string, number>;
  model: UNet | null;
  modelConfig: CheckpointConfig | null;
  modelName: string;
  input: SegmentInput | null;
  pendingImages: File[];
  pendingCheckpoint: { config?: File; weights?: File };
  seg: Segmentation | null;
  slice: number;
  trained: TrainingRun | null;
  training: boolean;
  stopRequested: boolean;
  history: EpochRecord[];
  stepLosses: number[];
  checks: CheckOutcome[] | null;
  busy: string | null;
  lastError: string | null;
}

const state: AppState = {
  gpuReady: false,
  gpuError: null,
  adapter: '',
  limits: {},
  model: null,
  modelConfig: null,
  modelName: 'none',
  input: null,
  pendingImages: [],
  pendingCheckpoint: {},
  seg: null,
  slice: 0,
  trained: null,
  training: false,
  stopRequested: false,
  history: [],
  stepLosses: [],
  checks: null,
  busy: null,
  lastError: null,
};

function setStatus(id: string, text: string, error = false): void {
  const el = $(id);
  el.textContent = text;
  el.classList.toggle('error', error);
  if (error) state.lastError = text;
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

// ---------------------------------------------------------------- tabs and GPU

for (const tab of Array.from(document.querySelectorAll<HTMLButtonElement>('.tab'))) {
  tab.addEventListener('click', () => showTab(tab.dataset.tab!));
}

function showTab(name: string): void {
  for (const t of Array.from(document.querySelectorAll<HTMLButtonElement>('.tab'))) t.classList.toggle('active', t.dataset.tab === name);
  for (const p of Array.from(document.querySelectorAll<HTMLElement>('.panel'))) p.classList.toggle('active', p.id === `panel-${name}`);
}

const ready = (async () => {
  try {
    const g = await initGpu();
    state.gpuReady = true;
    state.adapter = adapterName(g.adapter);
    for (const name of ENGINE_LIMITS) state.limits[name] = g.limits[name as keyof GPUSupportedLimits] as number;
    // the per-shape conv choices of a tuning run on this adapter, kept in IndexedDB (src/app/tune-store-browser.ts)
    const tuned = await loadTuning(browserTuneStore).catch(() => null);
    showAdapterTuning(tuned);
    $('limits').textContent = Object.entries(state.limits)
      .map(([k, v]) => `${k.padEnd(36)} ${v}`)
      .join('\n');
  } catch (err) {
    state.gpuError = errorText(err);
    $('adapter').textContent = `unavailable: ${state.gpuError}`;
    $('adapter').classList.add('error');
  }
  if (state.gpuReady) await loadShippedModel();
  refreshButtons();
})();

/** The adapter line of the header, with the date of the conv tuning in use (loaded on start, or made in the Benchmark tab). */
function showAdapterTuning(tuned: TuneCache | null): void {
  $('adapter').textContent = state.adapter + (tuned ? ` (conv tuning of ${tuned.date})` : '');
}

/** The shipped model (models/default), served by the app itself; absent in a build without one. */
async function loadShippedModel(): Promise<void> {
  try {
    const res = await fetch('./models/default/config.json');
    // a server without the model answers 404 or falls back to index.html
    if (!res.ok || !(res.headers.get('content-type') ?? '').includes('json') || state.model) return;
    const cfg = (await res.json()) as CheckpointConfig;
    const weights = await fetch('./models/default/model.safetensors');
    if (!weights.ok || state.model) return;
    const model = new UNet(makeConfig(cfg.model));
    try {
      safetensorsToModel(model, new Uint8Array(await weights.arrayBuffer()), 'models/default/model.safetensors');
    } catch (err) {
      model.dispose();
      throw err;
    }
    if (state.model) return model.dispose();
    setModel(model, cfg, `shipped model (models/default, ${cfg.model.width}x${cfg.model.height}, width x${cfg.model.widthMult})`);
    setStatus('segment-status', 'shipped model loaded: drop an image and press Segment');
  } catch (err) {
    setStatus('segment-status', `shipped model: ${errorText(err)}`, true);
  }
}

function refreshButtons(): void {
  // one GPU job at a time: tensor scopes and kernel settings are shared across awaits
  const idle = state.busy === null && !state.training && state.gpuReady;
  ($('predict') as HTMLButtonElement).disabled = !(idle && state.model && state.input);
  ($('use-trained') as HTMLButtonElement).disabled = !state.trained || state.training;
  ($('train-start') as HTMLButtonElement).disabled = !idle || state.training;
  ($('train-stop') as HTMLButtonElement).disabled = !state.training;
  ($('download-checkpoint') as HTMLButtonElement).disabled = !state.trained || state.training;
  ($('use-model') as HTMLButtonElement).disabled = !state.trained || state.training;
  ($('checks-run') as HTMLButtonElement).disabled = !idle;
  $('input-name').textContent = state.input ? `${state.input.name} (${state.input.slices.length} slice${state.input.slices.length === 1 ? '' : 's'} of ${state.input.slices[0].width}x${state.input.slices[0].height})` : 'none';
  $('model-name').textContent = state.modelName;
}

async function withBusy<T>(what: string, fn: () => Promise<T>): Promise<T> {
  state.busy = what;
  refreshButtons();
  try {
    return await fn();
  } finally {
    state.busy = null;
    refreshButtons();
  }
}

// ---------------------------------------------------------------- segment tab: loading

/** the dropped DICOM files and the series shown (web/src/dicom.ts) */
let dicom: { dropped: DroppedDicom; selection: DicomSelection | null } | null = null;

/** Reads dropped DICOM files; returns the status line when the user has a series to choose first. */
async function loadDicom(files: File[]): Promise<string | undefined> {
  const dropped = await readDroppedDicom(files, (done, total) => setStatus('segment-status', `read ${done}/${total} files…`));
  dicom = { dropped, selection: null };
  state.input = null;
  state.seg = null;
  $('viewer').hidden = true;
  const images = imageSeries(dropped);
  const select = $('series-select') as HTMLSelectElement;
  select.innerHTML = '';
  for (const s of images) select.append(new Option(describeSeries(s), s.uid));
  // (the page's label style would override the hidden attribute)
  $('series-choice').style.display = images.length < 2 ? 'none' : '';
  try {
    await showSeries(undefined);
  } catch (err) {
    // several series and no choice yet: the menu lists them, one line each
    if (images.length < 2 || !/image series; choose one/.test(errorText(err))) throw err;
    select.selectedIndex = -1;
    return `${images.length} image series in ${dropped.source}: choose one in the Series menu`;
  }
  return undefined;
}

async function showSeries(uid: string | undefined): Promise<void> {
  if (!dicom) return;
  const sel = selectSeries(dicom.dropped, uid);
  dicom.selection = sel;
  state.input = sel.input;
  state.seg = null;
  $('viewer').hidden = true;
  ($('series-select') as HTMLSelectElement).value = sel.source.series.uid;
  // a SEG of this series among the dropped files is shown as it is, without the model
  if (sel.segs.length) showSegmentation(await segmentationFromSeg(sel.segs[0]!, sel));
}

$('series-select').addEventListener('change', (e) => {
  const uid = (e.target as HTMLSelectElement).value;
  void withBusy('loading', async () => {
    try {
      await showSeries(uid);
      setStatus('segment-status', state.seg ? 'SEG shown' : state.model && state.input ? 'ready: press Segment' : '');
    } catch (err) {
      setStatus('segment-status', errorText(err), true);
    }
  });
});

async function loadImages(files: File[]): Promise<string | undefined> {
  dicom = null;
  $('series-choice').style.display = 'none';
  if (!files.some((f) => /\.(mha|png)$/i.test(f.name)) && files.some((f) => !isOtherFormat(f.name))) return loadDicom(files);
  const mha = files.filter((f) => /\.mha$/i.test(f.name));
  const png = files.filter((f) => /\.png$/i.test(f.name)).sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
  if (mha.length > 1 || (mha.length && png.length)) throw new Error('drop one .mha volume, or PNG slices, not both');
  if (mha.length) {
    const vol = await readMetaImage(mha[0].name, await fileBytes(mha[0]));
    state.input = volumeInput(mha[0].name, vol);
  } else if (png.length) {
    const slices = [];
    for (const f of png) slices.push(decodeImagePng(f.name, await fileBytes(f)));
    state.input = sliceInput(slices, Number(($('pixel-mm') as HTMLInputElement).value) || 1, Number(($('thickness-mm') as HTMLInputElement).value) || 1);
  } else {
    throw new Error(`${files.map((f) => f.name).join(', ')}: not a .png or .mha image`);
  }
  state.seg = null;
  $('viewer').hidden = true;
}

async function loadCheckpoint(files: File[]): Promise<void> {
  for (const f of files) {
    if (/\.json$/i.test(f.name)) state.pendingCheckpoint.config = f;
    else if (/\.safetensors$/i.test(f.name)) state.pendingCheckpoint.weights = f;
  }
  const { config, weights } = state.pendingCheckpoint;
  if (!config || !weights) {
    state.modelName = `waiting for ${config ? 'model.safetensors' : 'config.json'}`;
    return;
  }
  // a damaged pair is dropped whole, so the next drop starts clean
  state.pendingCheckpoint = {};
  const g = await initGpu();
  const checked = checkDroppedCheckpoint(config.name, await config.text(), weights.name, await fileBytes(weights), g.limits);
  const cfg = checked.cfg;
  const model = new UNet(makeConfig(checked.model));
  try {
    loadParams(model, checked.weights, weights.name);
  } catch (err) {
    model.dispose();
    throw err;
  }
  setModel(model, cfg, `${weights.name} (${cfg.model.width}x${cfg.model.height}, width x${cfg.model.widthMult})`);
  state.pendingCheckpoint = {};
}

function setModel(model: UNet, cfg: CheckpointConfig, name: string): void {
  if (state.model && state.model !== state.trained?.model) state.model.dispose();
  state.model = model;
  state.modelConfig = cfg;
  state.modelName = name;
  state.seg = null;
}

async function handleSegmentFiles(files: File[]): Promise<void> {
  const ckpt = files.filter((f) => /\.(json|safetensors)$/i.test(f.name));
  const images = files.filter((f) => !ckpt.includes(f));
  await withBusy('loading', async () => {
    try {
      setStatus('segment-status', 'loading…');
      if (ckpt.length) await loadCheckpoint(ckpt);
      const note = images.length ? await loadImages(images) : undefined;
      setStatus('segment-status', note ?? (state.seg ? 'SEG shown' : state.model && state.input ? 'ready: press Segment' : ''));
    } catch (err) {
      setStatus('segment-status', errorText(err), true);
    }
  });
}

$('image-input').addEventListener('change', (e) => {
  const input = e.target as HTMLInputElement;
  void handleSegmentFiles(Array.from(input.files ?? []));
});
$('dicom-folder-input').addEventListener('change', (e) => {
  const input = e.target as HTMLInputElement;
  void handleSegmentFiles(Array.from(input.files ?? []));
});
$('checkpoint-input').addEventListener('change', (e) => {
  const input = e.target as HTMLInputElement;
  void handleSegmentFiles(Array.from(input.files ?? []));
});
dropZone($('segment-drop'), (files) => void handleSegmentFiles(files));

function dropZone(el: HTMLElement, onFiles: (files: File[]) => void): void {
  el.addEventListener('dragover', (e) => {
    e.preventDefault();
    el.classList.add('over');
  });
  el.addEventListener('dragleave', () => el.classList.remove('over'));
  el.addEventListener('drop', (e) => {
    e.preventDefault();
    el.classList.remove('over');
    // a dropped folder is walked recursively (a DICOM series); plain files come as they are
    void filesFromDataTransfer(e.dataTransfer).then(onFiles);
  });
}
// a file dropped outside a zone must not make the browser navigate away from the app
window.addEventListener('dragover', (e) => e.preventDefault());
window.addEventListener('drop', (e) => e.preventDefault());

// ---------------------------------------------------------------- segment tab: predict and view

$('predict').addEventListener('click', () => void runSegmentation());

async function runSegmentation(): Promise<Segmentation | null> {
  const model = state.model;
  const input = state.input;
  if (!model || !input) return null;
  return withBusy('segmenting', async () => {
    try {
      setStatus('segment-status', `segmenting ${input.slices.length} slice(s)…`);
      const raw = (state.modelConfig as { postprocess?: unknown } | null)?.postprocess;
      const postprocess = raw === undefined || !state.modelConfig ? null : parsePostprocessBlock(raw, 'config.json', state.modelConfig.model.classes);
      const seg = await segment(model, input, 4, (done, total) => setStatus('segment-status', `segmented ${done}/${total} slices…`), postprocess);
      showSegmentation(seg);
      setStatus('segment-status', `done in ${seg.seconds.toFixed(2)} s`);
      return seg;
    } catch (err) {
      setStatus('segment-status', errorText(err), true);
      return null;
    }
  });
}

function showSegmentation(seg: Segmentation): void {
  const input = seg.input;
  state.seg = seg;
  state.slice = Math.floor(input.slices.length / 2);
  const slider = $('slice-slider') as HTMLInputElement;
  slider.max = String(input.slices.length - 1);
  slider.value = String(state.slice);
  $('viewer').hidden = false;
  ($('download-labels') as HTMLButtonElement).textContent = input.kind === 'volume' ? 'Download label map (.mha, input geometry)' : 'Download label map (PNG, this slice)';
  $('download-seg').hidden = !(dicom?.selection && dicom.selection.input === input);
  $('download-nifti').hidden = input.kind !== 'volume';
  drawSlice();
}

$('slice-slider').addEventListener('input', (e) => {
  state.slice = Number((e.target as HTMLInputElement).value);
  drawSlice();
});

function drawSlice(): void {
  const seg = state.seg;
  if (!seg) return;
  const s = seg.input.slices[state.slice];
  const labels = seg.labels[state.slice];
  const rgb = overlayRgb(s.image, labels, s.width, s.height);
  const canvas = $('overlay-canvas') as HTMLCanvasElement;
  canvas.width = s.width;
  canvas.height = s.height;
  // keep physical proportions on screen: columns and rows may have different spacing
  const aspect = (s.width * seg.input.spacing.col) / (s.height * seg.input.spacing.row);
  canvas.style.width = `${Math.round(480 * aspect)}px`;
  const img = new ImageData(s.width, s.height);
  for (let i = 0; i < s.width * s.height; i++) {
    img.data[4 * i] = rgb[3 * i];
    img.data[4 * i + 1] = rgb[3 * i + 1];
    img.data[4 * i + 2] = rgb[3 * i + 2];
    img.data[4 * i + 3] = 255;
  }
  canvas.getContext('2d')!.putImageData(img, 0, 0);
  $('slice-label').textContent = `${state.slice + 1} / ${seg.input.slices.length}: ${s.name}`;
  const fmt = (x: number, d = 1) => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  const rows = measures(seg, state.slice).map(
    (m) => `<tr><td>${m.name}</td><td>${m.slicePixels}</td><td>${fmt(m.sliceAreaMm2)}</td><td>${m.totalVoxels}</td><td>${fmt(m.volumeMm3)}</td></tr>`,
  );
  $('measures').querySelector('tbody')!.innerHTML = rows.join('');
  const sp = seg.input.spacing;
  $('spacing-note').textContent =
    seg.input.kind === 'volume'
      ? `Spacing from the .mha header: ${fmt(sp.col, 3)} mm (anterior-posterior) x ${fmt(sp.row, 3)} mm (superior-inferior), ${fmt(sp.thickness, 3)} mm between sagittal slices.${seg.input.report?.changed ? ` Reoriented for the model: ${seg.input.report.description}.` : ''}`
      : `PNG has no geometry: ${fmt(sp.col, 3)} mm pixels and ${fmt(sp.thickness, 3)} mm between slices, as set above.`;
  showLevels(seg, canvas);
}

/** The levels table beside the overlay and the level names drawn over it (docs/MEASUREMENTS.md). */
function showLevels(seg: Segmentation, overlay: HTMLCanvasElement): void {
  const levels = levelsFor(seg, state.slice);
  const s = seg.input.slices[state.slice];
  const layer = $('levels-canvas') as HTMLCanvasElement;
  const cssW = parseFloat(overlay.style.width) || 480;
  const cssH = 480;
  layer.width = Math.round(cssW);
  layer.height = cssH;
  layer.style.width = `${Math.round(cssW)}px`;
  layer.style.height = `${cssH}px`;
  drawLevels(layer, levels, levels.gridSlice(state.slice), [cssH / s.height, cssW / s.width]);
  const r = levels.report;
  const cell = (v: string) => `<td>${v.replace(/[<>&]/g, '')}</td>`;
  $('levels-table').querySelector('tbody')!.innerHTML = levelsTableRows(r).map((row) => `<tr>${row.map(cell).join('')}</tr>`).join('');
  $('levels-size-head').textContent = r.unit === 'mm' ? 'volume (mm³)' : 'mid-sagittal area (px²)';
  const flags = r.flags.map((f) => f.message).join('; ');
  $('levels-note').textContent = `${r.levels.some((l) => l.kind !== 'canal') ? `${r.vertebraCount} complete vertebrae; lengths in ${r.unit === 'mm' ? 'mm' : 'pixels (a PNG slice carries no spacing)'}.` : 'No levels.'}${flags ? ` Flags: ${flags}.` : ''}`;
}

$('download-labels').addEventListener('click', () => void downloadLabels());
async function downloadLabels(): Promise<void> {
  const seg = state.seg;
  if (!seg) return;
  try {
    if (seg.input.kind === 'volume') {
      const name = seg.input.name.replace(/\.mha$/i, '') + '_labels.mha';
      download(name, await writeLabelMetaImage(name, labelVolume(seg)));
    } else {
      const s = seg.input.slices[state.slice];
      download(s.name.replace(/\.png$/i, '') + '_labels.png', encodeGreyPng(classesToGreyLevels(seg.labels[state.slice]), s.width, s.height), 'image/png');
    }
  } catch (err) {
    setStatus('segment-status', errorText(err), true);
  }
}

/** Runs a download, showing what goes wrong in the status line. */
function downloading(make: (seg: Segmentation) => Promise<void> | void): () => void {
  return () => {
    const seg = state.seg;
    if (!seg) return;
    Promise.resolve()
      .then(() => make(seg))
      .catch((err) => setStatus('segment-status', errorText(err), true));
  };
}
$('download-seg').addEventListener('click', downloading((seg) => download(`${seg.input.name}.seg.dcm`, segBytes(seg, dicom!.selection!, state.modelName), 'application/dicom')));
$('download-nifti').addEventListener('click', downloading(async (seg) => {
  const name = `${seg.input.name.replace(/\.mha$/i, '')}.nii.gz`;
  download(name, await niftiBytes(name, labelVolume(seg)));
}));
$('download-stats').addEventListener('click', downloading((seg) => {
  const raw = (state.modelConfig as { postprocess?: unknown } | null)?.postprocess;
  const pp = raw === undefined || !state.modelConfig ? null : parsePostprocessBlock(raw, 'config.json', state.modelConfig.model.classes);
  download(`${seg.input.name.replace(/\.(mha|png)$/i, '')}_statistics.csv`, statsCsv(seg, state.modelName, seg.seconds === 0 ? 'read from a SEG' : pp ? describePostprocess(pp, state.modelConfig!.classes) : 'off'), 'text/csv');
}));

$('download-overlay').addEventListener('click', () => {
  const seg = state.seg;
  if (!seg) return;
  const s = seg.input.slices[state.slice];
  download(`${seg.input.name.replace(/\.(mha|png)$/i, '')}_slice${state.slice + 1}_overlay.png`, comparisonPng(s.image, seg.labels[state.slice], null, s.width, s.height), 'image/png');
});

$('use-trained').addEventListener('click', () => useTrainedModel());
$('use-model').addEventListener('click', () => {
  useTrainedModel();
  showTab('segment');
});
function useTrainedModel(): void {
  if (!state.trained) return;
  const c = state.trained.config.model;
  setModel(state.trained.model, state.trained.config, `trained in this page (${c.width}x${c.height}, width x${c.widthMult}, ${state.trained.state.epoch} epochs)`);
  setStatus('segment-status', state.input ? 'ready: press Segment' : 'now drop an image');
  refreshButtons();
}

// ---------------------------------------------------------------- train tab

$('train-start').addEventListener('click', () => void runTraining());
$('train-stop').addEventListener('click', () => {
  state.stopRequested = true;
  setStatus('train-status', 'stopping after this step…');
});

const numberOf = (id: string) => Number(($(id) as HTMLInputElement).value);

async function runTraining(): Promise<TrainingRun | null> {
  const [width, height] = ($('train-size') as HTMLSelectElement).value.split('x').map(Number);
  const settings = {
    width,
    height,
    widthMult: Number(($('train-width') as HTMLSelectElement).value),
    epochs: numberOf('train-epochs'),
    stepsPerEpoch: numberOf('train-steps'),
    batchSize: numberOf('train-batch'),
    lr: numberOf('train-lr'),
    patience: 1000,
    seed: 42,
  };
  state.training = true;
  state.stopRequested = false;
  state.history = [];
  state.stepLosses = [];
  refreshButtons();
  try {
    setStatus('train-status', 'preparing data…');
    const dropped = ($('src-dropped') as HTMLInputElement).checked;
    const data = dropped
      ? await droppedData(Array.from(($('train-images') as HTMLInputElement).files ?? []), Array.from(($('train-masks') as HTMLInputElement).files ?? []), width, height)
      : phantomData(4, width, height);
    setStatus('train-status', `${data.description}; training…`);
    const t0 = performance.now();
    if (state.trained && state.trained.model !== state.model) state.trained.model.dispose();
    state.trained = null;
    const run = await trainInPage(data, settings, {
      onStep(info) {
        state.stepLosses.push(info.loss);
        drawStepLosses();
        setStatus('train-status', `epoch ${info.epoch}, step ${info.stepInEpoch}/${info.stepsInEpoch}: loss ${info.loss.toFixed(4)} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
      },
      onEpoch(_record, history) {
        state.history = [...history];
        void drawCurves(state.history);
      },
      shouldStop: () => state.stopRequested,
    });
    state.trained = run;
    const last = run.state.history.at(-1);
    setStatus('train-status', `trained ${run.state.epoch} epoch(s) in ${((performance.now() - t0) / 1000).toFixed(1)} s${last ? `; validation mean IoU ${last.valMeanIoU.toFixed(3)}` : ''}`);
    return run;
  } catch (err) {
    setStatus('train-status', errorText(err), true);
    return null;
  } finally {
    state.training = false;
    refreshButtons();
  }
}

function drawStepLosses(): void {
  const canvas = $('step-canvas') as HTMLCanvasElement;
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

const views = new Map<string, vega.View>();
async function drawCurves(history: EpochRecord[]): Promise<void> {
  const specs = learningCurveSpecs(history);
  const draw = async (id: string, spec: TopLevelSpec) => {
    views.get(id)?.finalize();
    const view = new vega.View(vega.parse(compile({ ...spec, width: 360, height: 180 } as TopLevelSpec).spec), { renderer: 'svg', container: $(id), hover: false });
    views.set(id, view);
    await view.runAsync();
  };
  await draw('curve-loss', specs.loss);
  await draw('curve-miou', specs.miou);
}

$('download-checkpoint').addEventListener('click', () => void downloadCheckpoint());
async function downloadCheckpoint(): Promise<void> {
  if (!state.trained) return;
  const files = await checkpointFiles(state.trained);
  download('config.json', files['config.json'], 'application/json');
  download('model.safetensors', files['model.safetensors']);
}

// ---------------------------------------------------------------- engine checks tab

$('checks-run').addEventListener('click', () => void runChecks());

async function runChecks(includeSlow = ($('checks-slow') as HTMLInputElement).checked, filter?: string): Promise<CheckOutcome[]> {
  return withBusy('checks', async () => {
    const tbody = $('checks-table').querySelector('tbody')!;
    tbody.innerHTML = '';
    const t0 = performance.now();
    const results = await runAllChecks({
      includeSlow,
      filter,
      onResult(r, done) {
        const tr = document.createElement('tr');
        const cls = r.skipped ? 'skip' : r.pass ? 'pass' : 'fail';
        tr.innerHTML = `<td></td><td class="${cls}">${r.skipped ? 'skipped' : r.pass ? 'pass' : 'FAIL'}</td><td>${r.ms.toFixed(0)}</td><td></td>`;
        tr.cells[0].textContent = r.name;
        tr.cells[3].textContent = r.detail;
        tbody.append(tr);
        setStatus('checks-summary', `${done} checks run…`);
      },
    });
    const ran = results.filter((r) => !r.skipped);
    const failed = ran.filter((r) => !r.pass);
    setStatus('checks-summary', `${ran.length - failed.length}/${ran.length} passed, ${results.length - ran.length} slow skipped, ${((performance.now() - t0) / 1000).toFixed(1)} s on ${state.adapter}`, failed.length > 0);
    state.checks = results;
    return results;
  });
}

// ---------------------------------------------------------------- benchmark tab (web/src/bench.ts)

const benchTab = initBenchTab($('panel-bench'), {
  ready,
  gpuError: () => state.gpuError,
  busy: () => state.busy ?? (state.training ? 'training' : null),
  withBusy,
  tuned: showAdapterTuning,
  model: () => (state.model ? { net: state.model, name: state.modelName } : null),
});

// ---------------------------------------------------------------- test hooks

declare global {
  interface Window {
    spineseg: typeof api;
  }
}

const api = {
  ready,
  state,
  runChecks: (includeSlow = false, filter?: string) => runChecks(includeSlow, filter),
  segment: () => runSegmentation(),
  train: () => runTraining(),
  showTab,
  bench: benchTab,
  /** the per-shape conv choices in use in this page (tuned here or loaded from IndexedDB on start) */
  convChoices: () => convChoices(),
  /** what the test compares with Node: per-class counts, the label volume or slices, and the shapes */
  summary: () => ({
    gpuReady: state.gpuReady,
    gpuError: state.gpuError,
    adapter: state.adapter,
    limits: state.limits,
    model: state.modelName,
    input: state.input?.name ?? null,
    counts: state.seg?.counts ?? null,
    slices: state.seg?.labels.length ?? 0,
    seconds: state.seg?.seconds ?? null,
    lastError: state.lastError,
    dispatches: state.gpuReady ? gpu().dispatchCount : 0,
  }),
};
window.spineseg = api;

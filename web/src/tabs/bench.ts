// The Benchmark tab: `spineseg bench train` and the kernel table of `bench kernels` on this page's WebGPU adapter,
// running the very code the CLI runs (bench/train-core.ts, bench/kernels-core.ts), with tfjs-backend-webgpu loaded
// only when a benchmark starts. Results download as JSON in the CLI's schema and copy as markdown tables.
// "Tune this GPU" runs `spineseg tune` (src/app/tune.ts) for the size, batch and width chosen here and keeps the
// choices in IndexedDB (src/app/tune-store-browser.ts), where the page loads them from on start.
import type * as vega from 'vega';
import type { TopLevelSpec } from 'vega-lite';
import { renderChart } from '../charts.ts';
import { initGpu, adapterName, ENGINE_LIMITS, type Gpu } from '../../../src/runtime/gpu.ts';
import { provideSettings } from '../../../src/runtime/settings.ts';
import { makeConfig } from '../../../src/model/unet.ts';
import { runTrainBench, missingLimits, describeMissing, type TrainBenchOptions, type TrainBenchResult } from '../../../bench/train-core.ts';
import { runKernelBench, layers, type KernelBenchResult } from '../../../bench/kernels-core.ts';
import { trainMarkdown, kernelMarkdown, trainChartSpec, kernelChartSpec } from '../../../bench/report.ts';
import { runTune, storedTune, forgetTune, tuneRows, type TuneResult, type TuneRow } from '../../../src/app/tune.ts';
import { browserTuneStore } from '../../../src/app/tune-store-browser.ts';
import type { TuneCache } from '../../../src/app/tuning.ts';
import { download } from '../files.ts';
import { runPredictPeers, type PredictPeersResult } from '../../../bench/predict-peers-core.ts';
import { readParams } from '../../../src/model/weights.ts';
import type { UNet } from '../../../src/model/unet.ts';
import { Rng } from '../../../src/util/random.ts';

export interface BenchTabDeps {
  /** resolves once initGpu() has succeeded or failed */
  ready: Promise<void>;
  gpuError(): string | null;
  /** what else is using the GPU now (training, segmenting, checks), or null */
  busy(): string | null;
  /** marks the GPU busy for the other tabs while fn runs */
  withBusy<T>(what: string, fn: () => Promise<T>): Promise<T>;
  /** this adapter's conv tuning changed (tuned here, or forgotten: null) */
  tuned?(cache: TuneCache | null): void;
  /** the model the Segment tab uses now (shipped or dropped), for the prediction benchmark; null before one loads */
  model?(): { net: UNet; name: string } | null;
}

/** --size values as the CLI takes them (width x height); 512x640 batch 8 is the paper's setting. */
const SIZES: [string, string][] = [
  ['32x32', '32 × 32 (a quick check)'],
  ['64x80', '64 × 80'],
  ['160x128', '160 × 128 (the CLI default)'],
  ['320x256', '320 × 256'],
  ['512x640', '512 × 640 (the paper)'],
];

const PANEL = `
  <p>Full U-Net training steps (forward, fused focal-Dice loss, backward, Adam) with this engine's WGSL kernels and,
  in the same page on the same adapter, the same model, weights, loss and batch in tfjs-backend-webgpu 4.22: the code
  <code>spineseg bench train</code> runs in Node. Every timed step waits for the GPU to finish; the table gives the
  median, min and max of the timed steps after the warm-up steps.</p>
  <details open><summary>This page's adapter</summary><table id="bench-adapter"><tbody></tbody></table></details>
  <fieldset>
    <legend>Training step</legend>
    <label>Size (W × H) <select id="bench-size">${SIZES.map(([v, l]) => `<option value="${v}"${v === '64x80' ? ' selected' : ''}>${l}</option>`).join('')}</select></label>
    <label>Batch <input type="number" id="bench-batch" value="2" min="1" max="64" /></label>
    <label>Width <select id="bench-width"><option value="0.125">0.125 × paper</option><option value="0.25" selected>0.25 × paper</option><option value="0.5">0.5 × paper</option><option value="1">1 × paper</option></select></label>
    <label>Timed steps <input type="number" id="bench-steps" value="5" min="1" max="100" /></label>
    <label>Warm-up steps <input type="number" id="bench-warmup" value="1" min="0" max="20" /></label>
    <label><input type="checkbox" id="bench-tfjs" checked /> tfjs-backend-webgpu</label>
    <label title="the same U-Net in jax-js (forward, gradient and Adam in one jit), checked against ours on a small shape before it is timed"><input type="checkbox" id="bench-jaxjs" /> jax-js</label>
    <label title="run spineseg tune (every conv algorithm and thread mapping per layer shape) at this size, batch and width first, and time the steps with its choices (--tune)"><input type="checkbox" id="bench-tune" /> tune convolutions first</label>
    <label title="one more step with GPU timestamps per dispatch (--profile)"><input type="checkbox" id="bench-profile" /> per-kernel GPU times</label>
    <button id="bench-paper" title="512 × 640, batch 8, full width">Paper setting</button>
    <p class="note" id="bench-limits"></p>
    <button id="bench-run" class="primary">Run training benchmark</button>
  </fieldset>
  <fieldset>
    <legend>Prediction (<code>spineseg bench predict --ort</code>: the model in use on a 512 × 640 slice)</legend>
    <p class="note">Our kernels against the same weights exported to ONNX in onnxruntime-web, on its WebGPU provider
    (this page's adapter) and its Wasm CPU provider (one thread). Each provider's probabilities are compared with
    ours before it is timed; runs are interleaved.</p>
    <label>Rounds <input type="number" id="bench-predict-rounds" value="2" min="1" max="20" /></label>
    <label><input type="checkbox" id="bench-ort-webgpu" checked /> onnxruntime-web WebGPU</label>
    <label><input type="checkbox" id="bench-ort-wasm" checked /> onnxruntime-web Wasm</label>
    <button id="bench-predict-run">Run prediction benchmark</button>
    <table id="bench-predict-table"></table>
    <button id="bench-predict-download" disabled>Download JSON (bench predict)</button>
  </fieldset>
  <fieldset>
    <legend>Conv autotuner (<code>spineseg tune</code>: the size, batch and width above)</legend>
    <p class="note">Times the direct and Winograd ways to compute each 3x3 conv layer shape and pass on this adapter and
    keeps the fastest in this browser's IndexedDB; the page's benchmarks, training and segmentation of those shapes use
    them from then on, and after a reload.</p>
    <label>Timed runs per candidate <input type="number" id="bench-tune-reps" value="3" min="1" max="20" /></label>
    <button id="bench-tune-run">Tune this GPU</button>
    <button id="bench-tune-forget" disabled title="delete this adapter's tuning from IndexedDB; the built-in defaults apply again">Forget tuning</button>
    <p class="note" id="bench-tune-where"></p>
    <pre id="bench-tune-log"></pre>
    <table id="bench-tune-table"></table>
  </fieldset>
  <fieldset>
    <legend>Conv kernels (<code>spineseg bench kernels</code>: the U-Net's layers at 160 × 128, batch 2)</legend>
    <label>Layers <select id="bench-layers"><option value="">all ${layers.length}</option>${layers.map((l) => `<option value="${l.where}">${l.where}</option>`).join('')}</select></label>
    <label>Timed iterations <input type="number" id="bench-iterations" value="5" min="1" max="50" /></label>
    <button id="bench-kernels-run">Run kernel table</button>
  </fieldset>
  <span id="bench-status" class="status"></span>
  <div id="bench-results">
    <table id="bench-table"></table>
    <div id="bench-chart" class="curve"></div>
    <table id="bench-kernel-table"></table>
    <div id="bench-kernel-chart" class="curve"></div>
  </div>
  <button id="bench-download" disabled>Download JSON (bench train)</button>
  <button id="bench-kernels-download" disabled>Download JSON (bench kernels)</button>
  <button id="bench-copy" disabled>Copy as markdown</button>
  <pre id="bench-markdown"></pre>
  <details><summary>Log</summary><pre id="bench-log"></pre></details>
`;

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

export function initBenchTab(panel: HTMLElement, deps: BenchTabDeps) {
  panel.innerHTML = PANEL;
  const el = <T extends HTMLElement = HTMLElement>(id: string) => panel.querySelector<T>(`#${id}`)!;
  const input = (id: string) => el<HTMLInputElement>(id);
  let train: TrainBenchResult | null = null;
  let kernels: KernelBenchResult | null = null;
  let predict: (PredictPeersResult & { adapter: string; date: string; machine: { cpu: string; cores: number; adapter: string } }) | null = null;
  let running: string | null = null;
  const logLines: string[] = [];
  let g: Gpu | null = null;
  let tune: TuneResult | null = null;
  /** whether IndexedDB holds a tuning for this adapter (as far as this page knows) */
  let tunedHere = false;
  const tuneLines: string[] = [];

  const log = (s: string) => {
    logLines.push(s);
    el('bench-log').textContent = logLines.join('\n');
  };
  const status = (text: string, error = false) => {
    const s = el('bench-status');
    s.textContent = text;
    s.classList.toggle('error', error);
  };

  const int = (id: string, min: number) => {
    const v = Number(input(id).value);
    if (!Number.isInteger(v) || v < min) throw new Error(`${id.replace('bench-', '')}: ${input(id).value} is not a whole number >= ${min}`);
    return v;
  };

  /** The model shape chosen in the tab (the training benchmark's and the tuner's). */
  function shape(): { width: number; height: number; batch: number; widthMult: number } {
    const [width, height] = el<HTMLSelectElement>('bench-size').value.split('x').map(Number);
    return { width, height, batch: int('bench-batch', 1), widthMult: Number(el<HTMLSelectElement>('bench-width').value) };
  }

  function options(): TrainBenchOptions {
    return { ...shape(), steps: int('bench-steps', 1), warmup: int('bench-warmup', 0), tfjs: input('bench-tfjs').checked, jaxjs: input('bench-jaxjs').checked, tune: input('bench-tune').checked, profile: input('bench-profile').checked };
  }

  /** Whether the chosen size fits this adapter; the reason (limit, value needed, value found) when not. */
  function limitsMessage(): string | null {
    if (!g) return deps.gpuError() ? `WebGPU is not available: ${deps.gpuError()}` : 'WebGPU is starting…';
    try {
      const o = shape();
      const missing = missingLimits(g.adapter.limits, makeConfig({ width: o.width, height: o.height, widthMult: o.widthMult }), o.batch);
      return missing.length ? `Not on this adapter: the U-Net at ${o.width}x${o.height} batch ${o.batch} width x${o.widthMult} ${describeMissing(missing, '').trim()}.` : null;
    } catch (e) {
      return errorText(e);
    }
  }

  function refresh(): void {
    const profile = input('bench-profile');
    if (g && !g.device.features.has('timestamp-query')) {
      // per-kernel times need GPU timestamps; say which feature is missing instead of failing after the run
      profile.checked = false;
      profile.disabled = true;
      profile.parentElement!.title = `needs the WebGPU feature 'timestamp-query', which this adapter does not offer (features: ${g.adapter.features.join(', ') || 'none'})`;
    }
    const why = limitsMessage();
    const fits = el('bench-limits');
    fits.textContent = why ?? 'This size fits the adapter’s limits.';
    fits.classList.toggle('error', why !== null);
    for (const id of ['bench-run', 'bench-kernels-run', 'bench-paper', 'bench-tune-run', 'bench-predict-run']) el<HTMLButtonElement>(id).disabled = running !== null;
    el<HTMLButtonElement>('bench-predict-download').disabled = !predict || running !== null;
    el<HTMLButtonElement>('bench-tune-forget').disabled = !tunedHere || running !== null;
    el<HTMLButtonElement>('bench-download').disabled = !train || running !== null;
    el<HTMLButtonElement>('bench-kernels-download').disabled = !kernels || running !== null;
    el<HTMLButtonElement>('bench-copy').disabled = (!train && !kernels) || running !== null;
  }

  function showAdapter(gpu: Gpu): void {
    const a = gpu.adapter;
    const rows: [string, string][] = [
      ['vendor', a.vendor],
      ['architecture', a.architecture],
      ['device', a.device],
      ['description', a.description],
      ['backend', a.backend],
      ['features', a.features.join(', ') || '(none)'],
      ...ENGINE_LIMITS.map((n) => [n, String(a.limits[n])] as [string, string]),
    ];
    const tbody = el('bench-adapter').querySelector('tbody')!;
    tbody.innerHTML = '';
    for (const [k, v] of rows) {
      const tr = tbody.insertRow();
      tr.insertCell().textContent = k;
      const td = tr.insertCell();
      td.textContent = v || '(not reported)';
      td.style.textAlign = 'left';
    }
  }

  /** A markdown table as an HTML table (the same text the copy button gives). */
  function renderMarkdownTable(table: HTMLTableElement, md: string): void {
    table.innerHTML = '';
    const lines = md.split('\n').filter((l) => l.startsWith('|') && !/^\|-/.test(l));
    lines.forEach((line, i) => {
      const tr = (i === 0 ? table.createTHead() : table.tBodies[0] ?? table.createTBody()).insertRow();
      for (const cell of line.slice(1, -1).split(' | ')) {
        const c = document.createElement(i === 0 ? 'th' : 'td');
        c.textContent = cell.trim();
        tr.append(c);
      }
    });
  }

  const views = new Map<string, vega.View>();
  async function chart(id: string, spec: TopLevelSpec): Promise<void> {
    views.get(id)?.finalize();
    views.set(id, await renderChart(el(id), spec, true));
  }

  function markdown(): string {
    const parts: string[] = [];
    if (train) parts.push(trainMarkdown([{ source: 'web page', result: train }]));
    if (kernels) parts.push(kernelMarkdown([{ source: 'web page', result: kernels }]));
    return parts.join('\n\n');
  }

  /** Runs one benchmark job if the GPU is free; errors end up in the status line, never in a stuck button. */
  async function job<T>(what: string, fn: () => Promise<T>): Promise<T | null> {
    if (running) return null;
    const other = deps.busy();
    if (other) {
      status(`the GPU is busy (${other}); try again when it has finished`, true);
      return null;
    }
    running = what;
    refresh();
    status(`${what}…`);
    try {
      await deps.ready;
      if (!g) throw new Error(`WebGPU is not available: ${deps.gpuError() ?? 'no adapter'}`);
      return await deps.withBusy(what, fn);
    } catch (e) {
      status(errorText(e), true);
      log(`error: ${errorText(e)}`);
      return null;
    } finally {
      running = null;
      refresh();
    }
  }

  const loadTf = async () => (await import('./bench-tfjs.ts')).loadTfjsInPage();
  const loadJax = async () => (await import('./bench-jaxjs.ts')).loadJaxInPage();

  /** `spineseg bench predict --ort` in the page: the model in use on one synthetic 512x640 slice (seeded). */
  async function runPredict(): Promise<PredictPeersResult | null> {
    return job('prediction benchmark', async () => {
      const m = deps.model?.();
      if (!m) throw new Error('no model loaded yet: the shipped model loads on start, or drop a checkpoint in the Segment tab');
      const rounds = int('bench-predict-rounds', 1);
      const providers = (['webgpu', 'wasm'] as const).filter((p) => input(`bench-ort-${p}`).checked);
      const rng = new Rng(3);
      const slice = { image: Float32Array.from({ length: 512 * 640 }, () => rng.next()), width: 512, height: 640 };
      const ort = providers.length ? await (await import('./bench-ort.ts')).loadOrtInPage() : undefined;
      const r = await runPredictPeers({ net: m.net, weights: ort ? await readParams(m.net) : undefined, slices: [slice], rounds, ort, providers, tolerance: 1e-4 }, log);
      const adapter = g ? adapterName(g.adapter) : 'unknown adapter';
      predict = { ...r, adapter, date: new Date().toISOString(), machine: { cpu: 'CPU not named by the browser', cores: navigator.hardwareConcurrency, adapter } };
      renderMarkdownTable(
        el<HTMLTableElement>('bench-predict-table'),
        ['| side | wall ms median (min) | vs ours |', '|---|---|---|', ...r.rows.map((x) => `| ${x.side} | ${x.wall_median.toFixed(0)} (${x.wall_min.toFixed(0)}) | ${(x.wall_median / r.rows[0]!.wall_median).toFixed(2)}x |`)].join('\n'),
      );
      status(`prediction of a 512x640 slice with ${m.name}: ${r.rows.map((x) => `${x.side} ${x.wall_median.toFixed(0)} ms`).join(', ')}`);
      return r;
    });
  }

  async function runTrain(): Promise<TrainBenchResult | null> {
    return job('training benchmark', async () => {
      const o = options();
      const t0 = performance.now();
      const r = await runTrainBench(o, { loadTf, loadJax }, log);
      train = r;
      const md = trainMarkdown([{ source: 'web page', result: r }]);
      renderMarkdownTable(el<HTMLTableElement>('bench-table'), md);
      el('bench-markdown').textContent = markdown();
      await chart('bench-chart', trainChartSpec([{ source: 'web page', result: r }]));
      status(`${r.ratio ? `tfjs / ours = ${r.ratio.toFixed(2)}x; ` : ''}${r.jaxjsRatio ? `jax-js / ours = ${r.jaxjsRatio.toFixed(2)}x; ` : ''}${((performance.now() - t0) / 1000).toFixed(1)} s in all`);
      return r;
    });
  }

  async function runKernels(): Promise<KernelBenchResult | null> {
    return job('kernel benchmark', async () => {
      const iterations = Number(input('bench-iterations').value);
      if (!Number.isInteger(iterations) || iterations < 1) throw new Error(`iterations: ${input('bench-iterations').value} is not a whole number >= 1`);
      const only = el<HTMLSelectElement>('bench-layers').value || undefined;
      const tf = await loadTf();
      const r = await runKernelBench(tf, { iterations, only }, log);
      kernels = r;
      renderMarkdownTable(el<HTMLTableElement>('bench-kernel-table'), kernelMarkdown([{ source: 'web page', result: r }]));
      el('bench-markdown').textContent = markdown();
      await chart('bench-kernel-chart', kernelChartSpec([{ source: 'web page', result: r }]));
      status(`kernel table: ${r.rows.length} rows`);
      return r;
    });
  }

  /** The tuner's choices as a table: shape, pass, the kept candidate and its time, every candidate's time. */
  function renderTuneTable(rows: TuneRow[]): void {
    const table = el<HTMLTableElement>('bench-tune-table');
    table.innerHTML = '';
    if (!rows.length) return;
    const head = table.createTHead().insertRow();
    for (const h of ['shape (N×H×W×C→O)', 'pass', 'chosen', 'ms', 'every candidate (median ms)']) {
      const th = document.createElement('th');
      th.textContent = h;
      head.append(th);
    }
    const body = table.createTBody();
    for (const r of rows) {
      const tr = body.insertRow();
      const cells = [r.shape, r.pass, r.chosen, r.chosenMs.toFixed(2), Object.entries(r.ms).map(([n, ms]) => `${n} ${ms.toFixed(2)}`).join(', ')];
      for (const c of cells) tr.insertCell().textContent = c;
    }
  }

  const tuneNote = (text: string, error = false) => {
    const n = el('bench-tune-where');
    n.textContent = text;
    n.classList.toggle('error', error);
  };

  async function runTuneJob(): Promise<TuneResult | null> {
    return job('tuning this GPU', async () => {
      try {
        return await tuneNow();
      } catch (e) {
        // beside the button as well as in the tab's status line
        tuneNote(`tuning failed: ${errorText(e)}`, true);
        throw e;
      }
    });
  }

  async function tuneNow(): Promise<TuneResult> {
    const o = shape();
    const reps = int('bench-tune-reps', 1);
    const why = limitsMessage();
    if (why) throw new Error(why);
    tuneLines.length = 0;
    el('bench-tune-log').textContent = '';
    renderTuneTable([]);
    const t0 = performance.now();
    const r = await runTune({ ...o, reps }, browserTuneStore, (line) => {
      tuneLines.push(line);
      el('bench-tune-log').textContent = tuneLines.join('\n');
      log(line);
    });
    tune = r;
    tunedHere = true;
    renderTuneTable(tuneRows(r.cache, r.tuned));
    const winograd = r.tuned.filter((k) => r.cache.choices[k].algorithm === 'winograd').length;
    tuneNote(`Stored in ${r.where} (adapter ${r.cache.adapter}, ${Object.keys(r.cache.choices).length} shape/pass choices in all); in use in this page now.`);
    deps.tuned?.(r.cache);
    status(`tuned ${r.tuned.length} shape/pass choices (${winograd} Winograd) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    return r;
  }

  async function forgetTuneJob(): Promise<string | null> {
    return job('forgetting the tuning', async () => {
      const where = await forgetTune(browserTuneStore);
      tune = null;
      tunedHere = false;
      renderTuneTable([]);
      tuneNote(`No tuning stored for this adapter (deleted ${where}): the built-in defaults apply.`);
      deps.tuned?.(null);
      status(`deleted ${where}`);
      return where;
    });
  }

  /** What IndexedDB holds for this adapter when the page starts. */
  async function showStoredTune(): Promise<void> {
    try {
      const s = await storedTune(browserTuneStore);
      tunedHere = s.cache !== null;
      if (s.cache) {
        renderTuneTable(tuneRows(s.cache));
        tuneNote(`Tuning of ${s.cache.date} for ${s.cache.adapter} in ${s.where} (${Object.keys(s.cache.choices).length} shape/pass choices), in use in this page.`);
      } else tuneNote(`No tuning stored for this adapter yet (it would go to ${s.where}).`);
    } catch (e) {
      tuneNote(`stored tuning: ${errorText(e)}`, true);
    }
  }

  el('bench-run').addEventListener('click', () => void runTrain());
  el('bench-predict-run').addEventListener('click', () => void runPredict());
  el('bench-predict-download').addEventListener('click', () => {
    if (predict) download('spineseg-bench-predict.json', JSON.stringify(predict, null, 2) + '\n', 'application/json');
  });
  el('bench-tune-run').addEventListener('click', () => void runTuneJob());
  el('bench-tune-forget').addEventListener('click', () => void forgetTuneJob());
  el('bench-kernels-run').addEventListener('click', () => void runKernels());
  el('bench-paper').addEventListener('click', () => {
    el<HTMLSelectElement>('bench-size').value = '512x640';
    input('bench-batch').value = '8';
    el<HTMLSelectElement>('bench-width').value = '1';
    refresh();
  });
  for (const id of ['bench-size', 'bench-batch', 'bench-width']) el(id).addEventListener('input', refresh);
  el('bench-download').addEventListener('click', () => {
    if (train) download(`spineseg-bench-train-${train.settings.size}-b${train.settings.batch}.json`, JSON.stringify(train, null, 2), 'application/json');
  });
  el('bench-kernels-download').addEventListener('click', () => {
    if (kernels) download('spineseg-bench-kernels.json', JSON.stringify(kernels, null, 2) + '\n', 'application/json');
  });
  el('bench-copy').addEventListener('click', () => {
    const md = markdown();
    el('bench-markdown').textContent = md;
    navigator.clipboard?.writeText(md).then(
      () => status('markdown copied to the clipboard'),
      () => status('the clipboard is not available here: the markdown is below, select and copy it', true),
    ) ?? status('the clipboard is not available here: the markdown is below, select and copy it', true);
  });

  refresh();
  void deps.ready.then(async () => {
    if (!deps.gpuError()) {
      g = await initGpu();
      showAdapter(g);
      await showStoredTune();
    } else tuneNote(`WebGPU is not available: ${deps.gpuError()}`, true);
    refresh();
  });

  return {
    runTrain,
    runKernels,
    runPredict,
    predict: () => predict,
    runTune: runTuneJob,
    forgetTune: forgetTuneJob,
    /** the last tuning run in this page (null before one, or after forgetting) */
    tune: () => tune,
    train: () => train,
    kernels: () => kernels,
    markdown,
    log: () => logLines.slice(),
    limitsMessage,
    /** the engine's submission counters, for diagnosing where a page's step time goes */
    gpuStats: () => (g ? { dispatches: g.dispatchCount, submits: g.submitCount, idleSleeps: g.idleStats.sleeps, idleSleptMs: g.idleStats.sleptMs } : null),
    /** the page's idle-wait setting (src/runtime/settings.ts), for the browser tests' comparisons */
    setIdleWaits: (on: boolean) => provideSettings({ idleWaits: on }, 'page'),
  };
}

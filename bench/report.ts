// Tables and charts of benchmark results, for `spineseg bench compare` (Node, PNG via resvg) and the web app's
// Benchmark tab (copy as markdown, vega-lite chart in the page). No node: imports.
import type { TopLevelSpec } from 'vega-lite';
import type { TrainBenchResult } from './train-core.ts';
import type { KernelBenchResult } from './kernels-core.ts';
import { describeCpu, type InterleavedResult } from './schema.ts';

export interface NamedTrainResult {
  /** where it came from (a file name, or "this page") */
  source: string;
  result: TrainBenchResult;
}

export interface NamedKernelResult {
  source: string;
  result: KernelBenchResult;
}

function markdownTable(head: string[], lines: string[][]): string {
  const widths = head.map((h, i) => Math.max(3, h.length, ...lines.map((l) => l[i].length)));
  const fmt = (l: string[]) => '| ' + l.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  return [fmt(head), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...lines.map(fmt)].join('\n');
}

const ms = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));

/** One row per training-step result: adapter, size, batch, ms/step both sides, ratio, GFLOP/s. */
export function trainMarkdown(entries: NamedTrainResult[]): string {
  const jax = entries.some((e) => e.result.jaxjs);
  const head = ['adapter', 'CPU', 'source', 'size', 'batch', 'width', 'ours ms/step', 'tfjs ms/step', 'tfjs/ours', 'ours GFLOP/s', 'tfjs GFLOP/s', ...(jax ? ['jax-js ms/step', 'jax-js/ours'] : [])];
  const lines = entries.map(({ source, result: r }) => [
    r.adapter.name.replace(/\|/g, '/'),
    r.machine ? describeCpu(r.machine) : 'not recorded',
    source,
    r.settings.size,
    String(r.settings.batch),
    `x${r.settings.widthMult}`,
    `${ms(r.ours.ms_per_step)} (${ms(r.ours.ms_min)}-${ms(r.ours.ms_max)})`,
    r.tfjs ? `${ms(r.tfjs.ms_per_step)} (${ms(r.tfjs.ms_min)}-${ms(r.tfjs.ms_max)})` : '-',
    r.ratio ? `${r.ratio.toFixed(2)}x` : '-',
    r.ours.gflops.toFixed(2),
    r.tfjs ? r.tfjs.gflops.toFixed(2) : '-',
    ...(jax ? [r.jaxjs ? `${ms(r.jaxjs.ms_per_step)} (${ms(r.jaxjs.ms_min)}-${ms(r.jaxjs.ms_max)})` : '-', r.jaxjsRatio ? `${r.jaxjsRatio.toFixed(2)}x` : '-'] : []),
  ]);
  return markdownTable(head, lines);
}

export interface NamedInterleavedResult {
  source: string;
  result: InterleavedResult;
}

/** One row per side of each interleaved run, with the run's adapter, CPU and settings. */
export function interleavedMarkdown(entries: NamedInterleavedResult[]): string {
  const head = ['source', 'what', 'adapter', 'CPU', 'settings', 'side', 'wall ms median (min)', 'CPU ms median', 'vs first side'];
  const lines = entries.flatMap(({ source, result: r }) =>
    r.rows.map((row) => [source, r.what, r.adapter.replace(/\|/g, '/'), r.cpu ?? 'not recorded', r.settings, row.side, `${ms(row.wall_median)} (${ms(row.wall_min)})`, row.cpu_median === null ? '-' : ms(row.cpu_median), `${(row.wall_median / r.rows[0]!.wall_median).toFixed(2)}x`]),
  );
  return markdownTable(head, lines);
}

export function kernelMarkdown(entries: NamedKernelResult[]): string {
  const head = ['adapter', 'kernel', 'shape (N x H x W x Cin -> Cout)', 'ours ms', 'tfjs ms', 'ours GFLOP/s', 'tfjs GFLOP/s', 'tfjs/ours'];
  const lines = entries.flatMap(({ result: k }) =>
    k.rows.map((r) => [k.adapter.replace(/\|/g, '/'), r.kernel, r.shape, r.ours_ms.toFixed(1), r.tfjs_ms.toFixed(1), r.gflops.toFixed(2), r.tfjs_gflops.toFixed(2), r.ratio.toFixed(2) + 'x']),
  );
  return markdownTable(head, lines);
}

/** A short label for a run in charts: the source (file name or "web page"), then size, batch, width and adapter. */
export function runLabel(e: NamedTrainResult): string {
  const a = e.result.adapter;
  const what = (a.description || a.device || a.architecture || a.vendor).split(/[:(]/)[0].trim().slice(0, 24);
  const { size, batch, widthMult } = e.result.settings;
  const source = e.source.replace(/\.json$/i, '');
  return source.includes(size) ? `${source} (${what})` : `${source}: ${what} ${size} b${batch} x${widthMult}`;
}

/** Grouped bars: ms per training step, ours and tfjs, one group per run. */
export function trainChartSpec(entries: NamedTrainResult[]): TopLevelSpec {
  const values = entries.flatMap((e) => {
    const run = runLabel(e);
    const r = e.result;
    return [
      { run, engine: 'spineseg', ms: r.ours.ms_per_step, ratio: r.ratio ?? 0 },
      ...(r.tfjs ? [{ run, engine: 'tfjs-backend-webgpu', ms: r.tfjs.ms_per_step, ratio: r.ratio ?? 0 }] : []),
    ];
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: 'Training step, median ms (lower is faster)',
    width: 420,
    data: { values },
    mark: 'bar',
    encoding: {
      y: { field: 'run', type: 'nominal', title: null, axis: { labelLimit: 640 } },
      yOffset: { field: 'engine', type: 'nominal' },
      x: { field: 'ms', type: 'quantitative', title: 'ms per training step' },
      color: { field: 'engine', type: 'nominal', title: null, scale: { domain: ['spineseg', 'tfjs-backend-webgpu'], range: ['#2a7ab0', '#e08a2c'] } },
      tooltip: [{ field: 'run' }, { field: 'engine' }, { field: 'ms', format: '.1f' }, { field: 'ratio', format: '.2f' }],
    },
  };
}

/** Bars: tfjs / ours per kernel (above 1: spineseg faster). */
export function kernelChartSpec(entries: NamedKernelResult[]): TopLevelSpec {
  const values = entries.flatMap(({ result: k }) => k.rows.map((r) => ({ kernel: `${r.kernel} ${r.shape}`, adapter: k.adapter.split(/[:(]/)[0].trim(), ratio: r.ratio })));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: 'Conv kernels: tfjs ms / spineseg ms (above 1: spineseg faster)',
    width: 420,
    data: { values },
    mark: 'bar',
    encoding: {
      y: { field: 'kernel', type: 'nominal', title: null, sort: null, axis: { labelLimit: 420 } },
      yOffset: { field: 'adapter', type: 'nominal' },
      x: { field: 'ratio', type: 'quantitative', title: 'tfjs / ours' },
      color: { field: 'adapter', type: 'nominal', title: null },
    },
  };
}

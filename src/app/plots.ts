// Learning curves like the paper's figures (loss, mean IoU, Dice per class against epochs), drawn with
// vega-lite to SVG and rasterised to PNG with resvg (Node).
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { EpochRecord } from '../model/train.ts';
import { CLASS_COLOURS } from './overlay.ts';
import { CLASS_DISPLAY_NAMES } from '../pipeline/labels.ts';

export async function vegaLiteToSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  return view.toSVG();
}

export async function svgToPng(svg: string): Promise<Uint8Array> {
  const { Resvg } = await import('@resvg/resvg-js');
  return new Resvg(svg, { background: 'white', fitTo: { mode: 'zoom', value: 2 }, font: { loadSystemFonts: true } }).render().asPng();
}

const CLASS_LABELS: string[] = [...CLASS_DISPLAY_NAMES];

// the overlays' class colours (the paper's: vertebrae red, canal green, discs blue), background grey
const hex = ([r, g, b]: number[]) => `#${[r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
const CLASS_SCALE = { domain: CLASS_LABELS, range: ['#888888', ...CLASS_COLOURS.slice(1).map(hex)] };

function lineSpec(title: string, yTitle: string, values: { epoch: number; value: number; series: string }[], classColours = false): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 420,
    height: 240,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1 } },
      y: { field: 'value', type: 'quantitative', title: yTitle, scale: { zero: false } },
      color: { field: 'series', type: 'nominal', title: null, ...(classColours ? { scale: CLASS_SCALE, sort: CLASS_LABELS } : {}) },
    },
  };
}

/**
 * The learning-curve figures as vega-lite specs (also rendered by the web app): loss, mean IoU, Dice, and
 * the learning rate when the history records it (runs since the schedules).
 */
export function learningCurveSpecs(history: EpochRecord[]): Record<'loss' | 'miou' | 'dice', TopLevelSpec> & { lr?: TopLevelSpec } {
  const loss = history.flatMap((h) => [
    { epoch: h.epoch, value: h.trainLoss, series: 'training' },
    { epoch: h.epoch, value: h.valLoss, series: 'validation' },
  ]);
  const miou = history.map((h) => ({ epoch: h.epoch, value: h.valMeanIoU, series: 'validation mean IoU' }));
  const dice = history.flatMap((h) => h.valDice.map((d, c) => ({ epoch: h.epoch, value: d, series: CLASS_LABELS[c] ?? `class ${c}` })).filter((r) => Number.isFinite(r.value)));
  const lr = history.filter((h) => h.lr !== undefined).map((h) => ({ epoch: h.epoch, value: h.lr!, series: 'learning rate' }));
  const schedule = history.at(-1)?.lrSchedule ?? 'constant';
  return {
    loss: lineSpec('Loss (0.6 focal + 0.4 Dice)', 'loss', loss),
    miou: lineSpec('Validation mean IoU', 'mean IoU', miou),
    dice: lineSpec('Validation Dice per class', 'Dice', dice, true),
    ...(lr.length > 0 ? { lr: lineSpec(`Learning rate, ${schedule} schedule (last step of each epoch)`, 'learning rate', lr) } : {}),
  };
}

export async function learningCurvePngs(history: EpochRecord[]): Promise<Record<string, Uint8Array>> {
  const specs = learningCurveSpecs(history);
  const out: Record<string, Uint8Array> = {};
  for (const [name, spec] of Object.entries(specs)) out[`curve-${name}.png`] = await svgToPng(await vegaLiteToSvg(spec));
  return out;
}

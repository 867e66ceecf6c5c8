// `spineseg summary`: the U-Net's layers, output shapes and parameter counts, Keras-style.
import type { Command } from 'commander';
import { layerList, makeConfig, parameterCounts, forwardMacs, type UNetConfig } from '../model/unet.ts';
import { parseSize } from './options.ts';

export function formatSummary(c: UNetConfig): string {
  const rows = layerList(c).map((l) => [l.name, l.kind, `(N, ${l.outShape.join(', ')})`, String(l.params.reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0))]);
  const head = ['layer', 'type', 'output shape', 'params'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((x, i) => (i === 3 ? x.padStart(w[i]) : x.padEnd(w[i]))).join('  ');
  const n = parameterCounts(c);
  return [
    `U-Net ${c.width}x${c.height}x${c.inChannels} -> ${c.classes} classes, width multiplier ${c.widthMult}`,
    line(head),
    w.map((x) => '-'.repeat(x)).join('  '),
    ...rows.map(line),
    '',
    `Total params: ${n.total.toLocaleString('en-US')}`,
    `Trainable params: ${n.trainable.toLocaleString('en-US')}`,
    `Non-trainable params: ${n.nonTrainable.toLocaleString('en-US')} (BatchNorm moving statistics)`,
    `Forward: ${(forwardMacs(c) / 1e9).toFixed(2)} GMAC per image`,
  ].join('\n');
}

export function register(program: Command): void {
  program
    .command('summary')
    .description('print the U-Net layers, output shapes and parameter counts')
    .option('--size <WxH>', 'input width x height (multiples of 16)', '512x640')
    .option('--width-mult <m>', 'channel width multiplier', '1')
    .action((opts: { size: string; widthMult: string }) => {
      const [width, height] = parseSize(opts.size, '--size');
      console.log(formatSummary(makeConfig({ width, height, widthMult: Number(opts.widthMult) })));
    });
}

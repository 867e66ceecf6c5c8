// The Benchmark tab's training benchmark in headless Chromium (WebGPU on SwiftShader where there is no GPU), from the
// command line, so the page's figure can be measured next to `spineseg bench train` in Node on the same machine:
//   npx tsx scripts/bench-page.ts --size 64x80 --batch 2 --width-mult 0.25 --steps 5 --warmup 1 --json FILE [--dist DIR]
// It serves a static build (DIR, or a fresh `vite build`) on 127.0.0.1, clicks Run, and saves the downloaded JSON.
import { mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildApp, launchChromium, serveStatic } from './browser-harness.ts';
import { checkTrainResult } from '../bench/schema.ts';
import { parseBenchArgs } from '../bench/args.ts';

// the bench scripts' one strict parser: an unknown flag or a non-number is refused naming it
const o = parseBenchArgs('scripts/bench-page.ts', {
  '--size': { kind: 'size', doc: 'model input WIDTHxHEIGHT (one of the Benchmark tab\'s sizes)', default: '64x80' },
  '--batch': { kind: 'number', doc: 'batch size', default: 2, min: 1, integer: true },
  '--width-mult': { kind: 'string', doc: 'channel width multiplier (one of the tab\'s: 0.125, 0.25, 0.5, 1)', default: '0.25' },
  '--steps': { kind: 'number', doc: 'timed steps', default: 5, min: 1, integer: true },
  '--warmup': { kind: 'number', doc: 'warm-up steps', default: 1, min: 0, integer: true },
  '--json': { kind: 'string', doc: 'where to save the downloaded result JSON' },
  '--dist': { kind: 'string', doc: 'a built app to serve (default: a fresh vite build)' },
}, process.argv.slice(2));
if (!o.json) throw new Error('scripts/bench-page.ts: --json FILE is required');
const size = `${o.size.width}x${o.size.height}`;
const json = resolve(o.json);
const work = mkdtempSync(join(tmpdir(), 'spineseg-bench-page-'));
try {
  const dist = o.dist ? resolve(o.dist) : join(work, 'web');
  if (!o.dist) await buildApp(dist);
  const server = await serveStatic(dist);
  const context = await launchChromium(join(work, 'profile'));
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${server.origin}/`);
    await page.evaluate(() => window.spineseg.ready);
    await page.click('#tab-bench');
    if (!(await page.$(`#bench-size option[value="${size}"]`))) {
      await page.$eval('#bench-size', (s, v) => s.append(new Option(v, v)), size);
    }
    await page.selectOption('#bench-size', size);
    await page.fill('#bench-batch', String(o.batch));
    await page.selectOption('#bench-width', o.widthMult);
    await page.fill('#bench-steps', String(o.steps));
    await page.fill('#bench-warmup', String(o.warmup));
    await page.click('#bench-run');
    await page.waitForFunction(() => !(document.getElementById('bench-run') as HTMLButtonElement).disabled, null, { timeout: 0, polling: 500 });
    console.log((await page.evaluate(() => window.spineseg.bench.log())).join('\n'));
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#bench-download')]);
    const tmp = join(work, 'result.json');
    await dl.saveAs(tmp);
    checkTrainResult(JSON.parse(readFileSync(tmp, 'utf8')), tmp);
    writeFileSync(json, readFileSync(tmp));
    console.log(`wrote ${json}`);
  } finally {
    await context.close();
    await server.close();
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

// The Benchmark tab's training benchmark in headless Chromium (WebGPU on SwiftShader where there is no GPU), from the
// command line, so the page's figure can be measured next to `spineseg bench train` in Node on the same machine:
//   npx tsx scripts/bench-page.ts --size 64x80 --batch 2 --width-mult 0.25 --steps 5 --warmup 1 --json FILE [--dist DIR]
// It serves a static build (DIR, or a fresh `vite build`) on 127.0.0.1, clicks Run, and saves the downloaded JSON.
import { mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildApp, launchChromium, serveStatic } from './browser-harness.ts';
import { checkTrainResult } from '../bench/schema.ts';

const arg = (name: string, fallback?: string) => {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? process.argv[i + 1] : fallback;
  if (v === undefined) throw new Error(`${name} is required`);
  return v;
};
const size = arg('--size', '64x80');
const json = resolve(arg('--json'));
const work = mkdtempSync(join(tmpdir(), 'spineseg-bench-page-'));
try {
  const dist = process.argv.includes('--dist') ? resolve(arg('--dist')) : join(work, 'web');
  if (!process.argv.includes('--dist')) await buildApp(dist);
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
    await page.fill('#bench-batch', arg('--batch', '2'));
    await page.selectOption('#bench-width', arg('--width-mult', '0.25'));
    await page.fill('#bench-steps', arg('--steps', '5'));
    await page.fill('#bench-warmup', arg('--warmup', '1'));
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

// The README's screenshot: the web app in headless Chromium segmenting an image with a checkpoint.
//   npx tsx scripts/web-screenshot.ts <checkpoint dir> [image .mha/.png] [out.png]
// Without an image it writes a phantom volume; out defaults to docs/screenshot.png.
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { initGpu } from '../src/runtime/gpu.ts';
import { generatePhantom } from '../src/pipeline/phantom.ts';
import { writeImage } from '../src/pipeline/io.ts';
import { buildApp, launchChromium, repoRoot, serveStatic } from './browser-harness.ts';

const [checkpointArg, imageArg, outArg] = process.argv.slice(2);
if (!checkpointArg) {
  console.error('usage: npx tsx scripts/web-screenshot.ts <checkpoint dir> [image .mha/.png] [out.png]');
  process.exit(2);
}
const checkpoint = resolve(checkpointArg);
const out = resolve(outArg ?? join(repoRoot, 'docs', 'screenshot.png'));
const work = mkdtempSync(join(tmpdir(), 'spineseg-shot-'));
try {
  let image = imageArg ? resolve(imageArg) : '';
  if (!image) {
    await initGpu();
    image = join(work, 'phantom_t2.mha');
    await writeImage(generatePhantom({ seed: 21, sequence: 't2', variant: 'permuted' }).image, image, { compress: true });
  }
  await buildApp(join(work, 'web'));
  const server = await serveStatic(join(work, 'web'));
  const context = await launchChromium(join(work, 'profile'));
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${server.origin}/`);
    await page.evaluate(() => window.spineseg.ready);
    await page.setInputFiles('#image-input', image);
    await page.setInputFiles('#checkpoint-input', [join(checkpoint, 'config.json'), join(checkpoint, 'model.safetensors')]);
    await page.waitForFunction(() => !(document.getElementById('predict') as HTMLButtonElement).disabled, null, { timeout: 60_000 });
    await page.click('#predict');
    await page.waitForFunction(() => window.spineseg.state.seg !== null || window.spineseg.state.lastError !== null, null, { timeout: 300_000 });
    const s = await page.evaluate(() => window.spineseg.summary());
    if (s.lastError) throw new Error(`the page reported: ${s.lastError}`);
    mkdirSync(dirname(out), { recursive: true });
    await page.screenshot({ path: out, fullPage: true });
    console.log(`${out}: ${s.input} segmented with ${s.model}, class counts ${s.counts?.join('/')}, on ${s.adapter}`);
  } finally {
    await context.close();
    await server.close();
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

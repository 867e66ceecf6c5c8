// The static build (what `npm run app:build` writes) served by a plain file server on 127.0.0.1, in headless Chromium
// (Debian's, WebGPU on SwiftShader): the Benchmark tab runs `bench train` at a tiny size and one layer of the kernel
// table, its downloaded JSONs pass the CLI's schema checks (bench/schema.ts), tfjs is fetched only once a benchmark
// starts, a size over the adapter's limits is named with the limit, "Tune this GPU" stores its choices in IndexedDB and
// the page uses them (also after a reload) until "Forget tuning", jax-js trains and onnxruntime-web predicts beside our
// kernels (each checked against ours first), and no request leaves the page's origin.
// SPINESEG_SKIP_BROWSER=1 skips it with a printed reason; without that, a missing Chromium is a failure.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { checkTrainResult, checkKernelResult, checkInterleavedResult } from '../bench/schema.ts';
import { missingLimits } from '../bench/train-core.ts';
import { makeConfig } from '../src/model/unet.ts';
import { unetConv3x3Shapes } from '../src/app/tune.ts';
import { openApp, repoRoot, type OpenApp, type StaticServer } from '../scripts/browser-harness.ts';

const SKIP = process.env.SPINESEG_SKIP_BROWSER === '1';
if (SKIP) console.log('[browser-bench] skipped: SPINESEG_SKIP_BROWSER=1 (the Benchmark tab and the static build were NOT tested)');

describe.skipIf(SKIP)('Benchmark tab of the static build in headless Chromium', () => {
  let app: OpenApp;
  let work: string;
  let outDir: string;
  let server: StaticServer;
  let context: BrowserContext;
  let page: Page;
  const requests: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    const t0 = performance.now();
    app = await openApp('bench-page', {
      watch: (c, p) => {
        c.on('request', (r) => requests.push(r.url()));
        p.on('pageerror', (e) => pageErrors.push(e.message));
      },
    });
    console.log(`[browser-bench] vite build and page start: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    ({ work, server, context, page } = app);
    outDir = join(work, 'web');
  }, 180_000);

  afterAll(async () => app?.close());

  // tfjs-backend-webgpu's chunk (jax-js has a WebGPUBackend class too: the tfjs flag names tell them apart)
  const tfjsChunk = () => readdirSync(join(outDir, 'assets')).find((f) => readFileSync(join(outDir, 'assets', f), 'utf8').includes('WEBGPU_CPU_FORWARD'));

  it('shows the adapter and names the limit when a size does not fit', async () => {
    await page.click('#tab-bench');
    const adapterRows = await page.$$eval('#bench-adapter tr', (trs) => trs.map((tr) => tr.textContent ?? ''));
    expect(adapterRows.some((r) => r.startsWith('maxStorageBufferBindingSize'))).toBe(true);
    const limits = (await page.evaluate(() => window.spineseg.summary().limits)) as Record<string, number>;
    // the paper's setting: whether it fits is the adapter's business; the page must say which way, and why
    await page.click('#bench-paper');
    const message = await page.textContent('#bench-limits');
    const missing = missingLimits(limits, makeConfig({ width: 512, height: 640, widthMult: 1 }), 8);
    console.log(`[browser-bench] paper setting on this adapter: ${message}`);
    if (missing.length) for (const m of missing) expect(message).toContain(`${m.limit} >= ${m.needed} (this adapter: ${m.found})`);
    else expect(message).toContain('fits');
    // a batch no adapter can hold: named, and the button comes back with the reason in the status line
    await page.fill('#bench-batch', '100000');
    await page.dispatchEvent('#bench-batch', 'input');
    expect(await page.textContent('#bench-limits')).toMatch(/maxStorageBufferBindingSize >= \d+ \(this adapter: \d+\)/);
    await page.click('#bench-run');
    await page.waitForFunction(() => !(document.getElementById('bench-run') as HTMLButtonElement).disabled, null, { timeout: 30_000 });
    expect(await page.textContent('#bench-status')).toMatch(/maxStorageBufferBindingSize >= \d+ \(this adapter: \d+\)/);
  });

  it('runs bench train at a tiny size; the downloaded JSON has the CLI schema', async () => {
    const chunk = tfjsChunk();
    expect(chunk, 'the build has a tfjs-backend-webgpu chunk').toBeDefined();
    expect(requests.some((u) => u.endsWith(chunk!)), 'tfjs was fetched before any benchmark ran').toBe(false);
    await page.selectOption('#bench-size', '32x32');
    await page.fill('#bench-batch', '1');
    await page.selectOption('#bench-width', '0.125');
    await page.fill('#bench-steps', '2');
    await page.fill('#bench-warmup', '1');
    const t0 = performance.now();
    await page.click('#bench-run');
    await page.waitForFunction(() => !(document.getElementById('bench-run') as HTMLButtonElement).disabled, null, { timeout: 150_000, polling: 250 });
    console.log(`[browser-bench] page: ${await page.textContent('#bench-status')} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    expect(await page.evaluate(() => window.spineseg.bench.train()), `page log: ${(await page.evaluate(() => window.spineseg.bench.log())).join(' / ')}`).not.toBeNull();
    expect(requests.some((u) => u.endsWith(chunk!))).toBe(true);
    // no idle-wait sleeps in a browser (src/kernels/gpu.ts): they cost seconds per step here once a warm-up wait misled them
    expect(await page.evaluate(() => window.spineseg.bench.gpuStats()?.idleSleeps)).toBe(0);
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#bench-download')]);
    const file = join(work, dl.suggestedFilename());
    await dl.saveAs(file);
    const r = checkTrainResult(JSON.parse(readFileSync(file, 'utf8')), file);
    console.log(`[browser-bench] ${r.adapter.name}: ours ${r.ours.ms_per_step.toFixed(1)} ms/step, tfjs ${r.tfjs?.ms_per_step.toFixed(1)} ms/step, ratio ${r.ratio?.toFixed(2)}`);
    expect(r.settings).toMatchObject({ size: '32x32', batch: 1, widthMult: 0.125, steps: 2, warmup: 1 });
    for (const v of [r.ours.ms_per_step, r.tfjs!.ms_per_step, r.ratio!, r.flops_per_step]) expect(Number.isFinite(v) && v > 0).toBe(true);
    expect(r.adapter.name.length).toBeGreaterThan(0);
    await page.click('#bench-copy');
    const md = await page.textContent('#bench-markdown');
    expect(md).toMatch(/\| web page +\| 32x32 +\| 1 +\| x0\.125 .*\| \d+\.\d\dx/);
    expect(await page.$$eval('#bench-chart svg', (s) => s.length)).toBe(1);
    mkdirSync(join(repoRoot, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: join(repoRoot, 'test-artifacts', 'bench-tab.png'), fullPage: true });
  }, 200_000);

  it('runs jax-js as a training peer: checked against ours first, its chunk fetched only then, ratio in the JSON', async () => {
    // the loader chunk (web/src/tabs/bench-jaxjs.ts), which pulls jax-js in
    const jaxChunk = () => readdirSync(join(outDir, 'assets')).find((f) => /^bench-jaxjs-.*\.js$/.test(f));
    expect(jaxChunk(), 'the build has a jax-js chunk').toBeDefined();
    expect(requests.some((u) => u.endsWith(jaxChunk()!)), 'jax-js was fetched before it was asked for').toBe(false);
    await page.selectOption('#bench-size', '32x32');
    await page.fill('#bench-batch', '1');
    await page.selectOption('#bench-width', '0.125');
    await page.fill('#bench-steps', '2');
    await page.fill('#bench-warmup', '1');
    await page.uncheck('#bench-tfjs');
    await page.check('#bench-jaxjs');
    const t0 = performance.now();
    await page.click('#bench-run');
    await page.waitForFunction(() => !(document.getElementById('bench-run') as HTMLButtonElement).disabled, null, { timeout: 280_000, polling: 250 });
    console.log(`[browser-bench] jax-js: ${await page.textContent('#bench-status')} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    const log = (await page.evaluate(() => window.spineseg.bench.log())).join('\n');
    expect(log).toMatch(/jax-js check \(48x32 x0\.125, batch 2, dropout off\): loss ours 0\.\d+, jax-js 0\.\d+, float64 0\.\d+/);
    expect(requests.some((u) => u.endsWith(jaxChunk()!))).toBe(true);
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#bench-download')]);
    const file = join(work, `jaxjs-${dl.suggestedFilename()}`);
    await dl.saveAs(file);
    const r = checkTrainResult(JSON.parse(readFileSync(file, 'utf8')), file);
    expect(r.tfjs).toBeNull();
    expect(r.jaxjs!.ms_per_step).toBeGreaterThan(0);
    expect(r.jaxjsRatio).toBeCloseTo(r.jaxjs!.ms_per_step / r.ours.ms_per_step, 6);
    expect(r.jaxjsCheck).toMatch(/worst gradient error vs float64/);
    await page.check('#bench-tfjs');
    await page.uncheck('#bench-jaxjs');
  }, 300_000);

  it('runs the prediction benchmark against onnxruntime-web (WebGPU and Wasm), each checked against our probabilities', async () => {
    await page.waitForFunction(() => window.spineseg.state.model !== null, null, { timeout: 60_000 });
    await page.fill('#bench-predict-rounds', '1');
    const t0 = performance.now();
    await page.click('#bench-predict-run');
    await page.waitForFunction(() => !(document.getElementById('bench-predict-run') as HTMLButtonElement).disabled, null, { timeout: 280_000, polling: 250 });
    console.log(`[browser-bench] ${await page.textContent('#bench-status')} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#bench-predict-download')]);
    const file = join(work, dl.suggestedFilename());
    await dl.saveAs(file);
    const raw = JSON.parse(readFileSync(file, 'utf8')) as { agreement: Record<string, { maxAbsProbability: number; differingPixels: number }> };
    const r = checkInterleavedResult(raw, file);
    expect(r.rows.map((x) => x.side)).toEqual(['ours', 'ort-webgpu', 'ort-wasm']);
    for (const side of ['ort-webgpu', 'ort-wasm']) expect(raw.agreement[side]!.maxAbsProbability, side).toBeLessThan(1e-4);
    // its Wasm files come from the app itself
    expect(requests.some((u) => /\/ort\/ort-wasm-simd-threaded[.\w]*\.wasm$/.test(u))).toBe(true);
    expect(await page.$$eval('#bench-predict-table tr', (t) => t.length)).toBe(4);
  }, 300_000);

  it('runs one layer of the kernel table; the downloaded JSON has the CLI schema', async () => {
    await page.selectOption('#bench-layers', 'output 1x1 to 4 classes');
    await page.fill('#bench-iterations', '1');
    await page.click('#bench-kernels-run');
    await page.waitForFunction(() => !(document.getElementById('bench-kernels-run') as HTMLButtonElement).disabled, null, { timeout: 120_000, polling: 250 });
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#bench-kernels-download')]);
    const file = join(work, 'kernels.json');
    await dl.saveAs(file);
    const k = checkKernelResult(JSON.parse(readFileSync(file, 'utf8')), file);
    expect(k.rows.map((r) => r.kernel)).toEqual(['conv2d forward', 'conv2d input-grad', 'conv2d filter-grad']);
  }, 150_000);

  // the smallest shape the tab offers: 20 conv shapes x 3 passes, one timed run per candidate
  it('tunes this GPU: progress lines, a table of choices, an IndexedDB record for the adapter, used by the page and after a reload; forgets it', async () => {
    type Stored = { keys: IDBValidKey[]; values: { adapter: string; date: string; choices: Record<string, { algorithm: string }> }[] };
    // read with the plain IndexedDB API, not the app's store
    const readIdb = () =>
      page.evaluate(
        () =>
          new Promise<Stored>((resolve, reject) => {
            const req = indexedDB.open('spineseg');
            req.onerror = () => reject(req.error);
            req.onsuccess = () => {
              const db = req.result;
              if (!db.objectStoreNames.contains('tune')) return resolve({ keys: [], values: [] });
              const tx = db.transaction('tune', 'readonly');
              const keys = tx.objectStore('tune').getAllKeys();
              const values = tx.objectStore('tune').getAll();
              tx.oncomplete = () => {
                db.close();
                resolve({ keys: keys.result, values: values.result });
              };
              tx.onerror = () => reject(tx.error);
            };
          }),
      );
    const tableRows = () => page.$$eval('#bench-tune-table tbody tr', (trs) => trs.map((tr) => Array.from((tr as HTMLTableRowElement).cells).map((c) => c.textContent ?? '')));
    await page.click('#tab-bench');
    // a fresh profile: nothing stored, nothing to forget
    expect((await readIdb()).keys).toEqual([]);
    expect(await page.textContent('#bench-tune-where')).toContain('No tuning stored for this adapter yet');
    expect(await page.isDisabled('#bench-tune-forget')).toBe(true);
    await page.selectOption('#bench-size', '32x32');
    await page.fill('#bench-batch', '1');
    await page.dispatchEvent('#bench-batch', 'input');
    await page.selectOption('#bench-width', '0.125');
    // a bad setting ends as one line in the status, and the button comes back
    await page.fill('#bench-tune-reps', '0');
    await page.click('#bench-tune-run');
    await page.waitForFunction(() => !(document.getElementById('bench-tune-run') as HTMLButtonElement).disabled, null, { timeout: 30_000 });
    expect(await page.textContent('#bench-status')).toBe('tune-reps: 0 is not a whole number >= 1');
    expect(await page.textContent('#bench-tune-where')).toBe('tuning failed: tune-reps: 0 is not a whole number >= 1');
    expect((await readIdb()).keys).toEqual([]);
    await page.fill('#bench-tune-reps', '1');
    const t0 = performance.now();
    await page.click('#bench-tune-run');
    expect(await page.isDisabled('#bench-tune-run'), 'the button is disabled while tuning').toBe(true);
    await page.waitForFunction(() => !(document.getElementById('bench-tune-run') as HTMLButtonElement).disabled, null, { timeout: 120_000, polling: 250 });
    const status = await page.textContent('#bench-status');
    console.log(`[browser-bench] tune: ${status} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    expect(status, `page log: ${(await page.evaluate(() => window.spineseg.bench.log())).slice(-3).join(' / ')}`).toMatch(/^tuned 60 shape\/pass choices \(\d+ Winograd\)/);
    const shapes = unetConv3x3Shapes(32, 32, 1, 0.125);
    const rows = await tableRows();
    expect(rows).toHaveLength(3 * shapes.length);
    // one progress line per shape and pass, after the heading line
    const progress = (await page.textContent('#bench-tune-log'))!.split('\n');
    expect(progress).toHaveLength(1 + rows.length);
    expect(progress[0]).toContain(`tuning ${shapes.length} 3x3 conv shapes x 3 passes (U-Net 32x32, batch 1, width x0.125)`);
    expect(rows[0].slice(0, 2)).toEqual(['1x32x32x1->2', 'forward']);
    for (const [shape, pass, chosen, ms, all] of rows) {
      expect(['forward', 'input-grad', 'filter-grad']).toContain(pass);
      expect(shape).toMatch(/^1x\d+x\d+x\d+->\d+$/);
      expect(all).toContain(`${chosen} ${ms}`);
      expect(Number(ms)).toBeGreaterThanOrEqual(0);
    }
    // IndexedDB holds one record, under the adapter key the page names, with every row's choice
    const stored = await readIdb();
    expect(stored.keys).toHaveLength(1);
    const [record] = stored.values;
    expect(await page.textContent('#bench-tune-where')).toContain(`IndexedDB spineseg/tune/${String(stored.keys[0])}`);
    expect(record.adapter).toBe(await page.evaluate(() => window.spineseg.summary().adapter));
    for (const [shape, pass, chosen] of rows) expect(chosen.startsWith(record.choices[`${pass} ${shape}`].algorithm)).toBe(true);
    // in use in the page right away (later benchmarks and segmentations), and named in the header
    const inUse = await page.evaluate(() => window.spineseg.convChoices());
    for (const [k, c] of Object.entries(record.choices)) expect(inUse[k]?.algorithm).toBe(c.algorithm);
    expect(await page.textContent('#adapter')).toContain(`(conv tuning of ${record.date})`);
    mkdirSync(join(repoRoot, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: join(repoRoot, 'test-artifacts', 'bench-tune.png'), fullPage: true });
    // a reload loads it from IndexedDB
    await page.reload();
    await page.evaluate(() => window.spineseg.ready);
    await page.click('#tab-bench');
    await page.waitForFunction(() => document.getElementById('bench-tune-where')?.textContent?.includes('in use'), null, { timeout: 30_000 });
    expect(await page.textContent('#adapter')).toContain(`(conv tuning of ${record.date})`);
    expect(Object.keys(await page.evaluate(() => window.spineseg.convChoices())).sort()).toEqual(Object.keys(record.choices).sort());
    expect(await tableRows()).toHaveLength(rows.length);
    // forget: the record, the choices in use and the table go
    await page.click('#bench-tune-forget');
    await page.waitForFunction(() => /^deleted /.test(document.getElementById('bench-status')?.textContent ?? ''), null, { timeout: 30_000 });
    expect((await readIdb()).keys).toEqual([]);
    expect(await page.evaluate(() => window.spineseg.convChoices())).toEqual({});
    expect(await tableRows()).toEqual([]);
    expect(await page.textContent('#adapter')).not.toContain('conv tuning');
    expect(await page.isDisabled('#bench-tune-forget')).toBe(true);
  }, 180_000);

  it('made no request outside its own origin and threw nothing', () => {
    const foreign = requests.filter((u) => !u.startsWith(`${server.origin}/`) && !u.startsWith('data:') && !u.startsWith('blob:'));
    expect(foreign).toEqual([]);
    expect(server.log.filter((r) => r.status !== 200)).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});

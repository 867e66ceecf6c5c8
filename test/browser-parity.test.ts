// One product behind two front ends: the page (headless Chromium, WebGPU on SwiftShader) and the CLI's application
// code (Node, lavapipe) given the same input must agree exactly:
//  (a) PNG slices of the committed test subset, segmented with the shipped model and its post-processing: the same
//      label maps, pixel for pixel (the page's segmentation is src/app/segment.ts, as predictFiles');
//  (b) image/mask pairs trained on in the page and by `spineseg train` with the same settings: the same checkpoint
//      config (model, classes, normalization, patient split and the run's settings); the page's learning curves
//      render under its content security policy, which has no 'unsafe-eval'.
// SPINESEG_SKIP_BROWSER=1 skips it with a printed reason (as test/browser.test.ts).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode } from 'fast-png';
import type { Page } from 'playwright-core';
import { predictFiles } from '../src/app/predict-files.ts';
import { loadPredictor, defaultModelDir } from '../src/app/checkpoints.ts';
import { runTraining } from '../src/app/session.ts';
import { decodeGreyPng } from '../src/pipeline/dataset.ts';
import { classesToGreyLevels, mapGreyLevels } from '../src/pipeline/labels.ts';
import { generatePhantom } from '../src/pipeline/phantom.ts';
import { extractSagittalSlices } from '../src/pipeline/extract.ts';
import { openApp, repoRoot, type OpenApp } from '../scripts/browser-harness.ts';

const SKIP = process.env.SPINESEG_SKIP_BROWSER === '1';
if (SKIP) console.log('[browser-parity] skipped: SPINESEG_SKIP_BROWSER=1 (page/CLI parity was NOT tested)');

const SUBSET = join(repoRoot, 'models/default/test-subset/images');
const SLICES = ['110_t2_SPACE_slice58.png', '209_t2_SPACE_slice71.png'];

describe.skipIf(SKIP)('the page and the CLI give identical outputs (headless Chromium)', () => {
  let app: OpenApp;
  let work: string;
  let page: Page;
  let data: string;

  /** Three phantom patients, two sagittal slices each, as SPIDER-named PNG pairs in work/data. */
  function writeData(): void {
    // three phantom patients, two sagittal slices each, as SPIDER-named PNG pairs
    data = join(work, 'data');
    mkdirSync(join(data, 'images'), { recursive: true });
    mkdirSync(join(data, 'masks'), { recursive: true });
    for (const [p, seed] of [['101', 3], ['102', 4], ['103', 5]] as const) {
      const ph = generatePhantom({ seed, sequence: 't2' });
      const { slices } = extractSagittalSlices(ph.image, ph.mask, { imageFile: `${p}.mha`, maskFile: `${p} mask`, width: 64, height: 80 });
      for (const k of [Math.floor(slices.length / 2) - 1, Math.floor(slices.length / 2)]) {
        const s = slices[k]!;
        const name = `${p}_t2_slice${k}.png`;
        writeFileSync(join(data, 'images', name), encode({ width: s.width, height: s.height, channels: 1, depth: 8, data: Uint8Array.from(s.image, (v) => Math.round(v * 255)) }));
        writeFileSync(join(data, 'masks', name), encode({ width: s.width, height: s.height, channels: 1, depth: 8, data: classesToGreyLevels(s.labels) }));
      }
    }
  }

  beforeAll(async () => {
    app = await openApp('browser-parity', {
      prepare: (w) => {
        work = w;
        writeData();
      },
    });
    page = app.page;
  }, 240_000);

  afterAll(async () => app?.close());

  it('segments PNG slices with the shipped model and its post-processing exactly as `spineseg predict` does', async () => {
    const files = SLICES.map((f) => join(SUBSET, f));
    const predictor = await loadPredictor([defaultModelDir()]);
    expect(predictor.postprocess, 'the shipped model records a post-processing block').not.toBeNull();
    let node: number[][];
    try {
      // as `spineseg predict` does without --tta: the test-time augmentation the model records (an ensemble's is flip)
      const out = await predictFiles(predictor.nets, files, { output: join(work, 'node-pred'), overlay: false, batchSize: 1, postprocess: predictor.postprocess, tta: predictor.tta });
      node = out.map((o) => Array.from(mapGreyLevels(decodeGreyPng(o.output).data, o.output)));
    } finally {
      predictor.dispose();
    }

    await page.waitForFunction(() => /shipped model/.test(window.spineseg.state.modelName), null, { timeout: 120_000, polling: 250 });
    await page.setInputFiles('#image-input', files);
    await page.waitForFunction(() => window.spineseg.state.input !== null && !(document.getElementById('predict') as HTMLButtonElement).disabled, null, { timeout: 60_000 });
    await page.click('#predict');
    await page.waitForFunction(() => (window.spineseg.state.seg !== null && window.spineseg.state.busy === null) || window.spineseg.state.lastError !== null, null, { timeout: 180_000, polling: 250 });
    expect(await page.evaluate(() => window.spineseg.state.lastError)).toBeNull();
    const inPage = await page.evaluate(() => window.spineseg.state.seg!.labels.map((l) => Array.from(l)));
    expect(inPage.length).toBe(node.length);
    inPage.forEach((labels, k) => {
      const differ = labels.reduce((n, v, i) => n + (v !== node[k]![i] ? 1 : 0), 0);
      console.log(`[browser-parity] ${SLICES[k]}: ${differ} of ${labels.length} pixels differ between the page and Node`);
      expect(differ, `${SLICES[k]}: pixels labelled differently by the page and by predictFiles`).toBe(0);
    });
  });

  it('trains on dropped image/mask pairs and writes the checkpoint config `spineseg train` writes for the same settings', async () => {
    const settings = { width: 64, height: 80, widthMult: 0.125, epochs: 1, stepsPerEpoch: 1, batchSize: 2, lr: 0.001, patience: 1000, seed: 42, bnMomentum: 0.9, valFraction: 0.2 };
    const out = join(work, 'run');
    await runTraining({ ...settings, data, out, resume: false }, () => {});
    const cli = JSON.parse(readFileSync(join(out, 'checkpoint-last', 'config.json'), 'utf8'));

    await page.evaluate(() => window.spineseg.showTab('train'));
    const files = readdirSync(join(data, 'images')).sort();
    await page.check('#src-dropped');
    await page.setInputFiles('#train-images', files.map((f) => join(data, 'images', f)));
    await page.setInputFiles('#train-masks', files.map((f) => join(data, 'masks', f)));
    await page.selectOption('#train-size', '64x80');
    await page.selectOption('#train-width', '0.125');
    await page.fill('#train-epochs', String(settings.epochs));
    await page.fill('#train-steps', String(settings.stepsPerEpoch));
    await page.fill('#train-batch', String(settings.batchSize));
    await page.fill('#train-lr', String(settings.lr));
    await page.click('#train-start');
    await page.waitForFunction(() => !window.spineseg.state.training && (window.spineseg.state.trained !== null || window.spineseg.state.lastError !== null), null, { timeout: 240_000, polling: 500 });
    expect(await page.evaluate(() => window.spineseg.state.lastError)).toBeNull();
    const [dl] = await Promise.all([page.waitForEvent('download', (d) => d.suggestedFilename() === 'config.json'), page.click('#download-checkpoint')]);
    const pageFile = join(work, 'page-config.json');
    await dl.saveAs(pageFile);
    const fromPage = JSON.parse(readFileSync(pageFile, 'utf8'));

    for (const key of ['format', 'version', 'model', 'classes', 'normalization', 'split']) {
      expect(fromPage[key], `config.json "${key}": the page vs spineseg train`).toEqual(cli[key]);
    }
    expect(cli.split.val.length, 'one of three patients validates').toBe(1);
    // the learning curves render under a content security policy without 'unsafe-eval' (vega-interpreter)
    const csp = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content');
    expect(csp).toMatch(/script-src 'self'/);
    expect(csp).not.toContain("'unsafe-eval'");
    await page.waitForSelector('#curve-loss svg .mark-line path, #curve-loss svg path', { timeout: 30_000 });
    expect(await page.$$eval('#curve-miou svg path', (p) => p.length), 'the validation curve drew paths').toBeGreaterThan(0);
    for (const key of Object.keys(settings)) expect(fromPage.training[key], `config.json training.${key}`).toEqual(cli.training[key]);
  });

  it('takes a folder of folds (ensemble.json) as one model with its test-time augmentation, as `spineseg predict --checkpoint DIR` does', async () => {
    // two members: the CLI run's best and last checkpoints, each recording flip TTA as cross-validation would
    const ens = join(work, 'cv');
    for (const [member, from] of [['fold-1', 'checkpoint-best'], ['fold-2', 'checkpoint-last']] as const) {
      mkdirSync(join(ens, member), { recursive: true });
      const config = JSON.parse(readFileSync(join(work, 'run', from, 'config.json'), 'utf8'));
      writeFileSync(join(ens, member, 'config.json'), JSON.stringify({ ...config, inference: { tta: 'flip' } }, null, 2));
      writeFileSync(join(ens, member, 'model.safetensors'), readFileSync(join(work, 'run', from, 'model.safetensors')));
    }
    writeFileSync(join(ens, 'ensemble.json'), JSON.stringify({ format: 'spineseg-ensemble', version: 1, members: ['fold-1', 'fold-2'] }));
    const images = readdirSync(join(data, 'images')).sort().slice(0, 2).map((f) => join(data, 'images', f));
    const predictor = await loadPredictor([ens]);
    let node: number[][];
    try {
      expect(predictor.nets.length).toBe(2);
      expect(predictor.tta).toBe('flip');
      const out = await predictFiles(predictor.nets, images, { output: join(work, 'node-ens'), overlay: false, batchSize: 1, tta: predictor.tta });
      node = out.map((o) => Array.from(mapGreyLevels(decodeGreyPng(o.output).data, o.output)));
    } finally {
      predictor.dispose();
    }
    await page.evaluate(() => window.spineseg.showTab('segment'));
    // the folder picker: files arrive with their paths (cv/fold-1/config.json, ...)
    await page.setInputFiles('#dicom-folder-input', ens);
    await page.waitForFunction(() => /ensemble of 2/.test(window.spineseg.state.modelName) || window.spineseg.state.lastError !== null, null, { timeout: 60_000, polling: 250 });
    expect(await page.evaluate(() => window.spineseg.state.lastError)).toBeNull();
    expect(await page.inputValue('#tta'), "the page selects the checkpoint's TTA").toBe('flip');
    await page.setInputFiles('#image-input', images);
    await page.waitForFunction(() => window.spineseg.state.input !== null && window.spineseg.state.seg === null && !(document.getElementById('predict') as HTMLButtonElement).disabled, null, { timeout: 60_000 });
    await page.click('#predict');
    await page.waitForFunction(() => (window.spineseg.state.seg !== null && window.spineseg.state.busy === null) || window.spineseg.state.lastError !== null, null, { timeout: 120_000, polling: 250 });
    expect(await page.evaluate(() => window.spineseg.state.lastError)).toBeNull();
    const inPage = await page.evaluate(() => ({ labels: window.spineseg.state.seg!.labels.map((l) => Array.from(l)), members: window.spineseg.state.seg!.confidence!.map((c) => c.members) }));
    expect(inPage.members, 'two networks x two views per slice').toEqual([4, 4]);
    inPage.labels.forEach((labels, k) => expect(labels.reduce((n, v, i) => n + (v !== node[k]![i] ? 1 : 0), 0), `slice ${k}: pixels labelled differently`).toBe(0));
  });
});

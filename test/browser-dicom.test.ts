// DICOM in the page (headless Chromium, the shipped model): a folder holding two series lists them in the Series
// menu, one line each as `spineseg predict` does; the chosen series is segmented and its DICOM SEG, NIfTI and
// statistics CSV downloads agree with each other and reference the source; the SEG dropped back with its series is
// shown without the model (test-artifacts/browser-dicom-seg.png, the README's docs/dicom-seg.png); a truncated file is a visible message;
// every request stays on the page's origin. SPINESEG_SKIP_BROWSER=1 skips it with a printed reason.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { readImage } from '../src/pipeline/io.ts';
import { generatePhantom } from '../src/pipeline/phantom.ts';
import { chooseSeries, seriesToVolume, type DicomSource } from '../src/pipeline/dicom.ts';
import { scanDicom } from '../src/app/dicom-input.ts';
import { readSeg } from '../src/app/dicom-seg.ts';
import { semanticClassOfCode } from '../src/app/dicom-seg-codes.ts';
import { openApp, repoRoot, type OpenApp, type StaticServer } from '../scripts/browser-harness.ts';
import { sampleSliceStack, writeDicomSeries, type WrittenSeries } from './helpers/dicom-series.ts';

const SKIP = process.env.SPINESEG_SKIP_BROWSER === '1';
if (SKIP) console.log('[browser-dicom] skipped: SPINESEG_SKIP_BROWSER=1 (DICOM in the page was NOT tested)');

describe.skipIf(SKIP)('DICOM in the page (headless Chromium)', () => {
  let app: OpenApp;
  let work: string;
  let server: StaticServer;
  let page: Page;
  let study: string;
  let sample: WrittenSeries;
  let source: DicomSource;
  const requests: string[] = [];

  beforeAll(async () => {
    app = await openApp('browser-dicom', {
      prepare: (w) => writeStudy(w),
      watch: (context) => context.on('request', (r) => requests.push(r.url())),
    });
    ({ page, server } = app);
    await page.waitForFunction(() => /shipped model/.test(window.spineseg.state.modelName), null, { timeout: 120_000, polling: 250 });
  }, 300_000);

  afterAll(async () => app?.close());

  /** The sample slices of patient 118 stacked into a sagittal series, and an axial phantom series beside it. */
  async function writeStudy(w: string): Promise<void> {
    work = w;
    // the sample slices of patient 118 stacked into a sagittal series, and an axial phantom series beside it
    const vol = await sampleSliceStack(repoRoot, [56, 60, 64, 68]);
    study = join(work, 'study');
    sample = writeDicomSeries(vol, join(study, 'T2_SAG'), { seriesNumber: 3, seriesDescription: 'T2 SAG (sample slices)' });
    writeDicomSeries(generatePhantom({ seed: 2, variant: 'axial', sizeLrApSi: [8, 32, 40] }).image, join(study, 'T2_AX'), { seriesNumber: 4, seriesDescription: 'T2 AX phantom', studyUID: sample.studyUID });
    source = seriesToVolume(chooseSeries(scanDicom([join(study, 'T2_SAG')]).series, 'sample')).source;
  }

  async function saveDownload(button: string, name: string): Promise<string> {
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click(button)]);
    const file = join(work, name);
    await dl.saveAs(file);
    return file;
  }

  const lastError = () => page.evaluate(() => window.spineseg.state.lastError);

  it('a folder of two series: the menu lists them; the chosen one is segmented; SEG, NIfTI and CSV agree', async () => {
    await page.setInputFiles('#dicom-folder-input', study);
    await page.waitForFunction(() => /choose one in the Series menu/.test(document.getElementById('segment-status')!.textContent ?? ''), null, { timeout: 60_000 });
    expect(await page.isVisible('#series-choice')).toBe(true);
    const options = await page.$$eval('#series-select option', (os) => os.map((o) => o.textContent ?? ''));
    expect(options).toHaveLength(2);
    expect(options[0]).toMatch(/^series 3 .*"T2 SAG \(sample slices\)" {2}MR {2}sagittal {2}160x128x4 {2}spacing 0\.5 x 0\.5 x 2\.4 mm$/);
    expect(options[1]).toMatch(/^series 4 .*"T2 AX phantom" {2}MR {2}axial /);
    await page.selectOption('#series-select', sample.seriesUID);
    await page.waitForFunction(() => window.spineseg.state.input !== null && !(document.getElementById('predict') as HTMLButtonElement).disabled, null, { timeout: 60_000 });
    await page.click('#predict');
    await page.waitForFunction(() => (window.spineseg.state.seg !== null && window.spineseg.state.busy === null) || window.spineseg.state.lastError !== null, null, { timeout: 240_000, polling: 250 });
    expect(await lastError()).toBeNull();
    expect(await page.isVisible('#download-seg')).toBe(true);
    const seg = await saveDownload('#download-seg', 'page.seg.dcm');
    const nii = await saveDownload('#download-nifti', 'page.nii.gz');
    const csv = readFileSync(await saveDownload('#download-stats', 'page.csv'), 'utf8').trim().split('\n');
    const labels = await readImage(nii);
    expect(labels.size).toEqual(source.geometry.size);
    labels.origin.forEach((v, i) => expect(Math.abs(v - source.geometry.origin[i]!)).toBeLessThan(1e-3));
    const back = readSeg(seg, new Uint8Array(readFileSync(seg)), source.geometry);
    expect(back.referencedSeriesUID).toBe(sample.seriesUID);
    expect(back.studyUID).toBe(sample.studyUID);
    const classOf = new Map(back.segments.map((s) => [s.number, semanticClassOfCode(s.type)]));
    const fromSeg = back.labels.map((n) => (n === 0 ? 0 : classOf.get(n)!));
    let differ = 0;
    for (let i = 0; i < fromSeg.length; i++) if (fromSeg[i] !== labels.data[i]) differ++;
    expect(differ, `${differ} voxels of the SEG differ from the NIfTI`).toBe(0);
    expect(new Set(labels.data).size).toBe(4);
    expect(csv[0]).toBe('input,output,class,name,voxels,volume_mm3,area_mm2,slices,agreement,low_confidence_slices,model,postprocess,tta');
    for (let c = 0; c < 4; c++) expect(Number(csv[c + 1]!.split(',')[4])).toBe(labels.data.filter((v) => v === c).length);

    // the SEG dropped back with its series is shown as it is (no model run): the README's screenshot
    const files = readdirSync(join(study, 'T2_SAG')).map((f) => join(study, 'T2_SAG', f));
    const withSeg = join(work, 'with-seg');
    mkdirSync(withSeg);
    for (const f of [...files, seg]) copyFileSync(f, join(withSeg, f.split('/').pop()!));
    await page.setInputFiles('#image-input', readdirSync(withSeg).map((f) => join(withSeg, f)));
    await page.waitForFunction(() => document.getElementById('segment-status')!.textContent === 'SEG shown', null, { timeout: 60_000 });
    const shown = await page.evaluate(() => window.spineseg.state.seg!.counts);
    expect(shown).toEqual([0, 1, 2, 3].map((c) => labels.data.filter((v) => v === c).length));
    mkdirSync(join(repoRoot, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: join(repoRoot, 'test-artifacts', 'browser-dicom-seg.png'), fullPage: false });
  }, 400_000);

  it('a truncated file is a visible message naming it; nothing left the page', async () => {
    const bad = join(work, 'bad');
    mkdirSync(bad);
    const first = sample.files[0]!;
    writeFileSync(join(bad, 'IM0001.dcm'), readFileSync(first).subarray(0, 2000));
    await page.setInputFiles('#image-input', join(bad, 'IM0001.dcm'));
    await page.waitForFunction(() => window.spineseg.state.lastError !== null && /truncated/.test(window.spineseg.state.lastError), null, { timeout: 60_000 });
    expect(await lastError()).toMatch(/^IM0001\.dcm: PixelData = "40960 bytes declared": the file ends after \d+ of them: a truncated file$/);
    expect(await page.isVisible('#segment-status.error')).toBe(true);
    const outside = requests.filter((u) => !['data:', 'blob:'].includes(new URL(u).protocol) && new URL(u).origin !== server.origin);
    expect(outside).toEqual([]);
    expect(server.log.some((r) => r.path.endsWith('/itk-pipelines/nifti-write-image.wasm.zst') && r.status === 200)).toBe(true);
  }, 120_000);
});

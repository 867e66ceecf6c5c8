// The page's spine levels in headless Chromium: a real slice of the committed test subset, segmented with the
// shipped model the page loads by itself, shows the levels table beside the overlay and the level names drawn over
// it; the table is what src/app gives for the label map the page lets the user download.
// A screenshot goes to test-artifacts/browser-levels.png. SPINESEG_SKIP_BROWSER=1 skips it with a printed reason (as test/browser.test.ts).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { readImage } from '../src/pipeline/io.ts';
import { mapGreyLevels } from '../src/pipeline/labels.ts';
import { labelLevels } from '../src/app/levels.ts';
import { measureLevels } from '../src/app/measurements.ts';
import { levelsReport } from '../src/app/levels-table.ts';
import { levelsTableRows } from '../web/src/levels.ts';
import { openApp, repoRoot, type OpenApp } from '../scripts/browser-harness.ts';

const SKIP = process.env.SPINESEG_SKIP_BROWSER === '1';
if (SKIP) console.log('[browser-levels] skipped: SPINESEG_SKIP_BROWSER=1 (the page\'s levels table was NOT tested)');

describe.skipIf(SKIP)('spine levels in the page (headless Chromium)', () => {
  let app: OpenApp;
  let work: string;
  let page: Page;

  beforeAll(async () => {
    app = await openApp('browser-levels');
    ({ work, page } = app);
  }, 240_000);

  afterAll(async () => app?.close());

  it('a segmented real slice: the levels table beside the overlay, names drawn on it, the same rows as src/app', async () => {
    await page.waitForFunction(() => /shipped model/.test(window.spineseg.state.modelName), null, { timeout: 120_000, polling: 250 });
    await page.setInputFiles('#image-input', join(repoRoot, 'models/default/test-subset/images/18_t2_SPACE_slice56.png'));
    await page.waitForFunction(() => window.spineseg.state.input !== null && !(document.getElementById('predict') as HTMLButtonElement).disabled, null, { timeout: 60_000 });
    await page.click('#predict');
    await page.waitForFunction(() => (window.spineseg.state.seg !== null && window.spineseg.state.busy === null) || window.spineseg.state.lastError !== null, null, { timeout: 180_000, polling: 250 });
    expect(await page.evaluate(() => window.spineseg.state.lastError)).toBeNull();
    expect(await page.isVisible('#levels-table')).toBe(true);
    const rows = await page.$$eval('#levels-table tbody tr', (trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent ?? '')));
    console.log(`[browser-levels] ${rows.length} levels: ${rows.map((r) => r[0]).join(' ')}; ${await page.textContent('#levels-note')}`);
    // the chain from L5/S1 up, as a report reads it
    expect(rows.slice(0, 4).map((r) => r[0])).toEqual(['L5/S1', 'L5', 'L4/L5', 'L4']);
    expect(rows.map((r) => r[0])).toContain('L1');
    // the same rows src/app gives for the label map the page downloads
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#download-labels')]);
    const file = join(work, 'labels.png');
    await dl.saveAs(file);
    const png = await readImage(file);
    const grid = { labels: mapGreyLevels(png.data, file), dims: [1, png.size[1], png.size[0]] as [number, number, number], spacing: [1, 1, 1] as [number, number, number], unit: 'px' as const };
    const lab = labelLevels(grid);
    // the shipped model's members never disagree with themselves when it is one network without TTA: agreement 1
    const contested = await page.evaluate(() => (window.spineseg.state.seg!.contested ?? []).map((m) => m.reduce((a, v) => a + v, 0)));
    const members = await page.evaluate(() => window.spineseg.state.seg!.confidence?.[0]?.members ?? 0);
    expect(contested.length, 'one disagreement map per slice').toBe(1);
    if (members === 1) expect(contested[0], 'one member disputes nothing').toBe(0);
    const disputed = await page.evaluate(() => Array.from(window.spineseg.state.seg!.contested![0]!));
    expect(rows).toEqual(levelsTableRows(levelsReport(file, lab, measureLevels(grid, lab), undefined, Uint8Array.from(disputed))));
    expect(rows.every((r) => /^(0|1)\.\d{3}$/.test(r[r.length - 1]!)), 'every level shows its agreement').toBe(true);
    // names and lines are drawn on the layer over the overlay: it is not blank where the levels are
    const drawn = await page.evaluate(() => {
      const c = document.getElementById('levels-canvas') as HTMLCanvasElement;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i]! > 0) n++;
      return { n, width: c.width, height: c.height };
    });
    mkdirSync(join(repoRoot, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: join(repoRoot, 'test-artifacts', 'browser-levels.png'), fullPage: true });
    expect(drawn.height).toBe(480);
    expect(drawn.n, `painted pixels of the ${drawn.width}x${drawn.height} levels layer`).toBeGreaterThan(500);
  }, 300_000);
});

// The web app under bad input, in headless Chromium (the harness of test/browser.test.ts): PNGs of every bit depth
// and colour type load as the Node decoder reads them; a damaged checkpoint, image or volume dropped in the page
// shows one readable message naming the file, the page stays usable (a good checkpoint and slice still segment
// afterwards), and every request goes to the page's own origin with GET (nothing is sent anywhere).
// SPINESEG_SKIP_BROWSER=1 skips it with a printed reason.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import zlib from 'node:zlib';
import type { Page } from 'playwright-core';
import { encode } from 'fast-png';
import { encodeSafetensors } from '../src/model/safetensors.ts';
import { decodeIntensityPngBytes } from '../src/pipeline/png.ts';
import { openApp, type OpenApp, type StaticServer } from '../scripts/browser-harness.ts';
import { writeFixtureCheckpoint, fixtureArrays } from './helpers/checkpoint-fixture.ts';

const SKIP = process.env.SPINESEG_SKIP_BROWSER === '1';
if (SKIP) console.log('[browser-bad-input] skipped: SPINESEG_SKIP_BROWSER=1 (the web app under bad input was NOT tested)');

describe.skipIf(SKIP)('web app under bad input (headless Chromium)', () => {
  let app: OpenApp;
  let work: string;
  let server: StaticServer;
  let page: Page;
  const requests: Array<{ url: string; method: string }> = [];
  const pageErrors: string[] = [];
  let good: { config: string; weights: string };
  let goodPng: string;

  beforeAll(async () => {
    app = await openApp('browser-bad', {
      prepare: (w) => {
        work = w;
        const ck = writeFixtureCheckpoint(join(work, 'good'));
        good = { config: join(ck, 'config.json'), weights: join(ck, 'model.safetensors') };
        goodPng = join(work, 'good_slice.png');
        writeFileSync(goodPng, encode({ width: 32, height: 32, channels: 1, depth: 8, data: Uint8Array.from({ length: 1024 }, (_, i) => (i * 13) % 256) }));
      },
      watch: (context, p) => {
        context.on('request', (r) => requests.push({ url: r.url(), method: r.method() }));
        p.on('pageerror', (e) => pageErrors.push(e.message));
      },
    });
    ({ page, server } = app);
  }, 240_000);

  afterAll(async () => app?.close());

  /** Writes `files` (name -> bytes) into a fresh folder and returns their paths. */
  function files(folder: string, content: Record<string, Uint8Array | string>): string[] {
    const dir = join(work, folder);
    mkdirSync(dir, { recursive: true });
    return Object.entries(content).map(([name, bytes]) => {
      writeFileSync(join(dir, name), bytes);
      return join(dir, name);
    });
  }

  /** Sets the input's files and waits for the page to finish with them; returns the status line and whether it is an error. */
  async function drop(input: '#image-input' | '#checkpoint-input', paths: string[]): Promise<{ text: string; error: boolean }> {
    await page.evaluate(() => (document.getElementById('segment-status')!.textContent = ''));
    await page.setInputFiles(input, paths);
    await page.waitForFunction(() => window.spineseg.state.busy === null && (document.getElementById('segment-status')!.textContent ?? '') !== 'loading…', null, { timeout: 60_000, polling: 100 });
    return page.evaluate(() => {
      const el = document.getElementById('segment-status')!;
      return { text: el.textContent ?? '', error: el.classList.contains('error') };
    });
  }

  it('loads PNGs of every bit depth and colour type with the Node decoder\'s intensities', async () => {
    const ramp = (max: number) => Array.from({ length: 1024 }, (_, i) => Math.round((((i * 37) % 1024) / 1023) * max));
    const kinds: Record<string, Uint8Array> = {
      'a_grey16.png': encode({ width: 32, height: 32, channels: 1, depth: 16, data: Uint16Array.from(ramp(65535)) }),
      'b_greyalpha.png': encode({ width: 32, height: 32, channels: 2, depth: 8, data: Uint8Array.from(ramp(255).flatMap((v) => [v, 255])) }),
      'c_rgb.png': encode({ width: 32, height: 32, channels: 3, depth: 8, data: Uint8Array.from(ramp(255).flatMap((v) => [v, 255 - v, v])) }),
      'd_palette.png': encode({ width: 32, height: 32, channels: 1, depth: 8, data: Uint8Array.from(ramp(2)), palette: [[0, 0, 0], [10, 200, 30], [255, 255, 255]] }),
    };
    const paths = files('kinds', kinds);
    const status = await drop('#image-input', paths);
    expect(status.error, status.text).toBe(false);
    const inPage = await page.evaluate(() => window.spineseg.state.input!.slices.map((s) => ({ name: s.name, values: Array.from(s.image) })));
    expect(inPage.map((s) => s.name)).toEqual(Object.keys(kinds));
    for (const s of inPage) expect(s.values, s.name).toEqual(Array.from(decodeIntensityPngBytes(s.name, kinds[s.name]!).image));
  }, 120_000);

  const nanWeights = () => {
    const a = fixtureArrays();
    a[3]!.data[1] = NaN;
    return encodeSafetensors(a);
  };
  const mhaHeader = (dims: string, type: string) => `ObjectType = Image\nNDims = 3\nBinaryData = True\nBinaryDataByteOrderMSB = False\nCompressedData = False\nTransformMatrix = 1 0 0 0 1 0 0 0 1\nOffset = 0 0 0\nElementSpacing = 3.3 0.6 0.6\nDimSize = ${dims}\nElementType = ${type}\nElementDataFile = LOCAL\n`;
  const cases: Array<{ name: string; input: '#image-input' | '#checkpoint-input'; files: () => string[]; error: RegExp }> = [
    { name: 'config with classes 0', input: '#checkpoint-input', files: () => [...files('cfg0', { 'config.json': JSON.stringify({ ...JSON.parse(readFileSync(good.config, 'utf8')), model: { ...JSON.parse(readFileSync(good.config, 'utf8')).model, classes: 0 } }) }), good.weights], error: /^config\.json: model\.classes = 0: expected 4/ },
    { name: 'config not JSON', input: '#checkpoint-input', files: () => [...files('cfgjson', { 'config.json': '{"format": ' }), good.weights], error: /^config\.json: not valid JSON/ },
    { name: 'NaN weights', input: '#checkpoint-input', files: () => [good.config, ...files('nan', { 'model.safetensors': nanWeights() })], error: /^model\.safetensors: tensor \S+\[1\] = NaN: expected finite numbers/ },
    { name: 'truncated weights', input: '#checkpoint-input', files: () => [good.config, ...files('trunc', { 'model.safetensors': readFileSync(good.weights).subarray(0, 500) })], error: /^model\.safetensors: header length = \d+: expected at most/ },
    { name: 'truncated PNG', input: '#image-input', files: () => files('pngtrunc', { 'cut.png': readFileSync(goodPng).subarray(0, 60) }), error: /^cut\.png: truncated or damaged PNG/ },
    { name: 'empty PNG', input: '#image-input', files: () => files('pngempty', { 'empty.png': new Uint8Array(0) }), error: /^empty\.png: file size = 0: empty file/ },
    { name: 'text named .png', input: '#image-input', files: () => files('pngtext', { 'note.png': 'just a note' }), error: /^note\.png: not a PNG image/ },
    { name: 'PNG claiming 10^10 pixels', input: '#image-input', files: () => files('pnghuge', { 'huge.png': ((b) => (new DataView(b.buffer).setUint32(16, 100000), new DataView(b.buffer).setUint32(20, 100000), b))(new Uint8Array(readFileSync(goodPng))) }), error: /^huge\.png: size = "100000x100000": 10000000000 pixels exceed the budget/ },
    { name: 'truncated volume', input: '#image-input', files: () => files('mhatrunc', { 'vol.mha': Buffer.concat([Buffer.from(mhaHeader('4 16 16', 'MET_SHORT')), Buffer.alloc(100)]) }), error: /^vol\.mha: .*truncated/ },
    { name: 'garbage volume', input: '#image-input', files: () => files('mhagarbage', { 'junk.mha': zlib.deflateSync(Buffer.alloc(300, 7)) }), error: /^junk\.mha: .*not a MetaImage/ },
  ];

  it(`shows one readable message naming the file for ${cases.length} damaged drops, and stays usable`, async () => {
    const problems: string[] = [];
    for (const c of cases) {
      const s = await drop(c.input, c.files());
      if (!s.error) problems.push(`${c.name}: no error shown (status "${s.text}")`);
      else if (!c.error.test(s.text)) problems.push(`${c.name}: message "${s.text}" does not match ${c.error}`);
      if (s.text.includes('\n') || /\bat \S+:\d+/.test(s.text)) problems.push(`${c.name}: message is not one line: "${s.text}"`);
    }
    expect(problems).toEqual([]);
    // still usable: the good checkpoint and slice load and segment
    const ck = await drop('#checkpoint-input', [good.config, good.weights]);
    expect(ck.error, ck.text).toBe(false);
    const img = await drop('#image-input', [goodPng]);
    expect(img.error, img.text).toBe(false);
    await page.click('#predict');
    await page.waitForFunction(() => window.spineseg.state.busy === null && /^done in|error/.test(document.getElementById('segment-status')!.textContent ?? ''), null, { timeout: 120_000, polling: 250 });
    const after = await page.evaluate(() => window.spineseg.summary());
    expect(after.counts!.reduce((a, b) => a + b, 0)).toBe(32 * 32);
    expect(await page.textContent('#segment-status')).toMatch(/^done in/);
  }, 300_000);

  it('a damaged file dropped on the drop zone (drag and drop) gets the same message', async () => {
    await page.evaluate(() => (document.getElementById('segment-status')!.textContent = ''));
    await page.evaluate(() => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10, 0, 0])], 'dragged.png', { type: 'image/png' }));
      document.getElementById('segment-drop')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    await page.waitForFunction(() => /dragged\.png/.test(document.getElementById('segment-status')!.textContent ?? ''), null, { timeout: 30_000 });
    expect(await page.textContent('#segment-status')).toMatch(/^dragged\.png: file size = 10: truncated PNG/);
  }, 60_000);

  it('sent nothing anywhere: only GETs to its own origin, no uncaught page errors', () => {
    const foreign = requests.filter((r) => !/^(data|blob):/.test(r.url) && new URL(r.url).origin !== server.origin);
    const notGet = requests.filter((r) => r.method !== 'GET');
    console.log(`[browser-bad-input] ${requests.length} requests, ${foreign.length} foreign, ${notGet.length} not GET; page errors: ${pageErrors.join(' | ') || 'none'}`);
    expect(foreign).toEqual([]);
    expect(notGet).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});

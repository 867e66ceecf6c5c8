// Shared by test/browser.test.ts and scripts/web-screenshot.ts: build the web app, serve it from 127.0.0.1
// (recording every request), and start Debian's Chromium headless with WebGPU and no background networking.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { BrowserContext, Page } from 'playwright-core';
import { setting } from '../src/runtime/settings.ts';

export const repoRoot = resolve(import.meta.dirname, '..');
/** The `chromium` setting: $SPINESEG_CHROMIUM, else Debian's /usr/bin/chromium (src/runtime/settings.ts). */
export const chromiumPath = setting('chromium');

/** Flags: WebGPU on (SwiftShader where there is no GPU), and nothing that phones home. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-default-apps',
  '--disable-extensions',
];

export function requireChromium(): void {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `Chromium not found at ${chromiumPath}: install it (Debian: apt-get install chromium; scripts/setup.sh does this), set SPINESEG_CHROMIUM to its path, or set SPINESEG_SKIP_BROWSER=1 to skip the browser tests`,
    );
  }
}

/** `vite build` of web/ into outDir. */
export async function buildApp(outDir: string): Promise<void> {
  const { build } = await import('vite');
  await build({ configFile: join(repoRoot, 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.zst': 'application/octet-stream',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

export interface StaticServer {
  server: Server;
  origin: string;
  /** every path requested, in order, with its status */
  log: Array<{ path: string; status: number }>;
  close(): Promise<void>;
}

/** A static file server over the built app on 127.0.0.1 (a free port), logging every request. */
export function serveStatic(root: string): Promise<StaticServer> {
  const log: StaticServer['log'] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = normalize(join(root, decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname)));
    const ok = path.startsWith(root + sep) && existsSync(path) && statSync(path).isFile();
    log.push({ path: url.pathname, status: ok ? 200 : 404 });
    if (!ok) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': MIME[extname(path)] ?? 'application/octet-stream', 'Cache-Control': 'no-store' });
    res.end(readFileSync(path));
  });
  return new Promise((done) =>
    server.listen(0, '127.0.0.1', () =>
      done({ server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, log, close: () => new Promise<void>((c) => server.close(() => c())) }),
    ),
  );
}

/** Headless Chromium with a fresh profile in `profileDir`. */
export async function launchChromium(profileDir: string): Promise<BrowserContext> {
  requireChromium();
  const { chromium } = await import('playwright-core');
  return chromium.launchPersistentContext(profileDir, {
    executablePath: chromiumPath,
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1280, height: 860 },
    args: CHROMIUM_ARGS,
  });
}

/** The built app open in headless Chromium: its temporary folder, server, browser and page. */
export interface OpenApp {
  /** a fresh temporary folder; the build is in work/web, the browser profile in work/profile */
  work: string;
  server: StaticServer;
  context: BrowserContext;
  page: Page;
  /** closes the browser and the server and removes the folder */
  close(): Promise<void>;
}

/**
 * Builds the app into a fresh temporary folder (`prefix` names it), serves it, opens it in headless Chromium and waits
 * for `window.spineseg.ready`. `prepare(work)` writes fixtures before the browser starts; `watch(context, page)`
 * attaches listeners (requests, page errors) before the page loads.
 */
export async function openApp(prefix: string, o: { prepare?: (work: string) => Promise<void> | void; watch?: (context: BrowserContext, page: Page) => void } = {}): Promise<OpenApp> {
  requireChromium();
  const work = mkdtempSync(join(tmpdir(), `spineseg-${prefix}-`));
  const opened: Partial<OpenApp> = { work };
  const close = async () => {
    await opened.context?.close();
    await opened.server?.close();
    rmSync(work, { recursive: true, force: true });
  };
  try {
    await buildApp(join(work, 'web'));
    await o.prepare?.(work);
    const server = (opened.server = await serveStatic(join(work, 'web')));
    const context = (opened.context = await launchChromium(join(work, 'profile')));
    const page = context.pages()[0] ?? (await context.newPage());
    o.watch?.(context, page);
    await page.goto(`${server.origin}/`);
    await page.evaluate(() => (window as unknown as { spineseg: { ready: Promise<void> } }).spineseg.ready);
    return { work, server, context, page, close };
  } catch (e) {
    await close();
    throw e;
  }
}

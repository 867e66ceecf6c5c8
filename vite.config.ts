// The web app (web/): the same src/ modules as the CLI, bundled by Vite. Two things the browser needs that
// Node does not:
//  - itk-wasm's MetaImage read/write pipelines, served from the app's own origin under /itk-pipelines/
//    (dev: straight from node_modules; build: emitted into dist/web), never from a CDN;
//  - src/pipeline/phantom.ts writes datasets with node:fs and io.ts; the page only calls generatePhantom,
//    so those imports are replaced by stubs that throw if anything ever reaches them.
import { readFileSync, existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { defineConfig, type Plugin } from 'vite';
import { ORT_FILES, ORT_PATH } from './web/src/ort-path.ts';

const here = dirname(new URL(import.meta.url).pathname);
const require = createRequire(import.meta.url);

/** The itk-wasm pipelines the app runs (MetaImage in and out, NIfTI out); PNG is decoded by fast-png, DICOM by dcmjs. */
export const ITK_PIPELINES = ['meta-read-image', 'meta-write-image', 'nifti-write-image'];
export const ITK_PIPELINES_PATH = 'itk-pipelines';

function itkPipelinesDir(): string {
  // the package exports no package.json; its Node entry sits in dist/ beside pipelines/
  const entry = require.resolve('@itk-wasm/image-io', { paths: [here] });
  const dir = join(dirname(entry), 'pipelines');
  if (!existsSync(dir)) throw new Error(`itk-wasm pipelines not found at ${dir} (is @itk-wasm/image-io installed?)`);
  return dir;
}

function pipelineFiles(): string[] {
  return ITK_PIPELINES.flatMap((p) => [`${p}.js`, `${p}.wasm.zst`]);
}

function itkPipelines(): Plugin {
  const dir = itkPipelinesDir();
  return {
    name: 'spineseg-itk-pipelines',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const url = (req.url ?? '').split('?')[0];
        const prefix = `/${ITK_PIPELINES_PATH}/`;
        if (!url.startsWith(prefix)) return next();
        const name = url.slice(prefix.length);
        if (!pipelineFiles().includes(name) || !existsSync(join(dir, name))) return next();
        res.setHeader('Content-Type', name.endsWith('.js') ? 'text/javascript' : 'application/octet-stream');
        res.end(readFileSync(join(dir, name)));
      });
    },
    generateBundle() {
      for (const name of pipelineFiles()) this.emitFile({ type: 'asset', fileName: `${ITK_PIPELINES_PATH}/${name}`, source: readFileSync(join(dir, name)) });
    },
  };
}

/**
 * The shipped model (models/default), served from the app's own origin so the page segments without a dropped
 * checkpoint: config.json + model.safetensors, or an ensemble.json and those two files of each member it lists
 * (src/app/ensemble.ts; checked in full by the page when it loads them).
 */
/** The shipped model's file list, served beside it (web/src/checkpoint.ts reads it first). */
export const SHIPPED_INDEX = 'files.json';

export function shippedModelFiles(dir: string): string[] {
  const manifest = join(dir, 'ensemble.json');
  if (!existsSync(manifest)) return ['config.json', 'model.safetensors'];
  const members = (JSON.parse(readFileSync(manifest, 'utf8')) as { members?: unknown }).members;
  const safe = Array.isArray(members) ? members.filter((m): m is string => typeof m === 'string' && !m.split('/').includes('..') && !m.startsWith('/')) : [];
  return ['ensemble.json', ...safe.flatMap((m) => [`${m}/config.json`, `${m}/model.safetensors`])];
}

function shippedModel(): Plugin {
  const dir = join(here, 'models', 'default');
  return {
    name: 'spineseg-shipped-model',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const name = (req.url ?? '').split('?')[0].replace(/^\/models\/default\//, '');
        const files = shippedModelFiles(dir);
        if (name === SHIPPED_INDEX && existsSync(join(dir, files[0]!))) {
          res.setHeader('Content-Type', 'application/json');
          res.end(JSON.stringify(files));
          return;
        }
        if (!files.includes(name) || !existsSync(join(dir, name))) return next();
        res.setHeader('Content-Type', name.endsWith('.json') ? 'application/json' : 'application/octet-stream');
        res.end(readFileSync(join(dir, name)));
      });
    },
    generateBundle() {
      const files = shippedModelFiles(dir).filter((name) => existsSync(join(dir, name)));
      for (const name of files) this.emitFile({ type: 'asset', fileName: `models/default/${name}`, source: readFileSync(join(dir, name)) });
      // the list the page reads first, so it asks only for files that are there
      if (files.length) this.emitFile({ type: 'asset', fileName: `models/default/${SHIPPED_INDEX}`, source: JSON.stringify(files) });
    },
  };
}

/**
 * onnxruntime-web's Wasm files (the Benchmark tab's prediction peer, web/src/tabs/bench-ort.ts), served from the app's own
 * origin under ort/ (dev: from node_modules; build: emitted into dist/web), never from a CDN.
 */
function ortWasm(): Plugin {
  const dir = dirname(require.resolve('onnxruntime-web/webgpu', { paths: [here] }));
  return {
    name: 'spineseg-ort-wasm',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const url = (req.url ?? '').split('?')[0];
        const name = url.replace(new RegExp(`^/${ORT_PATH}/`), '');
        if (name === url || !ORT_FILES.includes(name)) return next();
        res.setHeader('Content-Type', name.endsWith('.mjs') ? 'text/javascript' : 'application/wasm');
        res.end(readFileSync(join(dir, name)));
      });
    },
    generateBundle() {
      for (const name of ORT_FILES) this.emitFile({ type: 'asset', fileName: `${ORT_PATH}/${name}`, source: readFileSync(join(dir, name)) });
    },
  };
}

const STUB_PREFIX = '\0spineseg-node-stub:';

/** Node-only imports of modules the page uses only in part (phantom.ts -> fs, path, io.ts): throwing stubs. */
function nodeStubs(): Plugin {
  const stubbed = new Map<string, string>([
    ['node:fs', 'export default new Proxy({}, { get(_, k) { throw new Error(`node:fs.${String(k)} is not available in the browser`); } });'],
    ['node:path', 'export default new Proxy({}, { get(_, k) { throw new Error(`node:path.${String(k)} is not available in the browser`); } });'],
    [
      './io.ts',
      'const no = (what) => () => { throw new Error(`${what}: file IO of src/pipeline/io.ts is Node-only; the web app reads files with itk-wasm in the browser`); };\n' +
        "export const writeImage = no('writeImage');\nexport const writeTextAtomic = no('writeTextAtomic');\nexport const readImage = no('readImage');",
    ],
  ]);
  return {
    name: 'spineseg-node-stubs',
    enforce: 'pre',
    resolveId(source, importer) {
      if (!importer || !stubbed.has(source)) return null;
      // only the pure-plus-writer modules the page imports; anything else importing Node code is a bug to see
      if (!/src[\\/]pipeline[\\/]phantom\.ts$/.test(importer)) return null;
      return STUB_PREFIX + source;
    },
    load(id) {
      return id.startsWith(STUB_PREFIX) ? stubbed.get(id.slice(STUB_PREFIX.length))! : null;
    },
  };
}

export default defineConfig({
  root: resolve(here, 'web'),
  base: './',
  // the page must work on 127.0.0.1 with no network; nothing here points anywhere else
  server: { host: '127.0.0.1', fs: { allow: [here] } },
  preview: { host: '127.0.0.1' },
  plugins: [nodeStubs(), itkPipelines(), shippedModel(), ortWasm()],
  // itk-wasm finds its worker and pipelines by URL; resvg is Node-only (plots.ts imports it lazily, the page never does)
  optimizeDeps: { exclude: ['itk-wasm', '@itk-wasm/image-io', '@resvg/resvg-js', 'onnxruntime-web'] },
  build: {
    outDir: resolve(here, 'dist/web'),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    rolldownOptions: {
      // plots.ts rasterises with resvg only in Node (svgToPng, never called by the page)
      external: ['@resvg/resvg-js'],
    },
  },
});

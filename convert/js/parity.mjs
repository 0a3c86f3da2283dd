// Score a pixel batch with a TF.js graph model on several backends; print JSON results.
//   node parity.mjs --bundle DIR --pixels FILE --shape N,S,S,3 [--backends node-wasm,...]
// Backends: node-wasm, chromium-wasm, chromium-webgl. A failing backend reports {"error"};
// a bad bundle (unknown card version, missing or corrupted TF.js file) fails the whole run.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { BundleError, checkBundle } from './bundle.mjs';
import { fromFolder, readPixels } from './model_io.mjs';
import { predictInBatches } from './predict.js';
import { serve } from './serve.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const PAGE_TIMEOUT_MS = Number(process.env.PARITY_TIMEOUT_MS ?? 240000);

async function nodeWasm(modelDir, pixels) {
  const tf = await import('@tensorflow/tfjs-core');
  const { loadGraphModel } = await import('@tensorflow/tfjs-converter');
  await import('@tensorflow/tfjs-backend-wasm');
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  await tf.setBackend('wasm');
  await tf.ready();
  const model = await loadGraphModel(await fromFolder(modelDir));
  const started = performance.now();
  const probabilities = await predictInBatches(tf, model, pixels.data, pixels.shape);
  return { probabilities, ms: performance.now() - started, backend: tf.getBackend() };
}

async function buildPage(dir) {
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: [path.join(HERE, 'page.js')], bundle: true, format: 'esm',
    outfile: path.join(dir, 'page.js'), logLevel: 'error',
    // tfjs-backend-wasm's emscripten glue mentions Node modules it never loads in a browser.
    external: ['fs', 'path', 'worker_threads', 'perf_hooks', 'os', 'crypto'],
  });
  await writeFile(path.join(dir, 'index.html'),
    '<!doctype html><meta charset="utf-8"><script type="module" src="/page.js"></script>');
}

async function chromium(backends, modelDir, pixelsFile, shape) {
  const results = {};
  const pageDir = await mkdtemp(path.join(tmpdir(), 'aiorhuman-parity-'));
  let server;
  let browser;
  try {
    await buildPage(pageDir);
    ({ server } = await serve({
      '/model/': modelDir,
      '/wasm/': path.join(HERE, 'node_modules/@tensorflow/tfjs-backend-wasm/dist'),
      '/pixels.bin': pixelsFile,
      '/': pageDir,
    }));
    const origin = `http://127.0.0.1:${server.address().port}`;
    const { chromium: launcher } = await import('playwright-core');
    browser = await launcher.launch({
      executablePath: CHROMIUM, headless: true, timeout: 60000,
      args: ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader',
        '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    for (const backend of backends) {
      const page = await browser.newPage();
      page.setDefaultTimeout(PAGE_TIMEOUT_MS);
      try {
        await page.goto(`${origin}/index.html`);
        await page.waitForFunction(() => window.pageReady === true);
        results[`chromium-${backend}`] = await page.evaluate(
          ([b, s]) => window.runModel(b, s), [backend, shape]);
      } catch (error) {
        results[`chromium-${backend}`] = { error: String(error.message ?? error).split('\n')[0] };
      } finally {
        await page.close();
      }
    }
  } finally {
    await browser?.close();
    server?.close();
    await rm(pageDir, { recursive: true, force: true });
  }
  return results;
}

async function main() {
  const { values } = parseArgs({ options: {
    bundle: { type: 'string' }, pixels: { type: 'string' }, shape: { type: 'string' },
    backends: { type: 'string', default: 'node-wasm,chromium-wasm,chromium-webgl' },
  } });
  const { modelDir } = await checkBundle(values.bundle);
  const shape = values.shape.split(',').map(Number);
  const wanted = values.backends.split(',');
  const results = {};
  if (wanted.includes('node-wasm')) {
    try {
      results['node-wasm'] = await nodeWasm(modelDir, await readPixels(values.pixels, shape));
    } catch (error) {
      results['node-wasm'] = { error: String(error.message ?? error).split('\n')[0] };
    }
  }
  const inBrowser = wanted.filter((b) => b.startsWith('chromium-')).map((b) => b.slice(9));
  if (inBrowser.length) {
    Object.assign(results, await chromium(inBrowser, modelDir, values.pixels, shape));
  }
  process.stdout.write(JSON.stringify(results) + '\n');
}

main().catch((error) => {
  process.stderr.write(`${error instanceof BundleError ? error.message : error.stack ?? error}\n`);
  process.exit(1);
});

// npm run bench -- [--model DIR] [--images N]
//
// One run on this machine, printed as a table and saved to build/bench.json:
//  1. per-image time in headless Chromium (the extension's pipeline, wasm) against the
//     SavedModel in Python (TensorFlow, CPU) on the same image files, batch 1;
//  2. time until a page of 50 different images is fully badged (cold: fresh browser, model
//     not loaded yet; warm: model loaded, result cache emptied);
//  3. main-thread long tasks (PerformanceObserver 'longtask') on that page, with and without
//     the extension;
//  4. size of the packed extension (the store zips).
// Model: --model, AIORHUMAN_MODEL, ../models/default, or (when none exists yet) an
// EfficientNet-Lite0 test bundle made by test/prepare.py.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, buildFor, emptyExtension, launchChromium, serveFiles } from './chromium-session.mjs';

const { values } = parseArgs({ options: { model: { type: 'string' }, images: { type: 'string', default: '20' } } });
const PYTHON =
  process.env.AIORHUMAN_PYTHON ?? (existsSync(join(ROOT, '../.venv/bin/python')) ? join(ROOT, '../.venv/bin/python') : 'python3');
const PREPARED = join(ROOT, 'build/bench-prepared');
let modelDir = values.model ?? process.env.AIORHUMAN_MODEL ?? join(ROOT, '../models/default');
modelDir = resolve(ROOT, modelDir);
if (!existsSync(join(PREPARED, 'images/page-49.jpg')) || (!existsSync(join(modelDir, 'card.json')) && !existsSync(join(PREPARED, 'bundle/card.json')))) {
  const args = [join(ROOT, 'test/prepare.py'), PREPARED];
  if (existsSync(join(modelDir, 'card.json'))) args.push('--bundle', modelDir);
  else args.push('--architecture', 'efficientnet_lite0');
  console.error('preparing images (and a test bundle if needed)…');
  execFileSync(PYTHON, args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' } });
}
if (!existsSync(join(modelDir, 'card.json'))) modelDir = join(PREPARED, 'bundle');
const pageImages = Array.from({ length: 50 }, (_, k) => join(PREPARED, `images/page-${String(k).padStart(2, '0')}.jpg`));
const sample = pageImages.slice(0, Number(values.images));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x) => Math.round(x * 10) / 10;
const results = { model: modelDir, machine: `${(await import('node:os')).cpus().length} CPU cores`, date: new Date().toISOString() };

// 1a. Python: the SavedModel, bytes signature (decode + preprocess + model) and pixels only.
const pythonCode = `
import json, sys, time, numpy as np
from aiorhuman.bundle import load_bundle
from aiorhuman.bundle.preprocess import preprocess_bytes
b = load_bundle(sys.argv[1])
files = sys.argv[2:]
data = [open(f, 'rb').read() for f in files]
b.predict_bytes(data[:1]); b.predict_pixels(np.zeros((1, b.input_size, b.input_size, 3), np.float32))
by, px, probs = [], [], []
for d in data:
    t = time.perf_counter(); p = b.predict_bytes([d]); by.append(1000 * (time.perf_counter() - t)); probs.append(float(p[0]))
    x = preprocess_bytes(d, b.input_size).numpy()[None]
    t = time.perf_counter(); b.predict_pixels(x); px.append(1000 * (time.perf_counter() - t))
print(json.dumps({"bytes_ms": by, "pixels_ms": px, "probabilities": probs}))
`;
console.error('Python SavedModel timings…');
const py = JSON.parse(
  execFileSync(PYTHON, ['-c', pythonCode, modelDir, ...sample], { encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' }, stdio: ['ignore', 'pipe', 'inherit'] })
    .trim().split('\n').pop(),
);

const dirs = buildFor(modelDir, 'bench');
const grid = (base) =>
  `<!doctype html><meta charset="utf-8"><title>50 images</title><style>body{margin:8px}img{width:130px;height:100px;object-fit:cover;margin:2px}</style>` +
  pageImages.map((_, k) => `<img data-test-id="${k}" src="${base}/f/${k}">`).join('');
const server = await serveFiles(pageImages, {});
const pages = { 'grid.html': grid(server.url) };
const pageServer = await serveFiles([], pages);
const LONGTASKS = `window.__longTasks = []; new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__longTasks.push(e.duration); }).observe({ type: 'longtask', buffered: true });`;

async function badgePage(context, label) {
  const page = await context.newPage();
  await page.addInitScript(LONGTASKS);
  const t0 = Date.now();
  await page.goto(`${pageServer.url}/p/grid.html`);
  let done = 0;
  const end = Date.now() + 300000;
  while (Date.now() < end) {
    done = await page.evaluate(() => document.querySelectorAll('[data-aiorhuman-state=done]').length);
    if (done >= 50) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const ms = Date.now() - t0;
  const longTasks = await page.evaluate(() => window.__longTasks);
  await page.close();
  console.error(`${label}: ${done}/50 badged in ${ms} ms; long tasks ${JSON.stringify(longTasks.map(Math.round))}`);
  return { ms, badged: done, longTasks };
}

// 2 + 3. Page of 50 images, cold then warm.
let browser = await launchChromium(dirs.chrome);
try {
  results.page50_cold = await badgePage(browser.context, 'cold');
  await browser.worker.evaluate(() => globalThis.aiorhumanTest.clearCache());
  results.page50_warm = await badgePage(browser.context, 'warm');

  // 1b. Browser: the same files one by one through the extension's pipeline.
  await browser.worker.evaluate(() => globalThis.aiorhumanTest.clearCache());
  const browserRuns = [];
  for (let i = 0; i < sample.length; i++) {
    browserRuns.push(await browser.worker.evaluate((url) => globalThis.aiorhumanTest.score(url), `${server.url}/f/${i}`));
  }
  const diffs = browserRuns.map((r, i) => Math.abs(r.probability - py.probabilities[i]));
  results.per_image = {
    images: sample.length,
    python_savedmodel_bytes_ms: round(median(py.bytes_ms)),
    python_savedmodel_pixels_ms: round(median(py.pixels_ms)),
    chromium_pipeline_ms: round(median(browserRuns.map((r) => r.ms))),
    chromium_model_ms: round(median(browserRuns.map((r) => r.inferenceMs))),
    backend: browserRuns[0].backend,
    max_abs_probability_difference: Number(Math.max(...diffs).toExponential(2)),
  };
  results.per_image.ratio_pipeline = round(results.per_image.chromium_pipeline_ms / results.per_image.python_savedmodel_bytes_ms);
  results.per_image.ratio_model = round(results.per_image.chromium_model_ms / results.per_image.python_savedmodel_pixels_ms);
} finally {
  await browser.close();
}

// 3b. The same page without the extension: the page's own long tasks.
// A do-nothing extension keeps the launch identical.
browser = await launchChromium(emptyExtension());
try {
  const page = await browser.context.newPage();
  await page.addInitScript(LONGTASKS);
  await page.goto(`${pageServer.url}/p/grid.html`);
  await page.waitForTimeout(3000);
  results.page50_without_extension = { longTasks: await page.evaluate(() => window.__longTasks) };
} finally {
  await browser.close();
  await server.close();
  await pageServer.close();
}

// 4. Packed size.
const out = mkdtempSync(join(tmpdir(), 'aiorhuman-bench-'));
try {
  execFileSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--quiet', '--model', modelDir, '--out', out]);
  results.packed_mb = Object.fromEntries(
    readdirSync(out).filter((f) => f.endsWith('.zip')).map((f) => [f, Math.round((statSync(join(out, f)).size / 1048576) * 100) / 100]),
  );
} finally {
  rmSync(out, { recursive: true, force: true });
}

writeFileSync(join(ROOT, 'build/bench.json'), `${JSON.stringify(results, null, 2)}\n`);
const p = results.per_image;
const lt = (r) => `${r.longTasks.length} (max ${Math.round(Math.max(0, ...r.longTasks))} ms)`;
console.log(`
| measure | value |
|---|---|
| model | ${modelDir.replace(`${resolve(ROOT, '..')}/`, '')} |
| Python SavedModel, bytes → probability (median of ${p.images}) | ${p.python_savedmodel_bytes_ms} ms |
| Python SavedModel, pixels → probability | ${p.python_savedmodel_pixels_ms} ms |
| Chromium extension pipeline, fetch → probability (${p.backend}) | ${p.chromium_pipeline_ms} ms (${p.ratio_pipeline}× Python) |
| Chromium TF.js model alone | ${p.chromium_model_ms} ms (${p.ratio_model}× Python) |
| largest probability difference browser vs Python | ${p.max_abs_probability_difference} |
| page of 50 images fully badged, cold (fresh browser, model loaded on demand) | ${results.page50_cold.ms} ms |
| page of 50 images fully badged, warm (model loaded, cache emptied) | ${results.page50_warm.ms} ms |
| long tasks > 50 ms with the extension (cold / warm) | ${lt(results.page50_cold)} / ${lt(results.page50_warm)} |
| long tasks > 50 ms without the extension | ${lt(results.page50_without_extension)} |
| packed size | ${Object.entries(results.packed_mb).map(([k, v]) => `${k} ${v} MB`).join(', ')} |
`);

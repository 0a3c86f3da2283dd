// npm run bench:views -- [--model DIR] [--images N] [--images-dir DIR]
//
// What native-resolution crops would cost, against the one resized view the extension scores
// today, per image in headless Chromium on the wasm backend (what users without a GPU get).
// Printed as a table and saved to build/bench-views.json:
//  1. resized view: decode + resize the short side to S + centre crop (the extension's own
//     decodeToPixels), one model call (the extension's own loadModel, allowGpu false);
//  2. five native crops: decode once at native resolution, cut five S x S crops (centre and the
//     four corners, no resampling), five model calls, probabilities averaged in logit space;
//  3. second look: 1 and 2 on the same image (6 model calls, two decodes), what looking again
//     at an unsure image would cost.
// Images whose short side is below S are skipped (no crop of native pixels fits).
// Times are medians over the images, taken with performance.now() in the page; the bytes are
// fetched before the clock starts. Images: --images-dir, by default the dataset's test split
// (../.cache/sets/test: train.csv + train_data/, AI and human alternately), or a plain folder
// of images; without either, the page-*.jpg photos made by `npm run bench`.
import { build } from 'esbuild';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, emptyExtension, launchChromium } from './chromium-session.mjs';

const { values } = parseArgs({
  options: { model: { type: 'string' }, images: { type: 'string', default: '20' }, 'images-dir': { type: 'string' } },
});
const modelDir = resolve(ROOT, values.model ?? process.env.AIORHUMAN_MODEL ?? '../models/default');
if (!existsSync(join(modelDir, 'card.json'))) throw new Error(`no model bundle at ${modelDir} (card.json missing)`);
const card = JSON.parse(readFileSync(join(modelDir, 'card.json'), 'utf8'));
const S = card.input_size;
const modelPath = card.tfjs?.path ?? 'tfjs/model.json';

/** [{file, label}]: the dataset layout (train.csv, label 1 = AI) alternately, a folder's images, or bench's pages. */
function listImages(dir, n) {
  const isImage = (f) => /\.(jpe?g|png|webp|gif|bmp)$/i.test(f);
  if (existsSync(join(dir, 'train.csv'))) {
    const [header, ...rows] = readFileSync(join(dir, 'train.csv'), 'utf8').trim().split(/\r?\n/).map((l) => l.split(','));
    const [f, l] = [header.indexOf('file_name'), header.indexOf('label')];
    const byLabel = (v) => rows.filter((r) => r[l] === v).map((r) => ({ file: join(dir, r[f]), label: v === '1' ? 'ai' : 'human' }));
    const [ai, human] = [byLabel('1'), byLabel('0')];
    return Array.from({ length: n }, (_, k) => (k % 2 ? human : ai)[k >> 1]).filter(Boolean);
  }
  if (existsSync(dir)) return readdirSync(dir).filter(isImage).sort().slice(0, n).map((f) => ({ file: join(dir, f), label: '' }));
  const pages = join(ROOT, 'build/bench-prepared/images');
  if (!existsSync(pages)) throw new Error(`no ${dir} and no ${pages} (npm run bench makes it)`);
  const files = readdirSync(pages).filter((f) => /^page-\d+\.jpg$/.test(f)).sort().slice(0, n);
  return files.map((f) => ({ file: join(pages, f), label: '' }));
}
const images = listImages(resolve(ROOT, values['images-dir'] ?? '../.cache/sets/test'), Number(values.images));

// The page: the extension's own decode and model modules, and the crops.
const PAGE_JS = `
import { decodeToPixels } from './src/engine/browser.js';
import { loadModel } from './src/engine/model.js';

let model;
const S = ${S};
const logit = (p) => Math.log(Math.max(p, 1e-7) / Math.max(1 - p, 1e-7));

/** The native size and five S x S crops (centre, then the corners) as Float32 RGB 0..255; crops null if the image is too small. */
async function nativeCrops(bytes, type) {
  const bitmap = await createImageBitmap(new Blob([bytes], { type }), {
    imageOrientation: 'from-image', premultiplyAlpha: 'none', colorSpaceConversion: 'none',
  });
  const { width, height } = bitmap;
  if (Math.min(width, height) < S) return bitmap.close(), { width, height, crops: null };
  const ctx = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, height);
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  const { data } = ctx.getImageData(0, 0, width, height);
  const origins = [[(width - S) >> 1, (height - S) >> 1], [0, 0], [width - S, 0], [0, height - S], [width - S, height - S]];
  const crops = origins.map(([x0, y0]) => {
    const out = new Float32Array(S * S * 3);
    for (let y = 0; y < S; y++) {
      for (let x = 0, i = ((y0 + y) * width + x0) * 4, o = y * S * 3; x < S; x++, i += 4, o += 3) {
        out[o] = data[i]; out[o + 1] = data[i + 1]; out[o + 2] = data[i + 2];
      }
    }
    return out;
  });
  return { width, height, crops };
}

window.setup = async () => {
  model = await loadModel({ card: ${JSON.stringify(card)}, modelUrl: location.origin + '/model/${modelPath}', wasmUrls: location.origin + '/wasm/', allowGpu: false });
  return model.backend;
};

window.measure = async (url) => {
  const response = await fetch(url);
  const bytes = await response.arrayBuffer();
  const type = response.headers.get('content-type') || '';
  let t = performance.now();
  const pixels = await decodeToPixels(bytes, type, S);
  const resized = { decodeMs: performance.now() - t };
  t = performance.now();
  resized.probability = await model.predict(pixels);
  resized.modelMs = performance.now() - t;
  t = performance.now();
  const { width, height, crops } = await nativeCrops(bytes, type);
  if (!crops) return { width, height, skipped: true, resized };
  const native = { decodeMs: performance.now() - t, probabilities: [] };
  t = performance.now();
  for (const crop of crops) native.probabilities.push(await model.predict(crop));
  native.modelMs = performance.now() - t;
  native.probability = 1 / (1 + Math.exp(-native.probabilities.reduce((s, p) => s + logit(p), 0) / crops.length));
  return { width, height, resized, native };
};
`;
const bundled = await build({
  stdin: { contents: PAGE_JS, resolveDir: ROOT, sourcefile: 'bench-views-page.js' },
  bundle: true, format: 'iife', target: ['chrome120'], write: false, logLevel: 'warning',
});

// One local server for the page, its script, the wasm files, the model and the images.
const WASM_DIR = join(ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
const tfjsDir = dirname(modelPath);
const routes = new Map([
  ['/', Buffer.from('<!doctype html><meta charset="utf-8"><title>bench views</title><script src="/page.js"></script>')],
  ['/page.js', Buffer.from(bundled.outputFiles[0].text)],
  ['/model/card.json', join(modelDir, 'card.json')],
  ...readdirSync(join(modelDir, tfjsDir)).map((f) => [`/model/${tfjsDir}/${f}`, join(modelDir, tfjsDir, f)]),
  ...readdirSync(WASM_DIR).filter((f) => f.endsWith('.wasm')).map((f) => [`/wasm/${f}`, join(WASM_DIR, f)]),
  ...images.map(({ file }, k) => [`/img/${k}${extname(file)}`, file]),
]);
const TYPES = { '': 'text/html', '.js': 'text/javascript', '.json': 'application/json', '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.png': 'image/png', '.webp': 'image/webp' };
const server = createServer((req, res) => {
  const path = new URL(req.url, 'http://x').pathname;
  const body = routes.get(path);
  if (!body) return res.writeHead(404).end();
  res.writeHead(200, { 'content-type': TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream' });
  res.end(typeof body === 'string' ? readFileSync(body) : body);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}`;

// launchChromium loads an extension; a do-nothing one keeps the launch as in the other benches.
const load = loadavg()[0];
const browser = await launchChromium(emptyExtension());
const runs = [];
let backend, chromium;
try {
  const page = await browser.context.newPage();
  await page.goto(`${base}/`);
  backend = await page.evaluate(() => window.setup());
  chromium = await page.evaluate(async () => (await navigator.userAgentData.getHighEntropyValues(['uaFullVersion'])).uaFullVersion);
  await page.evaluate((url) => window.measure(url), `${base}/img/0${extname(images[0].file)}`); // warm-up, not counted
  for (let k = 0; k < images.length; k++) {
    const run = await page.evaluate((url) => window.measure(url), `${base}/img/${k}${extname(images[k].file)}`);
    runs.push({ image: basename(images[k].file), label: images[k].label, ...run });
  }
} finally {
  await browser.close();
  server.closeAllConnections();
  server.close();
}

const measured = runs.filter((r) => !r.skipped);
const shortSides = runs.map((r) => Math.min(r.width, r.height)).sort((a, b) => a - b);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x) => Math.round(x * 10) / 10;
const row = (pick) => ({
  decode_ms: round(median(measured.map((r) => pick(r).decodeMs))),
  model_ms: round(median(measured.map((r) => pick(r).modelMs))),
  total_ms: round(median(measured.map((r) => pick(r).decodeMs + pick(r).modelMs))),
});
const secondLook = (r) => ({ decodeMs: r.resized.decodeMs + r.native.decodeMs, modelMs: r.resized.modelMs + r.native.modelMs });
const results = {
  model: modelDir, model_version: card.version, input_size: S, backend, chromium,
  machine: `${cpus().length} CPU cores, load average ${load.toFixed(1)} at the start`, date: new Date().toISOString(),
  images: runs.length, skipped_short_side_below_input: runs.length - measured.length,
  resized_view: row((r) => r.resized), five_native_crops: row((r) => r.native), second_look: row(secondLook),
};
results.ratio_crops_to_resized = round(results.five_native_crops.total_ms / results.resized_view.total_ms);
results.ratio_second_look_to_resized = round(results.second_look.total_ms / results.resized_view.total_ms);
results.per_image = runs;
writeFileSync(join(ROOT, 'build/bench-views.json'), `${JSON.stringify(results, null, 2)}\n`);

const line = (name, r, ratio) => `| ${name} | ${r.decode_ms} ms | ${r.model_ms} ms | ${r.total_ms} ms | ${ratio}× |`;
console.log(`
| per image, median of ${measured.length} (${backend}, ${S} px model) | decode + resize or crops | model | total | vs resized view |
|---|---|---|---|---|
${line('resized view (what the extension does): 1 model call', results.resized_view, '1.0')}
${line('five native crops (centre + 4 corners): 5 model calls, logits averaged', results.five_native_crops, results.ratio_crops_to_resized)}
${line('second look: resized view + five crops, 6 model calls', results.second_look, results.ratio_second_look_to_resized)}

| image | label | probability, resized view | probability, five crops |
|---|---|---|---|
${measured.map((r) => `| ${r.image} | ${r.label} | ${r.resized.probability.toFixed(3)} | ${r.native.probability.toFixed(3)} |`).join('\n')}

Chromium ${chromium}, ${results.machine}; images ${shortSides[0]} to ${shortSides.at(-1)} px on the short side, ${results.skipped_short_side_below_input} skipped (below ${S} px).`);

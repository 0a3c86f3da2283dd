// npm run score -- [--model DIR] FILES...
//
// Scores image files through the exact in-browser pipeline (the extension's fetch, decode,
// resize, crop and TF.js wasm model) in headless Chromium, and prints one JSON line per file:
//   {"path": ..., "probability_ai": ..., "verdict": ..., "ms": ..., "backend": ...}
// Compare with Python: `.venv/bin/aiorhuman-predict` or bundle.load_bundle(...).predict_bytes.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, buildFor, launchChromium, serveFiles } from './chromium-session.mjs';

const { values, positionals } = parseArgs({ options: { model: { type: 'string' } }, allowPositionals: true });
if (positionals.length === 0) {
  console.error('usage: npm run score -- [--model DIR] FILES...');
  process.exit(2);
}
const modelDir = resolve(ROOT, values.model ?? process.env.AIORHUMAN_MODEL ?? '../models/default');
const files = positionals.map((f) => resolve(process.env.INIT_CWD ?? process.cwd(), f));
const dirs = buildFor(modelDir, 'score');
const server = await serveFiles(files);
const browser = await launchChromium(dirs.chrome);
let failed = 0;
try {
  for (let i = 0; i < files.length; i++) {
    const r = await browser.worker.evaluate((url) => globalThis.aiorhumanTest.score(url), `${server.url}/f/${i}`);
    const line = r.status === 'ok'
      ? { path: positionals[i], probability_ai: r.probability, verdict: r.verdict, ms: Math.round(r.ms * 10) / 10, backend: r.backend }
      : { path: positionals[i], error: r.reason, message: r.message };
    if (r.status !== 'ok') failed++;
    console.log(JSON.stringify(line));
  }
} finally {
  await browser.close();
  await server.close();
}
process.exit(failed ? 1 : 0);

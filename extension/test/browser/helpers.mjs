// Shared pieces of the browser tests: test material, builds, HTTP servers, browsers.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const REPO = resolve(ROOT, '..');
export const PYTHON =
  process.env.AIORHUMAN_PYTHON ?? (existsSync(join(REPO, '.venv/bin/python')) ? join(REPO, '.venv/bin/python') : 'python3');
export const PREPARED = join(ROOT, 'build/prepared');
export const IMAGES = join(PREPARED, 'images');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

/**
 * How far the browser's probability may lie from Python's for the same bytes and bundle, by
 * the bundle's TF.js weights: float32 ones agree to about 1e-6; float16 ones (the shipped
 * bundle) moved the shipped model's probabilities by up to 0.016 over the benchmark's photos.
 */
export const TOLERANCES = { none: 0.01, float16: 0.02 };

/**
 * The browser's result for image `name` agrees with Python's (`scores`: prepare()'s): the same
 * probability within the bundle's tolerance, and the same verdict unless Python's probability
 * lies within that tolerance of an edge of the unsure band.
 */
export function expectPython(state, name, scores) {
  const python = scores.scores[name];
  assert.ok(python, `no Python score for ${name}`);
  assert.equal(state?.state, 'done', `${name}: ${JSON.stringify(state)}`);
  const tolerance = TOLERANCES[scores.quantization];
  assert.ok(tolerance, `no tolerance for ${scores.quantization} weights`);
  assert.ok(
    Math.abs(state.probability - python.probability_ai) <= tolerance,
    `${name}: browser ${state.probability} vs Python ${python.probability_ai}`,
  );
  const nearEdge = scores.unsure_band.some((edge) => Math.abs(python.probability_ai - edge) <= tolerance);
  if (!nearEdge) assert.equal(state.verdict, python.verdict, name);
}

/**
 * Test images, a bundle and Python's scores (test/prepare.py), then the test builds.
 * AIORHUMAN_TEST_BUNDLE=DIR tests a real bundle instead of the tiny random one.
 */
export function prepare() {
  const bundle = process.env.AIORHUMAN_TEST_BUNDLE ? resolve(process.env.AIORHUMAN_TEST_BUNDLE) : null;
  const scoresPath = join(PREPARED, 'scores.json');
  const fresh =
    existsSync(scoresPath) &&
    JSON.parse(readFileSync(scoresPath, 'utf8')).bundle === (bundle ?? join(PREPARED, 'bundle')) &&
    statSync(scoresPath).mtimeMs > statSync(join(ROOT, 'test/prepare.py')).mtimeMs;
  if (!fresh) {
    const args = [join(ROOT, 'test/prepare.py'), PREPARED];
    if (bundle) args.push('--bundle', bundle);
    execFileSync(PYTHON, args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' } });
  }
  const scores = JSON.parse(readFileSync(scoresPath, 'utf8'));
  execFileSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--test', '--quiet', '--model', scores.bundle], {
    stdio: 'inherit',
  });
  return { scores, chromeDir: join(ROOT, 'build/test-chrome'), firefoxDir: join(ROOT, 'build/test-firefox') };
}

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.jpg': 'image/jpeg',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.bmp': 'image/bmp',
  '.svg': 'image/svg+xml',
  '.webp': 'image/webp',
  '.json': 'application/json',
};

/**
 * An HTTP server on 127.0.0.1: /img/NAME serves test images (from `dir`, by default the
 * prepared ones), /pages/NAME serves `pages[NAME]`. Image requests are counted
 * (`server.hits`). Returns {url, close, hits}.
 */
export async function serve(pages = {}, { dir = IMAGES } = {}) {
  const hits = new Map();
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (path.startsWith('/pages/') && pages[path.slice(7)] !== undefined) {
      res.writeHead(200, { 'content-type': TYPES['.html'], 'cache-control': 'no-store' });
      res.end(pages[path.slice(7)]);
      return;
    }
    if (path.startsWith('/img/')) {
      const file = join(dir, path.slice(5).replace(/[^\w.-]/g, ''));
      if (existsSync(file)) {
        const slow = path.includes('slow');
        const send = () => {
          res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
          res.end(readFileSync(file));
        };
        if (slow) setTimeout(send, 500);
        else send();
        return;
      }
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    hits,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
  };
}

/** Wait for `fn()` to return a truthy value, polling; throws after `timeoutMs`. */
export async function waitFor(fn, { timeoutMs = 30000, intervalMs = 100, what = 'condition' } = {}) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    last = await fn();
    if (last) return last;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
}

/** Launch Chromium with the unpacked extension; returns {context, worker, extensionId, close}. */
export async function launchChromium(extensionDir, { headless = true, viewport = { width: 1100, height: 800 } } = {}) {
  const { chromium } = await import('playwright-core');
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const profile = mkdtempSync(join(tmpdir(), 'aiorhuman-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless,
    viewport,
    ignoreDefaultArgs: ['--disable-extensions'],
    args: [
      `--disable-extensions-except=${extensionDir}`,
      `--load-extension=${extensionDir}`,
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    timeout: 30000,
  });
  let worker;
  try {
    worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 15000 }));
  } catch (error) {
    await context.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
  const extensionId = new URL(worker.url()).host;
  return {
    context,
    worker,
    extensionId,
    close: async () => {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Launch Firefox (headless unless told, puppeteer-core over WebDriver BiDi) with the extension installed;
 * returns puppeteer's browser. Firefox 140 has no viewport emulation (page.setViewport fails
 * there), so the window itself gets the size and puppeteer emulates none.
 */
export async function launchFirefox(extensionDir, { width = 1100, height = 800, devtools = false, headless = true } = {}) {
  const { default: puppeteer } = await import('puppeteer-core');
  const port = devtools ? await freePort() : null;
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless,
    defaultViewport: null,
    args: ['-width', String(width), '-height', String(height), ...(port ? ['-start-debugger-server', String(port)] : [])],
    // -start-debugger-server needs both devtools prefs (Firefox's DevToolsStartup checks them).
    extraPrefsFirefox: port
      ? { 'devtools.chrome.enabled': true, 'devtools.debugger.remote-enabled': true, 'devtools.debugger.prompt-connection': false }
      : {},
    protocolTimeout: 60000,
    timeout: 60000,
  });
  try {
    const id = await browser.installExtension(extensionDir);
    if (port) browser.extensionPages = await firefoxExtensionPages(port, id);
  } catch (error) {
    await browser.close().catch(() => {});
    throw error;
  }
  return browser;
}

async function freePort() {
  const { createServer: netServer } = await import('node:net');
  return new Promise((resolvePort) => {
    const probe = netServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolvePort(port));
    });
  });
}

/**
 * The extension's own pages in Firefox, through its remote debugging protocol (what
 * about:debugging's "Inspect" uses): WebDriver BiDi neither opens nor scripts moz-extension://
 * pages, so tests reach the options page and the popup this way. Returns
 * {evaluate(page, js), open(path), screenshot(page, file, rect), closePage(page), close()}, `page` a RegExp on the
 * page's URL ("options/options.html", "_generated_background_page.html").
 */
export async function firefoxExtensionPages(port, addonId) {
  const { createConnection } = await import('node:net');
  const { writeFileSync } = await import('node:fs');
  // The server may take a moment to listen after the browser starts.
  let socket = null;
  for (const end = Date.now() + 20000; !socket; ) {
    const attempt = createConnection({ port, host: '127.0.0.1' });
    const connected = await new Promise((r) => attempt.once('connect', () => r(true)).once('error', () => r(false)));
    if (connected) socket = attempt;
    else {
      attempt.destroy();
      if (Date.now() > end) throw new Error(`Firefox's debugger server never listened on port ${port}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  let buffer = Buffer.alloc(0);
  const waiting = [];
  const unclaimed = [];
  socket.on('data', (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const colon = buffer.indexOf(58);
      if (colon < 1) return;
      const length = Number(buffer.subarray(0, colon).toString());
      if (buffer.length < colon + 1 + length) return;
      const packet = JSON.parse(buffer.subarray(colon + 1, colon + 1 + length).toString());
      buffer = buffer.subarray(colon + 1 + length);
      const i = waiting.findIndex((w) => w.match(packet));
      if (i >= 0) waiting.splice(i, 1)[0].resolve(packet);
      else unclaimed.push(packet);
    }
  });
  socket.on('error', () => {});
  const next = (match, timeoutMs = 30000) => {
    const j = unclaimed.findIndex(match);
    if (j >= 0) return Promise.resolve(unclaimed.splice(j, 1)[0]);
    return new Promise((resolve, reject) => {
      const entry = { match, resolve };
      waiting.push(entry);
      setTimeout(() => {
        const k = waiting.indexOf(entry);
        if (k >= 0) {
          waiting.splice(k, 1);
          reject(new Error('no answer from Firefox\'s remote debugging protocol'));
        }
      }, timeoutMs).unref();
    });
  };
  const EVENTS = new Set(['evaluationResult', 'target-available-form', 'target-destroyed-form', 'resources-available-array',
    'resources-updated-array', 'resources-destroyed-array', 'frameUpdate', 'tabNavigated', 'descriptor-destroyed']);
  const request = async (to, type, extra = {}) => {
    const text = JSON.stringify({ to, type, ...extra });
    socket.write(`${Buffer.byteLength(text)}:${text}`);
    const reply = await next((p) => p.from === to && !EVENTS.has(p.type));
    if (reply.error) throw new Error(`${type}: ${reply.error} ${reply.message ?? ''}`);
    return reply;
  };
  await next((p) => p.from === 'root' && p.applicationType);
  const root = await request('root', 'getRoot');
  const { addons } = await request('root', 'listAddons');
  const addon = addons.find((a) => a.id === addonId);
  if (!addon) throw new Error(`${addonId} not among the add-ons the debugger lists`);
  const watcher = await request(addon.actor, 'getWatcher', { isServerTargetSwitchingEnabled: true });
  await request(watcher.actor, 'watchTargets', { targetType: 'frame' });
  const targets = () => {
    const live = new Map();
    for (const p of unclaimed) {
      if (p.type === 'target-available-form') live.set(p.target.actor, p.target);
      if (p.type === 'target-destroyed-form') live.delete(p.target.actor);
    }
    return [...live.values()];
  };
  const target = (page) =>
    waitFor(() => targets().findLast((t) => page.test(t.url)), { what: `an extension page matching ${page}` });

  async function evaluate(page, js) {
    const { consoleActor } = await target(page);
    // mapped.await: a promise is awaited, as the console's top-level await does.
    const { resultID } = await request(consoleActor, 'evaluateJSAsync', { text: js, mapped: { await: true } });
    const answer = await next((p) => p.type === 'evaluationResult' && p.resultID === resultID, 60000);
    if (answer.hasException) throw new Error(`${page}: ${answer.exceptionMessage}`);
    return answer.result;
  }
  return {
    evaluate,
    /** Open an extension page in a tab, as the extension itself does (tabs.create). */
    async open(path) {
      await evaluate(/_generated_background_page\.html/, `browser.tabs.create({ url: browser.runtime.getURL(${JSON.stringify(path)}) }).then(() => 1)`);
      return target(new RegExp(path.split('?')[0].replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    },
    /** Save a PNG of an open extension page (the devtools screenshot actor). */
    async screenshot(page, file, rect = null) {
      const { browsingContextID } = await target(page);
      const args = { browsingContextID, fullpage: false, disableFlash: true, snapshotScale: 1, ...(rect ? { rect } : {}) };
      const { value } = await request(root.screenshotActor, 'capture', { args });
      const data = value?.data ?? '';
      if (!data.startsWith('data:image/png;base64,')) throw new Error(`no screenshot of ${page}: ${JSON.stringify(value).slice(0, 200)}`);
      writeFileSync(file, Buffer.from(data.slice(22), 'base64'));
    },
    /** Close the tab of an open extension page. */
    async closePage(page) {
      const id = await evaluate(page, 'browser.tabs.getCurrent().then((t) => t.id)');
      await evaluate(/_generated_background_page\.html/, `browser.tabs.remove(${Number(id)}).then(() => 1)`);
    },
    close: () => socket.destroy(),
  };
}

/** Page HTML with the given body. */
export function html(body, title = 'test page') {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title>
<style>body{font:14px sans-serif;margin:16px} img{margin:6px;vertical-align:top}</style></head><body>${body}</body></html>`;
}

/** Read the state the test build mirrors on each image: [{id, state, verdict, probability}]. */
/**
 * The content script's own task timings in a page of a test build (src/content/tasks.js):
 * {tasks, totalMs, longestMs, overLimit, limitMs}; null if it did not answer within `timeoutMs`.
 */
export function contentTasks(page, timeoutMs = 5000) {
  return page.evaluate((ms) => new Promise((resolve) => {
    const id = `tasks-${Math.random()}`;
    const timer = setTimeout(() => resolve(null), ms);
    addEventListener('message', function listen(event) {
      if (event.data?.aiorhumanTestResult !== id) return;
      removeEventListener('message', listen);
      clearTimeout(timer);
      resolve(JSON.parse(event.data.value));
    });
    window.postMessage({ aiorhumanTest: 'tasks', id }, '*');
  }), timeoutMs);
}

export function readStates(page) {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll('[data-test-id]'), (el) => ({
      id: el.dataset.testId,
      state: el.dataset.aiorhumanState ?? null,
      verdict: el.dataset.aiorhumanVerdict ?? null,
      probability: el.dataset.aiorhumanProbability === undefined ? null : Number(el.dataset.aiorhumanProbability),
      reason: el.dataset.aiorhumanReason ?? null,
      source: el.dataset.aiorhumanSource ?? null,
    })),
  );
}

/**
 * Start the real server (`python -m aiorhuman.server`, the same program as `aiorhuman-serve`) on a free
 * port with one API key (and any further flags). Resolves once /healthz answers; returns
 * {url, key, stop}.
 */
export async function startModelServer(bundleDir, { key = 'test-key-123', args = [] } = {}) {
  const { spawn } = await import('node:child_process');
  const { createServer: netServer } = await import('node:net');
  const port = await new Promise((resolvePort) => {
    const probe = netServer().listen(0, '127.0.0.1', () => {
      const { port: p } = probe.address();
      probe.close(() => resolvePort(p));
    });
  });
  const child = spawn(PYTHON, ['-m', 'aiorhuman.server', '--model', bundleDir, '--port', String(port), '--api-keys', key, ...args, ...(process.env.AIORHUMAN_TEST_DEV_SERVER ? ['--dev'] : [])], {
    cwd: REPO,
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3', PYTHONPATH: REPO },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const stop = () =>
    new Promise((r) => {
      if (child.exitCode !== null) return r();
      child.once('exit', r);
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 10000).unref();
    });
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`server exited: ${stderr}`);
        return fetch(`${url}/healthz`).then((r) => r.ok, () => false);
      },
      { timeoutMs: 90000, intervalMs: 300, what: 'the model server' },
    );
    // The first prediction traces the model's graph: do it now, so the extension's 15 s
    // request timeout only ever sees a warm server (this machine may be busy).
    const warm = await fetch(`${url}/v1/predict`, {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg', authorization: `Bearer ${key}` },
      body: readFileSync(join(IMAGES, 'chelsea.jpg')),
      signal: AbortSignal.timeout(120000),
    });
    if (!warm.ok) throw new Error(`warm-up prediction failed: ${warm.status} ${await warm.text()}`);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, key, stop };
}

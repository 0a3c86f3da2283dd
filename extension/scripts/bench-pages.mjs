// npm run bench:pages -- [--model DIR] [--browsers chromium,firefox]
//
// The extension on real pages, per browser, printed as a table and saved to
// build/bench-pages.json (a script, not a test: these are timings):
//  1. first screen of a 50-photo news page badged (every photo on screen carries its badge),
//     cold (fresh browser), warm (model loaded, other photos) and after the browser idled
//     45 s with no page open (browsers unload an idle extension background: the model must
//     load again), release build;
//  2. images per second on a 500-image page (the first 500 photos of
//     ../shared/datasets/webmix-dev/train_data, else the prepared photos), scrolled a screen at a
//     time once the screen is done, test build (it counts verdicts);
//  3. main-thread stalls over 50 ms on that page with and without the extension: a 10 ms timer
//     chain in the page that records how late it fires (Firefox has no 'longtask' entries;
//     Chromium's 'longtask' entries are recorded too); and the content script's own longest
//     task, timed by the test build itself (src/content/tasks.js) in both browsers;
//     The same page once more in the same browser, every verdict now cached: the content
//     script does all its page work while the model is idle, so stalls left are the page's.
//  4. memory, after the 500-image page: Chromium, the extension's processes (service worker,
//     offscreen document); Firefox, its extension process (the one it names "WebExtensions").
//     Both are resident set sizes, including the shared libraries those processes map.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from './chromium-session.mjs';
import { CHROMIUM, FIREFOX, contentTasks, html, launchChromium, launchFirefox, serve, PREPARED } from '../test/browser/helpers.mjs';

const { values } = parseArgs({ options: { model: { type: 'string' }, browsers: { type: 'string', default: 'chromium,firefox' } } });
const modelDir = resolve(ROOT, values.model ?? process.env.AIORHUMAN_MODEL ?? '../models/default');
const WEBMIX = resolve(ROOT, '../../shared/datasets/webmix-dev/train_data');
const photosDir = existsSync(WEBMIX) ? WEBMIX : join(PREPARED, 'images');
const photos = readdirSync(photosDir).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort().slice(0, 500);
const prepared = join(PREPARED, 'images');
if (!existsSync(join(prepared, 'page-49.jpg'))) throw new Error('run the browser tests once first (they prepare the photos)');

const build = (out, test) =>
  execFileSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--quiet', '--model', modelDir, '--out', out, ...(test ? ['--test'] : [])], { stdio: 'inherit' });
const releaseOut = join(ROOT, 'build/bench-release');
const testOut = join(ROOT, 'build/bench-test');
build(releaseOut, false);
build(testOut, true);
const dirs = {
  chromium: { release: join(releaseOut, 'chrome'), test: join(testOut, 'test-chrome') },
  firefox: { release: join(releaseOut, 'firefox'), test: join(testOut, 'test-firefox') },
};

const newsImages = await serve({}, { dir: prepared });
const bigImages = await serve({}, { dir: photosDir });
const pages = {};
const site = await serve(pages);
const news = (from) => html(`<style>article{display:inline-block;width:330px;margin:4px} article img{width:320px;height:213px;margin:0}</style>
${Array.from({ length: 50 }, (_, k) => `<article><img data-test-id="n${k}" src="${newsImages.url}/img/page-${String((k + from) % 50).padStart(2, '0')}.jpg?${from}"><p>Story ${k}</p></article>`).join('')}`);
pages['news-cold.html'] = news(0);
pages['news-warm.html'] = news(25);
pages['news-idle.html'] = news(10);
const IDLE_MS = 45000;
pages['grid.html'] = html(`<style>img{width:130px;height:100px;object-fit:cover;margin:2px}</style>
${photos.map((f, k) => `<img data-test-id="g${k}" src="${bigImages.url}/img/${f}">`).join('')}`);

const MONITOR = `window.__stalls = []; window.__longTasks = [];
(() => { let due = performance.now() + 10; const tick = () => { const now = performance.now(); if (now - due > 50) window.__stalls.push(Math.round(now - due)); due = now + 10; setTimeout(tick, 10); }; setTimeout(tick, 10); })();
try { new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__longTasks.push(Math.round(e.duration)); }).observe({ type: 'longtask', buffered: true }); } catch {}`;

/** A browser with `dir` installed (or none): {newPage, close, pids}. */
async function start(kind, dir) {
  if (kind === 'chromium') {
    const b = await launchChromium(dir ?? emptyExtension());
    return { newPage: () => b.context.newPage(), close: b.close, init: (p) => p.addInitScript(MONITOR) };
  }
  const b = dir ? await launchFirefox(dir) : await (await import('puppeteer-core')).default.launch({ browser: 'firefox', executablePath: process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr', headless: true, defaultViewport: null, args: ['-width', '1100', '-height', '800'] });
  return { newPage: () => b.newPage(), close: () => b.close(), init: (p) => p.evaluateOnNewDocument(MONITOR) };
}

function emptyExtension() {
  const dir = join(ROOT, 'build/bench/empty-extension');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ manifest_version: 3, name: 'empty', version: '1', background: { service_worker: 'sw.js' } }));
  writeFileSync(join(dir, 'sw.js'), '');
  return dir;
}

/** ms from navigation until every photo on the first screen carries a badge (release build). */
async function firstScreen(b, name) {
  const page = await b.newPage();
  const t0 = Date.now();
  await page.goto(`${site.url}/pages/${name}`);
  for (;;) {
    const done = await page.evaluate(() => {
      const shown = [...document.images].filter((el) => el.getBoundingClientRect().bottom <= innerHeight);
      return shown.length > 0 && shown.every((el) => {
        const r = el.getBoundingClientRect();
        return document.elementFromPoint(r.left + 12, r.top + 10)?.localName === 'aiorhuman-overlay';
      });
    });
    if (done) break;
    if (Date.now() - t0 > 180000) throw new Error(`${name}: first screen not badged in 180 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const ms = Date.now() - t0;
  await page.close();
  return ms;
}

/** The 500-image grid, a screen at a time: {seconds, done, perSecond, stalls, longTasks, verdicts}. */
async function grid(b, withExtension) {
  const page = await b.newPage();
  await b.init(page);
  const t0 = Date.now();
  await page.goto(`${site.url}/pages/grid.html`);
  if (!withExtension) {
    await page.evaluate(async () => {
      for (let y = 0; y < document.body.scrollHeight; y += innerHeight) {
        scrollTo(0, y);
        await new Promise((r) => setTimeout(r, 400));
      }
    });
  } else {
    for (;;) {
      const s = await page.evaluate(() => {
        const final = (el) => ['done', 'skipped'].includes(el.dataset.aiorhumanState);
        const onScreen = [...document.images].filter((el) => { const r = el.getBoundingClientRect(); return r.bottom > 0 && r.top < innerHeight; });
        return { all: [...document.images].every(final), screen: onScreen.every(final), end: scrollY + innerHeight >= document.body.scrollHeight - 2 };
      });
      if (s.all) break;
      if (s.screen && !s.end) await page.evaluate(() => scrollBy(0, innerHeight));
      if (Date.now() - t0 > 480000) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const seconds = (Date.now() - t0) / 1000;
  const tasks = withExtension ? await contentTasks(page) : null;
  const out = await page.evaluate(() => ({
    stalls: window.__stalls,
    longTasks: window.__longTasks,
    longTaskApi: PerformanceObserver.supportedEntryTypes.includes('longtask'),
    verdicts: Object.fromEntries([...document.images].map((el) => [el.dataset.testId, el.dataset.aiorhumanVerdict ?? el.dataset.aiorhumanReason ?? null])),
  }));
  await page.close();
  const done = Object.values(out.verdicts).filter((v) => v).length;
  return { seconds, done, perSecond: Math.round((done / seconds) * 10) / 10, tasks, ...out };
}

/** Resident memory (MB) of the processes whose command line (and process name) match. */
function rssOf(match) {
  let kb = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const name = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      if (!match(cmd, name)) continue;
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return Math.round(kb / 1024);
}

/** "Chromium 156.0.8078.114", "Mozilla Firefox 153.8.0esr": what `--version` prints. */
function versionOf(executable) {
  return execFileSync(executable, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')[0].replace(/ built on .*/, '').trim();
}

const results = { model: modelDir, photos: photosDir, date: new Date().toISOString(), browsers: {} };
for (const kind of values.browsers.split(',')) {
  const r = { version: versionOf(kind === 'chromium' ? CHROMIUM : FIREFOX) };
  let b = await start(kind, dirs[kind].release);
  try {
    r.firstScreenColdMs = await firstScreen(b, 'news-cold.html');
    r.firstScreenWarmMs = await firstScreen(b, 'news-warm.html');
    await new Promise((resolveIdle) => setTimeout(resolveIdle, IDLE_MS));
    r.firstScreenAfterIdleMs = await firstScreen(b, 'news-idle.html');
  } finally {
    await b.close();
  }
  b = await start(kind, dirs[kind].test);
  try {
    r.grid = await grid(b, true);
    r.extensionMemoryMb = kind === 'chromium'
      ? rssOf((c) => c.includes('chromium') && c.includes('--extension-process'))
      : rssOf((c, name) => c.includes('firefox') && name === 'WebExtensions');
    r.gridCached = await grid(b, true);
  } finally {
    await b.close();
  }
  b = await start(kind, null);
  try {
    r.gridWithout = await grid(b, false);
  } finally {
    await b.close();
  }
  results.browsers[kind] = r;
  const g = r.grid;
  console.error(`${r.version}: cached stalls ${JSON.stringify(r.gridCached.stalls)}; first screen ${r.firstScreenColdMs} / ${r.firstScreenWarmMs} / after idle ${r.firstScreenAfterIdleMs} ms; ${g.done}/${photos.length} in ${g.seconds} s (${g.perSecond}/s); stalls ${JSON.stringify(g.stalls)} vs ${JSON.stringify(r.gridWithout.stalls)}; long tasks ${JSON.stringify(g.longTasks)} vs ${JSON.stringify(r.gridWithout.longTasks)}; content-script tasks ${JSON.stringify(g.tasks)}, cached ${JSON.stringify(r.gridCached.tasks)}; memory ${r.extensionMemoryMb} MB`);
}
await Promise.all([newsImages.close(), bigImages.close(), site.close()]);
mkdirSync(join(ROOT, 'build'), { recursive: true });
writeFileSync(join(ROOT, 'build/bench-pages.json'), `${JSON.stringify(results, null, 2)}\n`);
const kinds = Object.keys(results.browsers);
const row = (label, f) => `| ${label} | ${kinds.map((k) => f(results.browsers[k])).join(' | ')} |`;
const worst = (xs) => (xs.length ? `${xs.length} (max ${Math.max(...xs)} ms)` : '0');
if (kinds.length === 2) {
  const [a, b] = kinds.map((k) => results.browsers[k].grid.verdicts);
  const differ = Object.keys(a).filter((id) => a[id] !== b[id]);
  console.log(`verdicts differing between browsers on the 500-image page: ${differ.length}${differ.length ? ` (${differ.slice(0, 10).join(', ')})` : ''}`);
}
console.log(`
| measure | ${kinds.map((k) => results.browsers[k].version).join(' | ')} |
|---|${kinds.map(() => '---').join('|')}|
${row('first screen of the 50-photo page badged, cold', (r) => `${(r.firstScreenColdMs / 1000).toFixed(1)} s`)}
${row('first screen, warm', (r) => `${(r.firstScreenWarmMs / 1000).toFixed(1)} s`)}
${row(`first screen after ${IDLE_MS / 1000} s with no page open`, (r) => `${(r.firstScreenAfterIdleMs / 1000).toFixed(1)} s`)}
${row(`500-image page: images scored`, (r) => `${r.grid.done} in ${r.grid.seconds.toFixed(0)} s, ${r.grid.perSecond}/s`)}
${row('main-thread stalls > 50 ms, with the extension', (r) => worst(r.grid.stalls))}
${row('the same, every verdict cached (the content script alone)', (r) => worst(r.gridCached.stalls))}
${row('the same without the extension', (r) => worst(r.gridWithout.stalls))}
${row('the content script\'s longest task (its own timing) / tasks over 50 ms', (r) => `${r.grid.tasks?.longestMs} ms / ${r.grid.tasks?.overLimit} of ${r.grid.tasks?.tasks}`)}
${row('the same, every verdict cached', (r) => `${r.gridCached.tasks?.longestMs} ms / ${r.gridCached.tasks?.overLimit} of ${r.gridCached.tasks?.tasks}`)}
${row("'longtask' entries with / cached / without", (r) => (r.grid.longTaskApi ? `${worst(r.grid.longTasks)} / ${worst(r.gridCached.longTasks)} / ${worst(r.gridWithout.longTasks)}` : 'no such API'))}
${row("memory of the extension's process(es)", (r) => `${r.extensionMemoryMb} MB`)}
`);

// The release build: no test hooks inside, store zips made, `web-ext lint` without errors, and
// in both browsers it badges the first screen of the news page (pages.mjs) without scrolling.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, launchChromium, launchFirefox, prepare, serve, waitFor } from './helpers.mjs';
import { pageSet } from './pages.mjs';

const HOOKS = ['aiorhumanTest', 'test:context-menu', 'test:score', 'test:provenance', 'aiorhumanState', 'TEST_BUILD'];

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

/**
 * The release build in Chromium and in Firefox: every photo on the news page's first screen
 * gets a badge (the overlay is at its corner; the release build mirrors no state).
 */
async function firstScreenBadged(chromeDir, firefoxDir) {
  const images = await serve();
  const pages = {};
  const site = await serve(pages);
  Object.assign(pages, pageSet(images.url, site.url));
  const badged = (page) => page.evaluate(() => {
    const shown = [...document.querySelectorAll('[data-test-id]')].filter((el) => el.getBoundingClientRect().bottom <= innerHeight);
    return shown.length >= 6 && shown.every((el) => {
      const r = el.getBoundingClientRect();
      return document.elementFromPoint(r.left + 12, r.top + 10)?.localName === 'aiorhuman-overlay';
    });
  });
  try {
    const chromium = await launchChromium(chromeDir);
    try {
      const page = await chromium.context.newPage();
      await page.goto(`${site.url}/pages/news.html`);
      await waitFor(() => badged(page), { timeoutMs: 120000, what: 'the first screen badged in Chromium' });
    } finally {
      await chromium.close();
    }
    const firefox = await launchFirefox(firefoxDir);
    try {
      const page = await firefox.newPage();
      await page.goto(`${site.url}/pages/news.html`);
      await waitFor(() => badged(page), { timeoutMs: 120000, what: 'the first screen badged in Firefox' });
    } finally {
      await firefox.close().catch(() => {});
    }
  } finally {
    await images.close();
    await site.close();
  }
}

test('release build: no test hooks, zips, web-ext lint clean, first screen badged in both browsers', { timeout: 420000 }, async () => {
  const { scores, chromeDir } = prepare();
  // The test build does carry the hooks (so this test would notice if the check were broken).
  assert.match(readFileSync(join(chromeDir, 'content.js'), 'utf8'), /aiorhumanTest/);
  const out = mkdtempSync(join(tmpdir(), 'aiorhuman-release-'));
  try {
    execFileSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--quiet', '--model', scores.bundle, '--out', out]);
    for (const target of ['chrome', 'firefox']) {
      for (const file of files(join(out, target)).filter((f) => /\.(js|html)$/.test(f))) {
        const text = readFileSync(file, 'utf8');
        for (const hook of HOOKS) assert.ok(!text.includes(hook), `${file} contains ${hook}`);
      }
      assert.ok(existsSync(join(out, target, 'model/card.json')));
      assert.ok(!existsSync(join(out, target, 'model/saved_model')), 'the SavedModel is not shipped');
      // The C2PA SDK's WebAssembly ships inside the package (no CDN), with its licence.
      assert.ok(statSync(join(out, target, 'c2pa/c2pa_bg.wasm')).size > 1e6);
      assert.ok(existsSync(join(out, target, 'c2pa/LICENSE')));
    }
    assert.ok(existsSync(join(out, 'chrome/offscreen/offscreen.html')));
    assert.ok(!existsSync(join(out, 'firefox/offscreen')));
    const zips = readdirSync(out).filter((f) => f.endsWith('.zip')).sort();
    assert.deepEqual(zips, ['aiorhuman-chrome-0.1.0.zip', 'aiorhuman-firefox-0.1.0.zip']);
    for (const zip of zips) assert.ok(statSync(join(out, zip)).size <= 15e6, `${zip} over the 15 MB target`);
    const report = JSON.parse(
      execFileSync(join(ROOT, 'node_modules/.bin/web-ext'), ['lint', '--source-dir', join(out, 'firefox'), '--self-hosted', '--output', 'json'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }),
    );
    assert.equal(report.summary.errors, 0, JSON.stringify(report.errors));
    assert.equal(report.summary.warnings, 0, JSON.stringify(report.warnings));
    // Each browser's manifest holds only what that browser reads.
    const chrome = JSON.parse(readFileSync(join(out, 'chrome/manifest.json'), 'utf8'));
    assert.deepEqual(Object.keys(chrome.background), ['service_worker']);
    assert.equal(chrome.browser_specific_settings, undefined);
    const firefox = JSON.parse(readFileSync(join(out, 'firefox/manifest.json'), 'utf8'));
    assert.deepEqual(Object.keys(firefox.background), ['scripts']);
    assert.ok(!firefox.permissions.includes('offscreen'));
    // Chrome's pages are cross-origin isolated, for the threaded wasm build that ships only there.
    assert.deepEqual([chrome.cross_origin_opener_policy, chrome.cross_origin_embedder_policy], [{ value: 'same-origin' }, { value: 'require-corp' }]);
    assert.equal(firefox.cross_origin_embedder_policy, undefined);
    const threaded = ['tfjs-backend-wasm-threaded-simd.wasm', 'tfjs-backend-wasm-threaded-simd.js', 'tfjs-backend-wasm-threaded-simd.worker.js'];
    for (const file of threaded) {
      assert.ok(existsSync(join(out, 'chrome/wasm', file)), `chrome: ${file}`);
      assert.ok(!existsSync(join(out, 'firefox/wasm', file)), `firefox: ${file}`);
    }
    await firstScreenBadged(join(out, 'chrome'), join(out, 'firefox'));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

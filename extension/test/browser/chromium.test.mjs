// End to end in Chromium (playwright-core, headless): the test build of the extension on real
// pages served from 127.0.0.1, checked against Python's scores for the same image bytes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  IMAGES, ROOT, REPO, expectPython, html, launchChromium, prepare, readStates, serve, startModelServer, waitFor,
} from './helpers.mjs';

// Screenshots go to docs/screenshots/ only when asked (AIORHUMAN_SCREENSHOTS=1), so that a
// test run does not rewrite committed files; otherwise to build/screenshots/.
const SHOTS = process.env.AIORHUMAN_SCREENSHOTS ? join(REPO, 'docs/screenshots') : join(ROOT, 'build/screenshots');
const FINAL = new Set(['done', 'skipped']);

let material;
let browser;
let images; // the image origin (cross-origin for the pages)
let site; // the pages' origin
const pages = {};

async function setSettings(values) {
  await browser.worker.evaluate((v) => chrome.storage.local.set(v), values);
}

async function resetSettings() {
  await browser.worker.evaluate(() => chrome.storage.local.clear());
}

async function open(name, { until = 'all-final', timeoutMs = 60000 } = {}) {
  const page = await browser.context.newPage();
  await page.goto(`${site.url}/pages/${name}`);
  if (until === 'all-final') {
    let states = [];
    await waitFor(async () => {
      states = await readStates(page);
      return states.length > 0 && states.every((s) => FINAL.has(s.state));
    }, { timeoutMs, what: `every image of ${name} scored` }).catch((error) => {
      throw new Error(`${error.message}: ${JSON.stringify(states.filter((s) => !FINAL.has(s.state)))}`);
    });
  }
  return page;
}

const byId = (states) => Object.fromEntries(states.map((s) => [s.id, s]));

describe('Chromium', { timeout: 600000 }, () => {
  before(async () => {
    material = prepare();
    mkdirSync(SHOTS, { recursive: true });
    images = await serve();
    site = await serve(pages);
    const img = (name, attrs = '') => `<img data-test-id="${name}" src="${images.url}/img/${name}" ${attrs}>`;
    pages['formats.html'] = html(
      [
        '<h3>Photos from another origin, in several formats</h3>',
        img('chelsea.jpg', 'width="200"'),
        img('rocket.jpg', 'width="200"'),
        img('coffee-exif6.jpg', 'width="160"'),
        img('logo-alpha.png', 'width="200"'),
        img('anim.gif', 'width="200"'),
        img('motorcycle.bmp', 'width="200"'),
        img('large.jpg', 'width="200"'),
        img('wide.jpg', 'width="1000"'),
        img('tiny.png'),
        img('broken.jpg', 'width="200" height="150" alt="broken"'),
        img('drawing.svg', 'width="200"'),
      ].join('\n'),
      'Formats',
    );
    const dataUrl = `data:image/jpeg;base64,${readFileSync(join(IMAGES, 'extra-astronaut-2.jpg')).toString('base64')}`;
    pages['dynamic.html'] = html(`
<h3>srcset, picture, CSS backgrounds, data: and blob: images</h3>
<img data-test-id="srcset" width="300" src="${images.url}/img/extra-rocket-3.jpg"
     srcset="${images.url}/img/extra-coffee-0.jpg 1x, ${images.url}/img/extra-rocket-0.jpg 2x">
<picture><source media="(min-width: 600px)" srcset="${images.url}/img/extra-rocket-1.jpg">
  <img data-test-id="picture" width="300" src="${images.url}/img/extra-coffee-1.jpg"></picture>
<div data-test-id="background" style="display:inline-block;width:300px;height:200px;background:url('${images.url}/img/extra-astronaut-1.jpg') center/cover"></div>
<img data-test-id="data" width="300" src="${dataUrl}">
<img data-test-id="blob" width="300" alt="blob">
<img data-test-id="webp" width="300" src="${images.url}/img/chelsea.webp">
<div id="late"></div>
<div style="height:2500px"></div>
<img data-test-id="lazy" loading="lazy" width="300" src="${images.url}/img/extra-astronaut-0.jpg">
<script>
  fetch('/img/extra-astronaut-3.jpg').then((r) => r.blob()).then((b) => {
    document.querySelector('[data-test-id=blob]').src = URL.createObjectURL(b);
  });
  setTimeout(() => {
    const img = new Image(300);
    img.dataset.testId = 'late';
    img.src = '${images.url}/img/extra-coffee-2.jpg';
    document.getElementById('late').append(img);
  }, 400);
</script>`, 'Dynamic');
    pages['menu.html'] = html(`<h3>Right-click check (automatic badges off for this site)</h3>
${img('rocket.jpg', 'width="420"')} ${img('extra-coffee-3.jpg', 'width="300"')}`, 'Context menu');
    pages['webp.html'] = html(img('chelsea.webp', 'width="300"'), 'WebP');
    pages['plain.html'] = html(`${img('chelsea.jpg', 'width="200"')} ${img('extra-rocket-2.jpg', 'width="300"')}`, 'Plain');
    browser = await launchChromium(material.chromeDir);
  });

  after(async () => {
    await browser?.close();
    await images?.close();
    await site?.close();
  });

  test('badges on cross-origin images agree with Python; tiny, broken and SVG images are skipped', async () => {
    await resetSettings();
    const page = await open('formats.html');
    const states = byId(await readStates(page));
    for (const name of ['chelsea.jpg', 'rocket.jpg', 'coffee-exif6.jpg', 'logo-alpha.png', 'anim.gif', 'motorcycle.bmp', 'large.jpg', 'wide.jpg']) {
      expectPython(states[name], name, material.scores);
      assert.equal(states[name].source, 'local');
    }
    assert.deepEqual(
      ['tiny.png', 'broken.jpg', 'drawing.svg'].map((n) => [states[n].state, states[n].reason]),
      [['skipped', 'small'], ['skipped', 'broken'], ['skipped', 'svg']],
    );
    await page.screenshot({ path: join(SHOTS, 'badges.png') });
    await page.close();
  });

  test('the engine document is cross-origin isolated and runs the wasm backend on threads', async () => {
    // One thread per core, at most 4 (engine/model.js); a 1-core machine stays single-threaded.
    const cores = await browser.worker.evaluate(() => navigator.hardwareConcurrency);
    const result = await browser.worker.evaluate((url) => globalThis.aiorhumanTest.score(url), `${images.url}/img/chelsea.jpg`);
    assert.equal(result.status, 'ok', JSON.stringify(result));
    assert.equal(result.backend, cores > 1 ? `wasm, ${Math.min(cores, 4)} threads` : 'wasm');
  });

  test('srcset and <picture> use the displayed source; CSS backgrounds, data:, blob:, late-added and lazy images', async () => {
    await resetSettings();
    const page = await open('dynamic.html', { until: 'none' });
    const wanted = ['srcset', 'picture', 'background', 'data', 'blob', 'late', 'webp'];
    const states = await waitFor(async () => {
      const s = byId(await readStates(page));
      return wanted.every((id) => s[id]?.state === 'done') && s;
    }, { what: 'the dynamic images scored' });
    expectPython(states.srcset, 'extra-coffee-0.jpg', material.scores); // 1x at device pixel ratio 1
    expectPython(states.picture, 'extra-rocket-1.jpg', material.scores); // <source> matches a 1100 px window
    expectPython(states.background, 'extra-astronaut-1.jpg', material.scores);
    expectPython(states.data, 'extra-astronaut-2.jpg', material.scores);
    expectPython(states.blob, 'extra-astronaut-3.jpg', material.scores);
    expectPython(states.late, 'extra-coffee-2.jpg', material.scores);
    // WebP: the browser decodes it (TensorFlow cannot, so there is no Python score to compare).
    assert.ok(states.webp.probability >= 0 && states.webp.probability <= 1 && states.webp.verdict);
    // Far below the fold: not scored until it comes near the viewport.
    assert.notEqual(states.lazy?.state, 'done');
    await page.evaluate(() => document.querySelector('[data-test-id=lazy]').scrollIntoView());
    const lazy = await waitFor(async () => {
      const s = byId(await readStates(page));
      return s.lazy?.state === 'done' && s.lazy;
    }, { what: 'the lazy image scored' });
    expectPython(lazy, 'extra-astronaut-0.jpg', material.scores);
    await page.close();
  });

  test('badges follow their image on scroll and resize, and never take its clicks', async () => {
    await resetSettings();
    const page = await open('plain.html');
    await page.setViewportSize({ width: 900, height: 700 });
    // Clicking the middle of the image reaches the image (the overlay lets clicks through).
    const hit = await page.evaluate(() => {
      const img = document.querySelector('[data-test-id="chelsea.jpg"]');
      const r = img.getBoundingClientRect();
      return document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2) === img;
    });
    assert.equal(hit, true);
    const badgeOnImage = () => page.evaluate(() => {
      const img = document.querySelector('[data-test-id="chelsea.jpg"]');
      const r = img.getBoundingClientRect();
      return document.elementFromPoint(r.left + 12, r.top + 12)?.localName;
    });
    assert.equal(await badgeOnImage(), 'aiorhuman-overlay');
    // Layout change, scroll, window resize and zoom: the badge follows its image each time.
    const moves = [
      () => page.evaluate(() => { document.body.style.paddingTop = '150px'; document.body.style.height = '3000px'; }),
      () => page.evaluate(() => window.scrollBy(0, 120)),
      () => page.setViewportSize({ width: 700, height: 600 }),
      () => page.evaluate(() => { document.body.style.zoom = '1.5'; }),
    ];
    for (const [i, move] of moves.entries()) {
      await move();
      // Placed within a frame or two; allow a loaded machine some slack.
      await waitFor(async () => (await badgeOnImage()) === 'aiorhuman-overlay', { timeoutMs: 3000, intervalMs: 50, what: `badge on the image after move ${i}` });
    }
    await page.close();
  });

  test('right-click check: working state, then the verdict on that image, badges off for the site', async () => {
    await resetSettings();
    await setSettings({ disabledSites: ['127.0.0.1'] });
    const page = await open('menu.html', { until: 'none' });
    await page.waitForTimeout(1500);
    assert.ok((await readStates(page)).every((s) => s.state === null), 'no automatic badges on a disabled site');
    const src = `${images.url}/img/rocket.jpg`;
    await page.evaluate((srcUrl) => window.postMessage({ aiorhumanTest: 'context-menu', srcUrl }, '*'), src);
    const state = await waitFor(async () => {
      const s = byId(await readStates(page))['rocket.jpg'];
      return s.state === 'done' && s;
    }, { what: 'the right-clicked image scored' });
    expectPython(state, 'rocket.jpg', material.scores);
    assert.equal(byId(await readStates(page))['extra-coffee-3.jpg'].state, null);
    // Details on hover: probability, model, time.
    const box = await page.evaluate(() => {
      const r = document.querySelector('[data-test-id="rocket.jpg"]').getBoundingClientRect();
      return { x: r.left, y: r.top };
    });
    await page.mouse.move(box.x + 14, box.y + 12);
    await page.waitForTimeout(200);
    await page.screenshot({ path: join(SHOTS, 'context-menu.png'), clip: { x: 0, y: 0, width: 760, height: 420 } });
    await page.close();
  });

  test('options page: the size threshold and the badge switch take effect', async () => {
    await resetSettings();
    const options = await browser.context.newPage();
    await options.setViewportSize({ width: 720, height: 860 });
    await options.goto(`chrome-extension://${browser.extensionId}/options/options.html`);
    await options.fill('input[name=minSize]', '350');
    await options.dispatchEvent('input[name=minSize]', 'change');
    await waitFor(() => browser.worker.evaluate(() => chrome.storage.local.get('minSize').then((s) => s.minSize === 350)), { what: 'minSize saved' });
    const page = await open('plain.html');
    const states = await readStates(page);
    assert.deepEqual(states.map((s) => s.reason), ['small', 'small'], 'images of 300 px are under a 350 px threshold');
    // Back to 100 px: the open page scores them at once.
    await options.fill('input[name=minSize]', '100');
    await options.dispatchEvent('input[name=minSize]', 'change');
    await waitFor(async () => (await readStates(page)).every((s) => s.state === 'done'), { what: 'rescored after the threshold changed' });
    // Badges off everywhere: no new badges.
    await options.uncheck('input[name=badges]');
    await waitFor(() => browser.worker.evaluate(() => chrome.storage.local.get('badges').then((s) => s.badges === false)), { what: 'badges off saved' });
    const off = await open('formats.html', { until: 'none' });
    await off.waitForTimeout(1500);
    assert.ok((await readStates(off)).every((s) => s.state === null));
    await options.check('input[name=badges]');
    await Promise.all([options.close(), page.close(), off.close()]);
  });

  test('popup: this page\'s summary and the site switch', async () => {
    await resetSettings();
    const page = await open('formats.html');
    const tabId = await browser.worker.evaluate(
      async (url) => (await chrome.tabs.query({ url })).map((t) => t.id)[0],
      `${site.url}/pages/formats.html`,
    );
    assert.ok(tabId);
    const popup = await browser.context.newPage();
    await popup.setViewportSize({ width: 280, height: 260 });
    await popup.goto(`chrome-extension://${browser.extensionId}/popup/popup.html?tab=${tabId}`);
    await waitFor(async () => (await popup.textContent('#checked')) === '8', { what: 'popup summary' });
    const counts = await popup.evaluate(() => ['ai', 'unsure', 'human'].map((id) => Number(document.getElementById(id).textContent)));
    const states = (await readStates(page)).filter((s) => s.state === 'done');
    assert.deepEqual(counts, ['ai', 'unsure', 'human'].map((v) => states.filter((s) => s.verdict === v).length));
    assert.equal(await popup.isChecked('#site-switch'), true);
    await popup.screenshot({ path: join(SHOTS, 'popup.png') });
    await popup.uncheck('#site-switch');
    const disabled = await browser.worker.evaluate(() => chrome.storage.local.get('disabledSites').then((s) => s.disabledSites));
    assert.deepEqual(disabled, ['127.0.0.1']);
    await Promise.all([popup.close(), page.close()]);
  });

  test('server mode against a real aiorhuman server, then the server down', { timeout: 180000 }, async () => {
    await resetSettings();
    const feedback = mkdtempSync(join(tmpdir(), 'aiorhuman-feedback-'));
    const server = await startModelServer(material.scores.bundle, { args: ['--feedback-dir', feedback] });
    try {
      // Test connection on the options page.
      const options = await browser.context.newPage();
      await options.goto(`chrome-extension://${browser.extensionId}/options/options.html`);
      await options.check('input[name=mode][value=server]');
      await options.fill('input[name=serverUrl]', server.url);
      await options.dispatchEvent('input[name=serverUrl]', 'change');
      await options.fill('input[name=apiKey]', server.key);
      await options.dispatchEvent('input[name=apiKey]', 'change');
      await options.click('#test');
      await waitFor(async () => /Connected/.test(await options.textContent('#test-result')), { what: 'test connection' });
      await options.setViewportSize({ width: 720, height: 860 });
      await options.screenshot({ path: join(SHOTS, 'options.png'), fullPage: true });
      await waitFor(() => browser.worker.evaluate(() => chrome.storage.local.get(null).then((s) => s.mode === 'server' && !!s.apiKey)), { what: 'server settings saved' });
      const page = await open('plain.html');
      const states = byId(await readStates(page));
      for (const name of ['chelsea.jpg', 'extra-rocket-2.jpg']) {
        expectPython(states[name], name, material.scores);
        assert.equal(states[name].source, 'server');
      }
      // WebP goes to the server as a PNG of its pixels (TensorFlow has no WebP decoder).
      const webp = await open('webp.html');
      const [w] = await readStates(webp);
      assert.equal(w.source, 'server', JSON.stringify(w));
      await webp.close();
      // A wrong key: the server refuses, and the badge says why.
      await options.fill('input[name=apiKey]', 'wrong');
      await options.dispatchEvent('input[name=apiKey]', 'change');
      await options.click('#test');
      await waitFor(async () => /401/.test(await options.textContent('#test-result')), { what: 'refused key' });
      await options.fill('input[name=apiKey]', server.key);
      await options.dispatchEvent('input[name=apiKey]', 'change');
      // Report a mistake, sent to the server too: it lands in its feedback folder.
      await options.check('input[name=sendReports]');
      await waitFor(() => browser.worker.evaluate(() => chrome.storage.local.get(null).then((s) => s.sendReports && s.apiKey !== 'wrong')), { what: 'sending reports on' });
      const at = await page.evaluate(() => {
        const r = document.querySelector('[data-test-id="chelsea.jpg"]').getBoundingClientRect();
        return [r.left + 14, r.top + 12];
      });
      // The settings just changed: the badges are drawn again, in the next frame.
      await waitFor(() => page.evaluate(([x, y]) => document.elementFromPoint(x, y)?.localName === 'aiorhuman-overlay', at), { what: 'the badge placed' });
      await page.mouse.click(at[0], at[1]);
      const button = await waitFor(() => page.evaluate(() => {
        const b = document.querySelector('aiorhuman-overlay').shadowRoot.querySelector('.badge.open button');
        const r = b?.getBoundingClientRect();
        return r && [r.left + r.width / 2, r.top + r.height / 2];
      }), { what: 'the details open' });
      await page.mouse.click(button[0], button[1]);
      await waitFor(async () => /sent to your server/.test(await page.evaluate(() => document.querySelector('aiorhuman-overlay').shadowRoot.querySelector('.badge.open').textContent)), { what: 'the report sent' });
      const rows = readFileSync(join(feedback, 'train.csv'), 'utf8').trim().split('\n');
      assert.equal(rows.length, 2, rows.join('\n'));
      assert.match(rows[1], /train_data\/[0-9a-f]{64}\.jpg,[01]$/);
      await options.uncheck('input[name=sendReports]');
      await Promise.all([options.close(), page.close()]);
    } finally {
      await server.stop();
      rmSync(feedback, { recursive: true, force: true });
    }
    // Server gone: a clear "server offline" state, and the page still works.
    const stoppedUrl = await browser.worker.evaluate(() => chrome.storage.local.get('serverUrl').then((s) => s.serverUrl));
    await setSettings({ serverUrl: `${stoppedUrl}/` }); // same server, new setting: the cache is cleared
    const page = await open('plain.html');
    const states = await readStates(page);
    assert.deepEqual(states.map((s) => s.reason), ['server-unreachable', 'server-unreachable']);
    await page.close();
  });
});

// Provenance in the browsers: the extension's own reader (Chrome's offscreen document,
// Firefox's background page, with the C2PA SDK's WebAssembly shipped inside the extension)
// reads the shared fixtures (tests/provenance/make_fixtures.py) served from 127.0.0.1 and gives
// the Python reader's object for each; AI files get the verdict "AI" with reason "metadata" on
// their badge, in the details and in the popup.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, ROOT, html, launchChromium, launchFirefox, prepare, readStates, serve, waitFor } from './helpers.mjs';
import { makeFixtures, normalize } from '../fixtures/provenance.mjs';

const SHOTS = process.env.AIORHUMAN_SCREENSHOTS ? join(REPO, 'docs/screenshots') : join(ROOT, 'build/screenshots');
const FINAL = new Set(['done', 'skipped']);
// Shown on the badge page: [file, verdict from metadata?]
const BADGE_FILES = [
  ['c2pa_ai.jpg', true],
  ['c2pa_ai_ingredient.jpg', true],
  ['png_comfyui.png', true],
  ['jpeg_exif_software.jpg', true],
  ['c2pa_ai_tampered.jpg', false],
  ['jpeg_exif_camera.jpg', false],
];

let material;
let fixtures;
let images;
let site;
const pages = {};

function badgePage() {
  const img = (name) => `<figure style="display:inline-block;margin:6px;font:12px sans-serif">
<img data-test-id="${name}" src="${images.url}/img/${name}" width="200" height="200"><figcaption>${name}</figcaption></figure>`;
  return html(`<h3>Files that say where they came from</h3>\n${BADGE_FILES.map(([n]) => img(n)).join('\n')}`, 'Provenance');
}

function compareAll(results) {
  const differences = [];
  for (const [name, got] of Object.entries(results)) {
    try {
      assert.deepStrictEqual(normalize(got), normalize(fixtures.expected[name]));
    } catch {
      differences.push(`${name}:\n  browser ${JSON.stringify(got)}\n  python  ${JSON.stringify(fixtures.expected[name])}`);
    }
  }
  assert.deepEqual(differences, [], differences.join('\n'));
  assert.equal(Object.keys(results).length, Object.keys(fixtures.expected).length);
}

function checkBadges(states) {
  for (const [name, metadata] of BADGE_FILES) {
    const s = states.find((x) => x.id === name);
    assert.equal(s?.state, 'done', `${name}: ${JSON.stringify(s)}`);
    if (metadata) {
      assert.deepEqual([s.verdict, s.reason], ['ai', 'metadata'], name);
    } else {
      assert.equal(s.reason, 'model', `${name}: tampered C2PA and camera EXIF never decide`);
    }
    assert.deepStrictEqual(normalize(JSON.parse(s.provenance)), normalize(fixtures.expected[name]), name);
  }
}

async function readProvenanceStates(page) {
  const states = await readStates(page);
  const extra = await page.evaluate(() =>
    Array.from(document.querySelectorAll('[data-test-id]'), (el) => el.dataset.aiorhumanProvenance ?? null),
  );
  return states.map((s, i) => ({ ...s, provenance: extra[i] }));
}

before(async () => {
  material = prepare();
  fixtures = makeFixtures();
  mkdirSync(SHOTS, { recursive: true });
  images = await serve({}, { dir: fixtures.dir });
  site = await serve(pages);
  pages['provenance.html'] = badgePage();
  pages['blank.html'] = html('<p>blank</p>');
});

after(async () => {
  await images?.close();
  await site?.close();
});

describe('Chromium: provenance', { timeout: 300000 }, () => {
  let browser;
  before(async () => {
    browser = await launchChromium(material.chromeDir);
  });
  after(async () => browser?.close());

  test('the offscreen document\'s reader gives Python\'s provenance for every shared fixture', async () => {
    const results = {};
    for (const name of Object.keys(fixtures.expected)) {
      results[name] = await browser.worker.evaluate((url) => globalThis.aiorhumanTest.provenance(url), `${images.url}/img/${name}`);
    }
    compareAll(results);
  });

  test('badges: AI from metadata with the reason in the details; the popup lists them', async () => {
    await browser.worker.evaluate(() => chrome.storage.local.clear().then(() => chrome.storage.local.set({ minSize: 0 })));
    const page = await browser.context.newPage();
    await page.goto(`${site.url}/pages/provenance.html`);
    let states = [];
    await waitFor(async () => {
      states = await readProvenanceStates(page);
      return states.length === BADGE_FILES.length && states.every((s) => FINAL.has(s.state));
    }, { timeoutMs: 90000, what: 'every fixture scored' });
    checkBadges(states);
    // Details of the C2PA badge: verdict, the metadata reason, the model's own probability.
    const box = await page.evaluate(() => {
      const r = document.querySelector('[data-test-id="c2pa_ai.jpg"]').getBoundingClientRect();
      return { x: r.left, y: r.top };
    });
    await page.mouse.move(box.x + 14, box.y + 10);
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(SHOTS, 'provenance.png'), clip: { x: 0, y: 0, width: 930, height: 520 } });

    const tabId = await browser.worker.evaluate(
      async (url) => (await chrome.tabs.query({ url })).map((t) => t.id)[0],
      `${site.url}/pages/provenance.html`,
    );
    const popup = await browser.context.newPage();
    await popup.setViewportSize({ width: 280, height: 470 });
    await popup.goto(`chrome-extension://${browser.extensionId}/popup/popup.html?tab=${tabId}`);
    await waitFor(async () => (await popup.textContent('#metadata-count')) === '4', { what: 'popup metadata count' });
    const listed = await popup.$$eval('#metadata-list li', (items) => items.map((li) => li.textContent));
    assert.equal(listed.length, 4);
    assert.match(listed.join('\n'), /c2pa_ai\.jpg: C2PA manifest: digitalSourceType trainedAlgorithmicMedia/);
    assert.match(listed.join('\n'), /png_comfyui\.png: PNG text 'prompt': ComfyUI/);
    await popup.screenshot({ path: join(SHOTS, 'popup-provenance.png') });
    await Promise.all([popup.close(), page.close()]);
    await browser.worker.evaluate(() => chrome.storage.local.clear());
  });
});

describe('Firefox: provenance', { timeout: 300000 }, () => {
  let browser;
  before(async () => {
    browser = await launchFirefox(material.firefoxDir);
  });
  after(async () => browser?.close().catch(() => {}));

  async function open(name) {
    const page = await browser.newPage();
    await page.goto(`${site.url}/pages/${name}`);
    return page;
  }

  /** The extension's reader on a URL, through the test build's page hook. */
  function provenanceOf(page, url, id) {
    return page.evaluate((u, i) => new Promise((resolve) => {
      addEventListener('message', function listen(event) {
        if (event.data?.aiorhumanTestResult !== i) return;
        removeEventListener('message', listen);
        resolve(event.data);
      });
      window.postMessage({ aiorhumanTest: 'provenance', url: u, id: i }, '*');
    }), url, id);
  }

  test('the background page\'s reader gives Python\'s provenance for every shared fixture; badges say "metadata"', async () => {
    const page = await open('blank.html');
    // The content script starts at document_idle: wait until it answers.
    await waitFor(async () => {
      const r = await Promise.race([provenanceOf(page, `${images.url}/img/plain.jpg`, 'probe'), new Promise((r) => setTimeout(r, 500, null))]);
      return r && !r.error;
    }, { what: 'the content script' });
    const results = {};
    for (const name of Object.keys(fixtures.expected)) {
      const answer = await provenanceOf(page, `${images.url}/img/${name}`, name);
      assert.ok(!answer.error, `${name}: ${answer.error}`);
      results[name] = JSON.parse(answer.value);
    }
    compareAll(results);
    await page.evaluate(() => window.postMessage({ aiorhumanTest: 'settings', values: { minSize: 0 } }, '*'));
    await new Promise((r) => setTimeout(r, 500));
    const badges = await open('provenance.html');
    let states = [];
    await waitFor(async () => {
      states = await readProvenanceStates(badges);
      return states.length === BADGE_FILES.length && states.every((s) => FINAL.has(s.state));
    }, { timeoutMs: 120000, what: 'every fixture scored' });
    checkBadges(states);
    await badges.evaluate(() => window.postMessage({ aiorhumanTest: 'settings', values: {} }, '*'));
    await Promise.all([page.close(), badges.close()]);
  });
});

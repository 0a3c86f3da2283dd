// Provenance in the browsers: the extension's own reader (Chrome's offscreen document,
// Firefox's background page, with the C2PA SDK's WebAssembly shipped inside the extension)
// reads the shared fixtures (tests/provenance/make_fixtures.py) served from 127.0.0.1 and gives
// the Python reader's object for each, first with no trust list installed (expected-no-trust.json:
// the fixtures' test-signed C2PA AI manifests are claims the model decides, and the badge
// details and the popup say so), then with the fixtures' test CA added as the user's own anchor
// through the options page (expected.json: those manifests decide, "AI" with reason "metadata"
// on the badge, in the details and in the popup). Chromium's options page is driven by
// Playwright; Firefox's (which WebDriver BiDi cannot open) through Firefox's remote debugging
// protocol, as about:debugging does. AIORHUMAN_SCREENSHOTS=1 writes the screenshots into
// docs/screenshots.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, ROOT, html, launchChromium, launchFirefox, prepare, readStates, serve, waitFor } from './helpers.mjs';
import { makeFixtures, normalize } from '../fixtures/provenance.mjs';

const SHOTS = process.env.AIORHUMAN_SCREENSHOTS ? join(REPO, 'docs/screenshots') : join(ROOT, 'build/screenshots');
const FINAL = new Set(['done', 'skipped']);
// Shown on the badge page: [file, verdict from metadata with the fixtures' CA trusted?]. With no
// trust list, the C2PA files never decide (their signer is not recognised).
const BADGE_FILES = [
  ['c2pa_ai.jpg', true],
  ['c2pa_ai_ingredient.jpg', true],
  ['png_comfyui.png', true],
  ['jpeg_exif_software.jpg', true],
  ['c2pa_ai_tampered.jpg', false],
  ['jpeg_exif_camera.jpg', false],
];
const SIGNER = "signer 'AI or Human tests'";
const UNTRUSTED = `claims AI-generated; ${SIGNER} not recognised (no trust list installed) (not proof: the model decides)`;
const TRUSTED = `${SIGNER} recognised (decides)`;

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

function compareAll(results, expected) {
  const differences = [];
  for (const [name, got] of Object.entries(results)) {
    try {
      assert.deepStrictEqual(normalize(got), normalize(expected[name]));
    } catch {
      differences.push(`${name}:\n  browser ${JSON.stringify(got)}\n  python  ${JSON.stringify(expected[name])}`);
    }
  }
  assert.deepEqual(differences, [], differences.join('\n'));
  assert.equal(Object.keys(results).length, Object.keys(expected).length);
}

/** Badge states against Python's objects; `trusted`: whether the fixtures' CA is installed. */
function checkBadges(states, trusted) {
  const expected = trusted ? fixtures.expected : fixtures.noTrust;
  for (const [name, metadata] of BADGE_FILES) {
    const s = states.find((x) => x.id === name);
    assert.equal(s?.state, 'done', `${name}: ${JSON.stringify(s)}`);
    if (metadata && (trusted || !name.startsWith('c2pa'))) {
      assert.deepEqual([s.verdict, s.reason], ['ai', 'metadata'], name);
    } else {
      assert.equal(s.reason, 'model', `${name}: an unrecognised signer, tampered C2PA and camera EXIF never decide`);
    }
    assert.deepStrictEqual(normalize(JSON.parse(s.provenance)), normalize(expected[name]), name);
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
  fixtures.noTrust = JSON.parse(readFileSync(join(fixtures.dir, 'expected-no-trust.json'), 'utf8'));
  fixtures.pem = readFileSync(join(fixtures.dir, 'trust/test-ca.pem'), 'utf8');
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

async function scoredBadgePage(page) {
  let states = [];
  await waitFor(async () => {
    states = await readProvenanceStates(page);
    return states.length === BADGE_FILES.length && states.every((s) => FINAL.has(s.state));
  }, { timeoutMs: 120000, what: 'every fixture scored' });
  return states;
}

/** Open the details of `name`'s badge (a click on it); returns their text. */
async function openDetails(page, name) {
  const at = await page.evaluate((n) => {
    const r = document.querySelector(`[data-test-id="${n}"]`).getBoundingClientRect();
    return [r.left + 14, r.top + 12];
  }, name);
  await waitFor(() => page.evaluate(([x, y]) => document.elementFromPoint(x, y)?.localName === 'aiorhuman-overlay', at), { what: 'the badge placed' });
  await page.mouse.click(at[0], at[1]);
  return waitFor(
    () => page.evaluate(() => document.querySelector('aiorhuman-overlay').shadowRoot.querySelector('.badge.open')?.textContent),
    { what: `details of ${name}` },
  );
}

/** The details of the test-signed AI file, with no trust list and with the fixtures' CA. */
function checkDetails(text, trusted) {
  if (trusted) {
    assert.match(text, /Verdict: AI, from the file's metadata/);
    assert.ok(text.includes(`C2PA manifest: ${TRUSTED}: digitalSourceType trainedAlgorithmic`), text);
  } else {
    assert.doesNotMatch(text, /from the file's metadata/);
    assert.match(text, /Reason: the model \(pixels\)/);
    assert.ok(text.includes(`C2PA manifest: ${UNTRUSTED}: digitalSourceType trainedAlgorithmic`), text);
  }
}

/** The popup's two lists ({metadata, claims}: [text of each item]). */
function checkPopup(lists, trusted) {
  if (trusted) {
    assert.equal(lists.metadata.length, 4);
    assert.match(lists.metadata.join('\n'), /c2pa_ai\.jpg: C2PA manifest: signer 'AI or Human tests' recognised: digitalSourceType/);
    assert.match(lists.metadata.join('\n'), /png_comfyui\.png: PNG text 'prompt': ComfyUI/);
    // The tampered file's claim did not decide either way.
    assert.deepEqual(lists.claims, ['c2pa_ai_tampered.jpg: manifest invalid (not proof: the model decides): digitalSourceType trainedAlgorithmicMedia, claim generator \'Test AI generator\'']);
  } else {
    assert.equal(lists.metadata.length, 2, 'only the generator tags decide');
    assert.doesNotMatch(lists.metadata.join('\n'), /c2pa/);
    assert.equal(lists.claims.length, 3);
    assert.ok(lists.claims.some((c) => c.startsWith(`c2pa_ai.jpg: ${UNTRUSTED}: digitalSourceType`)), lists.claims.join('\n'));
    assert.ok(lists.claims.some((c) => c.startsWith(`c2pa_ai_ingredient.jpg: ${UNTRUSTED}`)), lists.claims.join('\n'));
  }
}

const POPUP_LISTS = `({
  metadata: Array.from(document.querySelectorAll('#metadata:not([hidden]) #metadata-list li'), (li) => li.textContent),
  claims: Array.from(document.querySelectorAll('#claims:not([hidden]) #claims-list li'), (li) => li.textContent),
})`;

describe('Chromium: provenance', { timeout: 300000 }, () => {
  let browser;
  before(async () => {
    browser = await launchChromium(material.chromeDir);
  });
  after(async () => browser?.close());
  const pagesOpen = [];
  afterEach(async () => {
    await Promise.all(pagesOpen.splice(0).map((p) => p.close().catch(() => {})));
  });

  const readAll = async () => {
    const results = {};
    for (const name of Object.keys(fixtures.expected)) {
      results[name] = await browser.worker.evaluate((url) => globalThis.aiorhumanTest.provenance(url), `${images.url}/img/${name}`);
    }
    return results;
  };

  /** The badge page scored, the test-signed file's details and the popup checked; screenshots. */
  async function badges(trusted, shot) {
    await browser.worker.evaluate(() => chrome.storage.local.clear().then(() => chrome.storage.local.set({ minSize: 0 })));
    const page = await browser.context.newPage();
    pagesOpen.push(page);
    await page.goto(`${site.url}/pages/provenance.html`);
    checkBadges(await scoredBadgePage(page), trusted);
    checkDetails(await openDetails(page, 'c2pa_ai.jpg'), trusted);
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(SHOTS, `${shot}.png`), clip: { x: 0, y: 0, width: 930, height: 560 } });

    const tabId = await browser.worker.evaluate(
      async (url) => Math.max(...(await chrome.tabs.query({ url })).map((t) => t.id)),
      `${site.url}/pages/provenance.html`,
    );
    const popup = await browser.context.newPage();
    pagesOpen.push(popup);
    await popup.setViewportSize({ width: 280, height: 560 });
    await popup.goto(`chrome-extension://${browser.extensionId}/popup/popup.html?tab=${tabId}`);
    await waitFor(async () => (await popup.textContent('#metadata-count')) !== '0', { what: 'popup metadata count' });
    checkPopup(await popup.evaluate(POPUP_LISTS), trusted);
    await popup.screenshot({ path: join(SHOTS, `popup-${shot}.png`), fullPage: true });
    await browser.worker.evaluate(() => chrome.storage.local.clear());
  }

  test('no trust list: Python\'s no-trust object for every fixture; a test-signed AI manifest is a claim the model decides', async () => {
    compareAll(await readAll(), fixtures.noTrust);
    await badges(false, 'provenance-untrusted-chromium');
  });

  test('the fixtures\' test CA added in the options page: Python\'s object for every fixture; badges say "metadata"', async () => {
    const options = await browser.context.newPage();
    await options.goto(`chrome-extension://${browser.extensionId}/options/options.html`);
    await waitFor(async () => /No trust list installed/.test(await options.textContent('#trust-status')), { what: 'trust status' });
    await options.setInputFiles('#trust-own', join(fixtures.dir, 'trust/test-ca.pem'));
    await waitFor(async () => /Installed: test-ca\.pem/.test(await options.textContent('#trust-status')), { what: 'own anchor added' });
    await options.close();
    compareAll(await readAll(), fixtures.expected);
    // No cache cleared by the test: the engine forgets its verdicts when the lists change.
    await badges(true, 'provenance');
  });
});

describe('Firefox: provenance', { timeout: 300000 }, () => {
  let browser;
  let extension;
  before(async () => {
    browser = await launchFirefox(material.firefoxDir, { devtools: true });
    extension = browser.extensionPages;
    // Closing the last tab would close the window and end Firefox: one tab stays open.
    await browser.newPage();
  });
  after(async () => {
    extension?.close();
    await browser?.close().catch(() => {});
  });

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

  async function readAll() {
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
    await page.evaluate(() => window.postMessage({ aiorhumanTest: 'settings', values: { minSize: 0 } }, '*'));
    await new Promise((r) => setTimeout(r, 500));
    await page.close();
    return results;
  }

  const pagesOpen = [];
  afterEach(async () => {
    await Promise.all(pagesOpen.splice(0).map((p) => p.close().catch(() => {})));
  });

  async function badges(trusted, shot) {
    const page = await open('provenance.html');
    pagesOpen.push(page);
    checkBadges(await scoredBadgePage(page), trusted);
    checkDetails(await openDetails(page, 'c2pa_ai.jpg'), trusted);
    await new Promise((r) => setTimeout(r, 300));
    await page.screenshot({ path: join(SHOTS, `${shot}-firefox.png`), clip: { x: 0, y: 0, width: 930, height: 560 } });
    // The popup, opened as a page of the extension (?tab= names the tab it describes).
    const background = /_generated_background_page\.html/;
    // The newest tab (without the "tabs" permission, Firefox's tabs.query cannot filter by URL).
    const tabId = await extension.evaluate(background, 'browser.tabs.query({}).then((t) => Math.max(...t.map((x) => x.id)))');
    const popup = /popup\/popup\.html/;
    await extension.open(`popup/popup.html?tab=${tabId}`);
    await waitFor(async () => (await extension.evaluate(popup, `document.getElementById('metadata-count')?.textContent ?? ''`)) > '0', { what: 'popup metadata count' });
    checkPopup(await extension.evaluate(popup, `JSON.stringify(${POPUP_LISTS})`).then(JSON.parse), trusted);
    const height = await extension.evaluate(popup, 'Math.ceil(document.documentElement.getBoundingClientRect().height)');
    await extension.screenshot(popup, join(SHOTS, `popup-${shot}-firefox.png`), { left: 0, top: 0, width: 280, height });
    await extension.closePage(popup);
    await page.evaluate(() => window.postMessage({ aiorhumanTest: 'settings', values: {} }, '*'));
  }

  test('no trust list: Python\'s no-trust object for every fixture; a test-signed AI manifest is a claim the model decides', async () => {
    compareAll(await readAll(), fixtures.noTrust);
    await badges(false, 'provenance-untrusted');
  });

  test('the fixtures\' test CA added in the options page: Python\'s object for every fixture; badges say "metadata"', async () => {
    const options = /options\/options\.html/;
    await extension.evaluate(/_generated_background_page\.html/, 'browser.runtime.openOptionsPage().then(() => 1)');
    await waitFor(async () => /No trust list installed/.test(await extension.evaluate(options, `document.getElementById('trust-status').textContent`)), { what: 'trust status' });
    // What choosing a file in "Add my own trust anchors" hands the page: a FileList, then 'change'.
    await extension.evaluate(options, `(() => {
      const files = new DataTransfer();
      files.items.add(new File([${JSON.stringify(fixtures.pem)}], 'test-ca.pem', { type: 'application/x-x509-ca-cert' }));
      const input = document.getElementById('trust-own');
      input.files = files.files;
      input.dispatchEvent(new Event('change', { bubbles: true }));
      return 1;
    })()`);
    await waitFor(async () => /Installed: test-ca\.pem/.test(await extension.evaluate(options, `document.getElementById('trust-status').textContent`)), { what: 'own anchor added' });
    await extension.evaluate(options, `(document.getElementById('trust')).scrollIntoView({ block: 'start' }), 1`);
    await extension.screenshot(options, join(SHOTS, 'options-trust-firefox.png'));
    await extension.closePage(options);
    compareAll(await readAll(), fixtures.expected);
    await badges(true, 'provenance');
  });
});

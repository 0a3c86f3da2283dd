// C2PA trust in Chromium: with no trust list, the fixtures' test-signed AI file is a claim the
// model decides; the options page's "Add my own trust anchors" (the fixtures' test CA) makes
// the offscreen document's reader recognise the signer, and the claim decides. The options
// page's "Update trust lists" downloads the published lists (served here from the public
// copies). Builds its own test extension (build/trust-test), so it runs beside the other
// browser tests.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, ROOT, html, launchChromium, readStates, serve, waitFor } from './helpers.mjs';
import { makeFixtures, normalize } from '../fixtures/provenance.mjs';
import { OFFICIAL_SOURCES } from '../../src/provenance/trust.js';

const SHOTS = process.env.AIORHUMAN_SCREENSHOTS ? join(REPO, 'docs/screenshots') : join(ROOT, 'build/screenshots');
const PUBLIC = process.env.AIORHUMAN_PUBLIC_FIXTURES ?? join(REPO, '../shared/fixtures/provenance-public');
const LISTS = join(PUBLIC, 'trust');
const noPublic = existsSync(LISTS) ? false : `no public provenance fixtures at ${PUBLIC}`;
const OUT = join(ROOT, 'build/trust-test');
const MODEL = process.env.AIORHUMAN_TEST_BUNDLE ?? join(REPO, 'models/default');

let fixtures;
let images;
let derived;
let site;
let browser;
const pages = {};

before(async () => {
  execFileSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--test', '--quiet', '--out', OUT, '--model', MODEL], { stdio: 'inherit' });
  fixtures = makeFixtures(join(ROOT, 'build/provenance-fixtures-trust-browser'));
  mkdirSync(SHOTS, { recursive: true });
  images = await serve({}, { dir: fixtures.dir });
  derived = await serve({}, { dir: join(PUBLIC, 'derived') });
  site = await serve(pages);
  browser = await launchChromium(join(OUT, 'test-chrome'));
});

after(async () => {
  await browser?.close();
  await images?.close();
  await derived?.close();
  await site?.close();
});

const provenance = (name) => browser.worker.evaluate((url) => globalThis.aiorhumanTest.provenance(url), `${images.url}/img/${name}`);
const expected = (file, name) => JSON.parse(readFileSync(join(fixtures.dir, file), 'utf8'))[name];

describe('Chromium: C2PA trust', { timeout: 300000 }, () => {
  test('no trust list: a test-signed AI claim is shown, the model decides; the user\'s own anchor makes it decide', async () => {
    const none = await provenance('c2pa_ai.jpg');
    assert.deepStrictEqual(normalize(none), normalize(expected('expected-no-trust.json', 'c2pa_ai.jpg')));
    assert.equal(none.decision, null);
    assert.match(none.signals[0].detail, /claims AI-generated; signer 'AI or Human tests' not recognised \(no trust list installed\)$/);

    const options = await browser.context.newPage();
    await options.goto(`chrome-extension://${browser.extensionId}/options/options.html`);
    await waitFor(async () => /No trust list installed/.test(await options.textContent('#trust-status')), { what: 'trust status' });
    await options.setInputFiles('#trust-own', join(fixtures.dir, 'trust/test-ca.pem'));
    await waitFor(async () => /Installed: test-ca\.pem/.test(await options.textContent('#trust-status')), { what: 'own anchor added' });

    for (const name of ['c2pa_ai.jpg', 'c2pa_ai_ingredient.jpg', 'c2pa_ai_tampered.jpg', 'c2pa_camera.jpg']) {
      assert.deepStrictEqual(normalize(await provenance(name)), normalize(fixtures.expected[name]), name);
    }
    const trusted = await provenance('c2pa_ai.jpg');
    assert.deepEqual([trusted.decision, trusted.signals[0].c2pa.trust], ['ai', 'trusted']);
    assert.equal((await provenance('c2pa_ai_tampered.jpg')).decision, null);
    await options.close();
  });

  test('"Update trust lists" downloads the published lists and keeps the user\'s own', { skip: noPublic }, async () => {
    const options = await browser.context.newPage();
    // The official locations, answered from the public copies (no network here).
    for (const [name, url] of Object.entries(OFFICIAL_SOURCES)) {
      await browser.context.route(url, (route) => route.fulfill({ status: 200, body: readFileSync(join(LISTS, name)) }));
    }
    await options.goto(`chrome-extension://${browser.extensionId}/options/options.html`);
    await options.click('#trust-update');
    await waitFor(async () => /Installed: .*C2PA-TRUST-LIST\.pem.*test-ca\.pem/.test(await options.textContent('#trust-status')), {
      what: 'lists downloaded',
    });
    await options.setViewportSize({ width: 900, height: 760 });
    await options.screenshot({ path: join(SHOTS, 'options-trust.png'), fullPage: true });
    const status = await options.textContent('#trust-status');
    assert.match(status, /C2PA-TRUST-LIST\.pem, C2PA-TSA-TRUST-LIST\.pem, allowed\.pem, anchors\.pem, store\.cfg, test-ca\.pem/);
    assert.equal((await provenance('c2pa_ai.jpg')).decision, 'ai', 'the own anchor is kept');
    await options.close();
  });

  test('badges: a recognised signer decides, an unrecognised one is a claim the model decides', { skip: noPublic }, async () => {
    const figure = (id, url) => `<figure style="display:inline-block;margin:6px;font:12px sans-serif">
<img data-test-id="${id}" src="${url}" width="260" height="200"><figcaption>${id}</figcaption></figure>`;
    pages['trust.html'] = html(
      `<h3>C2PA signers, recognised or not</h3>\n${figure('c2pa_ai.jpg', `${images.url}/img/c2pa_ai.jpg`)}\n${figure('signed_ai.jpg (SDK test key)', `${derived.url}/img/signed_ai.jpg`)}`,
      'Trust',
    );
    await browser.worker.evaluate(() => chrome.storage.local.set({ minSize: 0 }));
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 760, height: 560 });
    await page.goto(`${site.url}/pages/trust.html`);
    let states = [];
    await waitFor(async () => {
      states = await readStates(page);
      return states.length === 2 && states.every((s) => s.state === 'done');
    }, { timeoutMs: 90000, what: 'both images scored' });
    assert.deepEqual(states.map((s) => s.reason), ['metadata', 'model']);
    const box = await page.evaluate(() => {
      const r = document.querySelectorAll('[data-test-id]')[1].getBoundingClientRect();
      return { x: r.left, y: r.top };
    });
    await page.mouse.move(box.x + 14, box.y + 10);
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(SHOTS, 'provenance-trust-badges.png') });
    await browser.worker.evaluate(() => chrome.storage.local.clear());
    await page.close();
  });
});

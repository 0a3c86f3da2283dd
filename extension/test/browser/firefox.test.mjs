// End to end in Firefox ESR (puppeteer-core over WebDriver BiDi, headless): the same test
// build, its background page running the model. Firefox's automation cannot open
// moz-extension:// pages, so settings and the context-menu handler go through the test
// build's page hooks.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectPython, html, launchFirefox, prepare, readStates, serve, waitFor } from './helpers.mjs';

const FINAL = new Set(['done', 'skipped']);
let material;
let browser;
let images;
let site;
const pages = {};

const byId = (states) => Object.fromEntries(states.map((s) => [s.id, s]));

describe('Firefox', { timeout: 300000 }, () => {
  before(async () => {
    material = prepare();
    images = await serve();
    site = await serve(pages);
    const img = (name, attrs = '') => `<img data-test-id="${name}" src="${images.url}/img/${name}" ${attrs}>`;
    pages['formats.html'] = html([
      img('chelsea.jpg', 'width="200"'),
      img('rocket.jpg', 'width="200"'),
      img('coffee-exif6.jpg', 'width="160"'),
      img('logo-alpha.png', 'width="200"'),
      img('anim.gif', 'width="200"'),
      img('motorcycle.bmp', 'width="200"'),
      img('large.jpg', 'width="200"'),
      img('tiny.png'),
      img('broken.jpg', 'width="200" height="150"'),
      img('drawing.svg', 'width="200"'),
      `<img data-test-id="srcset" width="200" src="${images.url}/img/extra-rocket-3.jpg" srcset="${images.url}/img/extra-coffee-0.jpg 1x, ${images.url}/img/extra-rocket-0.jpg 2x">`,
      '<div id="late"></div>',
      `<script>setTimeout(() => { const i = new Image(200); i.dataset.testId = 'late'; i.src = '${images.url}/img/extra-coffee-2.jpg'; document.getElementById('late').append(i); }, 400);</script>`,
    ].join('\n'));
    pages['menu.html'] = html(`${img('rocket.jpg', 'width="300"')} ${img('extra-coffee-3.jpg', 'width="300"')}`);
    browser = await launchFirefox(material.firefoxDir);
  });

  test('this Firefox is one the manifest accepts', async () => {
    const manifest = JSON.parse(readFileSync(join(material.firefoxDir, 'manifest.json'), 'utf8'));
    const lowest = manifest.browser_specific_settings.gecko.strict_min_version;
    const version = (await browser.version()).replace(/^firefox\//, '');
    const major = (v) => Number.parseInt(v, 10);
    assert.ok(major(version) >= major(lowest), `Firefox ${version} is older than the supported ${lowest}`);
    console.log(`# Firefox ${version}; the manifest supports ${lowest} and later`);
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await images?.close();
    await site?.close();
  });

  async function open(name) {
    const page = await browser.newPage();
    await page.goto(`${site.url}/pages/${name}`);
    return page;
  }

  test('badges agree with Python; srcset, late-added, tiny, broken and SVG images', async () => {
    const page = await open('formats.html');
    let states = {};
    await waitFor(async () => {
      states = byId(await readStates(page));
      return Object.keys(states).length === 12 && Object.values(states).every((s) => FINAL.has(s.state));
    }, { timeoutMs: 90000, what: 'every image scored' }).catch((e) => {
      throw new Error(`${e.message}: ${JSON.stringify(states)}`);
    });
    for (const name of ['chelsea.jpg', 'rocket.jpg', 'coffee-exif6.jpg', 'logo-alpha.png', 'anim.gif', 'motorcycle.bmp', 'large.jpg']) {
      expectPython(states[name], name, material.scores);
    }
    expectPython(states.srcset, 'extra-coffee-0.jpg', material.scores);
    expectPython(states.late, 'extra-coffee-2.jpg', material.scores);
    assert.deepEqual(
      ['tiny.png', 'broken.jpg', 'drawing.svg'].map((n) => states[n].reason),
      ['small', 'broken', 'svg'],
    );
    await page.close();
  });

  test('right-click check on a site with badges off', async () => {
    const setup = await open('menu.html');
    await setup.evaluate(() => window.postMessage({ aiorhumanTest: 'settings', values: { disabledSites: ['127.0.0.1'] } }, '*'));
    await new Promise((r) => setTimeout(r, 500));
    await setup.close();
    const page = await open('menu.html');
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok((await readStates(page)).every((s) => s.state === null), 'no automatic badges');
    const src = `${images.url}/img/rocket.jpg`;
    await page.evaluate((srcUrl) => window.postMessage({ aiorhumanTest: 'context-menu', srcUrl }, '*'), src);
    const state = await waitFor(async () => {
      const s = byId(await readStates(page))['rocket.jpg'];
      return s.state === 'done' && s;
    }, { what: 'the right-clicked image scored' });
    expectPython(state, 'rocket.jpg', material.scores);
    assert.equal(byId(await readStates(page))['extra-coffee-3.jpg'].state, null);
    await page.evaluate(() => window.postMessage({ aiorhumanTest: 'settings', values: {} }, '*'));
    await page.close();
  });
});

// Real-page cases in Chromium and in Firefox ESR, the same cases in both: the first screen of
// a 50-photo news page badged without scrolling, images in open shadow roots and same-origin
// frames, badges on the visible part of clipped images, right-click on backgrounds, <picture>
// and images under overlays, the explained verdict and "Report a mistake". Photos: the
// prepared crops of scikit-image's sample photos (test/prepare.py).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IMAGES, ROOT, REPO, contentTasks, launchChromium, launchFirefox, prepare, serve, waitFor } from './helpers.mjs';
import { pageSet } from './pages.mjs';

const SHOTS = process.env.AIORHUMAN_SCREENSHOTS ? join(REPO, 'docs/screenshots') : join(ROOT, 'build/screenshots');
let material;
let images;
let site;
const pages = {};
const verdicts = {}; // browser -> {id: verdict} on the news page

before(async () => {
  material = prepare();
  images = await serve();
  site = await serve(pages);
  Object.assign(pages, pageSet(images.url, site.url));
});
after(async () => {
  await images?.close();
  await site?.close();
});

/** Every mirrored state, in the document, its open shadow roots and same-origin frames. */
function deepStates(page) {
  return page.evaluate(() => {
    const out = {};
    const walk = (root) => {
      for (const el of root.querySelectorAll('*')) {
        if (el.dataset?.testId) {
          out[el.dataset.testId] = { state: el.dataset.aiorhumanState ?? null, verdict: el.dataset.aiorhumanVerdict ?? null, reason: el.dataset.aiorhumanReason ?? null };
        }
        if (el.shadowRoot) walk(el.shadowRoot);
        if (el.localName === 'iframe' && el.contentDocument) walk(el.contentDocument);
      }
    };
    walk(document);
    return out;
  });
}

/** Where each badge of the page's overlay is, by the id of its image (test builds mirror it). */
function badgeBoxes(page) {
  return page.evaluate(() => {
    const out = {};
    const root = document.querySelector('aiorhuman-overlay')?.shadowRoot;
    if (!root) return out;
    const images = [...document.querySelectorAll('[data-test-id]')];
    for (const badge of root.querySelectorAll('.badge')) {
      if (badge.hidden) continue;
      const b = badge.getBoundingClientRect();
      // The image whose visible box holds the badge's top-left corner.
      const hit = images.find((el) => {
        const r = el.getBoundingClientRect();
        return b.left >= r.left && b.left <= r.right && b.top >= r.top && b.top <= r.bottom;
      });
      out[hit?.dataset.testId ?? `unplaced-${Object.keys(out).length}`] = { left: b.left, top: b.top, right: b.right, bottom: b.bottom };
    }
    return out;
  });
}

/**
 * The exported reports (zip bytes) unpack to a training set of the one reported photo:
 * `train.csv` (`,file_name,label`) and `train_data/<sha256>.jpg`, the photo's own bytes.
 */
function expectReportedPhotoZip(zip) {
  const dir = mkdtempSync(join(tmpdir(), 'aiorhuman-reports-'));
  try {
    writeFileSync(join(dir, 'r.zip'), zip);
    execFileSync('unzip', ['-q', join(dir, 'r.zip'), '-d', dir]);
    const csv = readFileSync(join(dir, 'train.csv'), 'utf8').trim().split('\n');
    assert.equal(csv[0], ',file_name,label');
    assert.equal(csv.length, 2);
    const [, file, label] = csv[1].split(',');
    assert.match(file, /^train_data\/[0-9a-f]{64}\.jpg$/);
    assert.ok(['0', '1'].includes(label));
    assert.ok(readFileSync(join(dir, file)).equals(readFileSync(join(IMAGES, 'page-07.jpg'))));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function cases(name, start) {
  describe(name, { timeout: 420000 }, () => {
    let b; // {newPage, close, settings(page, values)}
    before(async () => {
      b = await start();
    });
    after(async () => b?.close());

    async function open(file) {
      const page = await b.newPage();
      await page.goto(`${site.url}/pages/${file}`);
      return page;
    }

    test('the first screen of a 50-photo news page is badged without scrolling', async () => {
      const page = await open('news.html');
      const visible = await page.evaluate(() =>
        [...document.querySelectorAll('[data-test-id]')]
          .filter((el) => el.getBoundingClientRect().bottom <= innerHeight)
          .map((el) => el.dataset.testId));
      assert.ok(visible.length >= 6, `${visible.length} photos on the first screen`);
      await waitFor(async () => {
        const boxes = await badgeBoxes(page);
        return visible.every((id) => boxes[id]);
      }, { timeoutMs: 120000, what: 'a badge on every photo of the first screen' });
      const states = await deepStates(page);
      assert.ok(visible.every((id) => states[id].state === 'done'));
      assert.equal(await page.evaluate(() => scrollY), 0);
      // Scrolling down a screen at a time brings the rest (photos scrolled far away wait until
      // they come back); all 50 get the same verdicts in both browsers.
      const screenDone = () => page.evaluate(() => [...document.querySelectorAll('[data-test-id]')]
        .filter((el) => { const r = el.getBoundingClientRect(); return r.bottom > 0 && r.top < innerHeight; })
        .every((el) => el.dataset.aiorhumanState === 'done'));
      while (await page.evaluate(() => scrollY + innerHeight < document.body.scrollHeight - 2)) {
        await page.evaluate(() => scrollBy(0, innerHeight));
        await waitFor(screenDone, { timeoutMs: 60000, what: 'the photos of this screen scored' });
      }
      const all = await waitFor(async () => {
        const s = await deepStates(page);
        const ids = Object.keys(s).filter((id) => id.startsWith('news-'));
        return ids.length === 50 && ids.every((id) => s[id].state === 'done') && s;
      }, { timeoutMs: 60000, what: 'all 50 photos scored' });
      verdicts[name] = Object.fromEntries(Object.entries(all).filter(([id]) => id.startsWith('news-')).map(([id, s]) => [id, s.verdict]));
      const others = Object.entries(verdicts).filter(([n]) => n !== name);
      for (const [other, theirs] of others) assert.deepEqual(verdicts[name], theirs, `${name} and ${other} disagree`);
      // Every piece of the content script's work is a task of its own, timed in test builds
      // (the page benchmark reports the longest): at least one per answer from the background.
      const tasks = await contentTasks(page);
      assert.ok(tasks && tasks.tasks >= 50, `content-script tasks timed: ${JSON.stringify(tasks)}`);
      assert.ok(tasks.longestMs > 0 && tasks.totalMs >= tasks.longestMs);
      await page.close();
    });

    test('images in open shadow roots (present and added later) and in same-origin frames', async () => {
      const page = await open('components.html');
      const wanted = ['shadow-1', 'shadow-2', 'shadow-late', 'nested-shadow', 'frame-src', 'frame-srcdoc'];
      const states = await waitFor(async () => {
        const s = await deepStates(page);
        return wanted.every((id) => s[id]?.state === 'done') && s['shadow-icon']?.reason && s;
      }, { timeoutMs: 90000, what: 'shadow-root and frame images scored' }).catch(async (e) => {
        throw new Error(`${e.message}: ${JSON.stringify(await deepStates(page))}`);
      });
      assert.equal(states['shadow-icon'].reason, 'small');
      await page.close();
    });

    test('badges sit on the visible part of clipped images, and follow scrolling inside a box', async () => {
      const page = await open('clipped.html');
      const ids = ['shifted', 'round', 'cover', 'scroller'];
      await waitFor(async () => {
        const s = await deepStates(page);
        return ids.every((id) => s[id]?.state === 'done');
      }, { timeoutMs: 90000, what: 'clipped photos scored' });
      const inside = async () => {
        const boxes = await page.evaluate(() => {
          const root = document.querySelector('aiorhuman-overlay').shadowRoot;
          return [...root.querySelectorAll('.badge')].filter((b) => !b.hidden).map((b) => {
            const r = b.getBoundingClientRect();
            return { left: r.left, top: r.top, right: r.right, bottom: r.bottom };
          });
        });
        const frames = await page.evaluate((list) => Object.fromEntries(list.map((id) => {
          const r = document.getElementById(`frame-${id}`).getBoundingClientRect();
          return [id, { left: r.left, top: r.top, right: r.right, bottom: r.bottom }];
        })), ids);
        // Each clipping box holds exactly one badge, wholly inside it.
        return ids.every((id) => boxes.filter((b) => b.left >= frames[id].left && b.right <= frames[id].right && b.top >= frames[id].top && b.bottom <= frames[id].bottom).length === 1);
      };
      await waitFor(inside, { timeoutMs: 5000, intervalMs: 100, what: 'each badge inside its clipping box' });
      await page.evaluate(() => { document.getElementById('frame-scroller').scrollTop = 120; });
      await waitFor(inside, { timeoutMs: 5000, intervalMs: 100, what: 'the badge inside its box after scrolling the box' });
      await page.evaluate(() => { document.body.style.paddingLeft = '60px'; });
      await waitFor(inside, { timeoutMs: 5000, intervalMs: 100, what: 'the badges inside their boxes after a layout change' });
      if (name === 'Chromium') await page.screenshot({ path: join(SHOTS, 'clipped.png'), clip: { x: 0, y: 0, width: 900, height: 330 } });
      await page.close();
    });

    test('right-click on a CSS background, a <picture> and a photo under a transparent overlay', async () => {
      const setup = await open('menu-kinds.html');
      await b.settings(setup, { disabledSites: ['127.0.0.1'] });
      await setup.close();
      const page = await open('menu-kinds.html');
      for (const id of ['background', 'picture', 'overlaid']) {
        const at = await page.evaluate((i) => {
          const r = document.getElementById(`box-${i}`).getBoundingClientRect();
          return [r.left + r.width / 2, r.top + r.height / 2];
        }, id);
        await page.mouse.click(at[0], at[1], { button: 'right' });
        // The menu item itself (native menus cannot be clicked headless): the browser gives no
        // image URL for these, as for a right-click on the page.
        await page.evaluate(() => window.postMessage({ aiorhumanTest: 'context-menu' }, '*'));
        await waitFor(async () => (await deepStates(page))[id]?.state === 'done', { what: `${id} checked after a right-click` });
      }
      const states = await deepStates(page);
      assert.equal(states.untouched.state, null, 'nothing else is checked (badges are off here)');
      await b.settings(page, {});
      await page.close();
    });

    test('the verdict explained, never 0% or 100%; a 300 x 98 photo is badged; report a mistake', async () => {
      const page = await open('explain.html');
      const states = await waitFor(async () => {
        const s = await deepStates(page);
        return s.banner?.state === 'done' && s.photo?.state === 'done' && s.icon?.reason && s;
      }, { what: 'explained photos scored and the icon judged' });
      assert.equal(states.icon.reason, 'small');
      const at = await page.evaluate(() => {
        const r = document.querySelector('[data-test-id=photo]').getBoundingClientRect();
        return [r.left + 14, r.top + 12];
      });
      await waitFor(() => page.evaluate(([x, y]) => document.elementFromPoint(x, y)?.localName === 'aiorhuman-overlay', at), { what: 'the badge placed' });
      await page.mouse.click(at[0], at[1]);
      const text = await waitFor(() => page.evaluate(() => document.querySelector('aiorhuman-overlay').shadowRoot.querySelector('.badge.open')?.textContent), { what: 'details open' });
      assert.match(text, /not proof/);
      assert.match(text, /Verdict: (AI|Human|Unsure): /);
      assert.doesNotMatch(text, /\b(0|100)(\.0)?%/);
      const button = await page.evaluate(() => {
        const r = document.querySelector('aiorhuman-overlay').shadowRoot.querySelector('.badge.open button').getBoundingClientRect();
        return [r.left + r.width / 2, r.top + r.height / 2];
      });
      if (name === 'Chromium') await page.screenshot({ path: join(SHOTS, 'details.png'), clip: { x: 0, y: 0, width: 760, height: 360 } });
      await page.mouse.click(button[0], button[1]);
      await waitFor(async () => /Saved in this browser/.test(await page.evaluate(() => document.querySelector('aiorhuman-overlay').shadowRoot.querySelector('.badge.open')?.textContent)), { what: 'the report saved' });
      await page.close();
    });

    if (name === 'Chromium') {
      test('options: a server mode without a URL is refused; reports export as a training set', async () => {
        const options = await b.newPage();
        await options.goto(`chrome-extension://${b.extensionId}/options/options.html`);
        await options.check('input[name=mode][value=server]');
        await waitFor(async () => /Not saved: This mode needs a server URL/.test(await options.textContent('#saved')), { what: 'the error' });
        assert.equal(await b.worker.evaluate(() => chrome.storage.local.get('mode').then((s) => s.mode ?? 'local')), 'local');
        await options.check('input[name=mode][value=local]');
        await waitFor(async () => /1 reported/.test(await options.textContent('#reports-count')), { what: 'the report listed' });
        const [download] = await Promise.all([options.waitForEvent('download'), options.click('#reports-export')]);
        expectReportedPhotoZip(readFileSync(await download.path()));
        await options.close();
      });
    }

    if (name === 'Firefox') {
      test('options: a server mode without a URL is refused; reports export as a training set', async () => {
        const pages = b.extensionPages;
        const options = /options\/options\.html/;
        await pages.evaluate(/_generated_background_page\.html/, 'browser.runtime.openOptionsPage().then(() => 1)');
        // The page's frame is listed before its module script has run; click only once it has.
        await waitFor(async () => (await pages.evaluate(options, 'document.readyState')) === 'complete', { what: 'the options page loaded' });
        await pages.evaluate(options, `document.querySelector('input[name=mode][value=server]').click(), 1`);
        await waitFor(async () => /Not saved: This mode needs a server URL/.test(await pages.evaluate(options, `document.getElementById('saved').textContent`)), { what: 'the error' });
        assert.equal(await pages.evaluate(options, `browser.storage.local.get('mode').then((s) => s.mode ?? 'local')`), 'local');
        await pages.evaluate(options, `document.querySelector('input[name=mode][value=local]').click(), 1`);
        await waitFor(async () => /1 reported/.test(await pages.evaluate(options, `document.getElementById('reports-count').textContent`)), { what: 'the report listed' });
        // The export button's zip, as the page hands it to the browser's download (the blob it
        // makes a URL for), kept as base64 and read back in pieces (the protocol shortens long
        // strings): the automation cannot reach Firefox's downloads.
        const length = await pages.evaluate(options, `new Promise((resolve) => {
          const makeUrl = URL.createObjectURL;
          URL.createObjectURL = (blob) => {
            URL.createObjectURL = makeUrl;
            blob.arrayBuffer().then((buffer) => {
              const bytes = new Uint8Array(buffer);
              let text = '';
              for (let i = 0; i < bytes.length; i += 8192) text += String.fromCharCode(...bytes.subarray(i, i + 8192));
              window.exportedZip = btoa(text);
              resolve(window.exportedZip.length);
            });
            return makeUrl(blob);
          };
          document.getElementById('reports-export').click();
        })`);
        let zipBase64 = '';
        while (zipBase64.length < length) {
          zipBase64 += await pages.evaluate(options, `window.exportedZip.slice(${zipBase64.length}, ${zipBase64.length + 4000})`);
        }
        expectReportedPhotoZip(Buffer.from(zipBase64, 'base64'));
        await pages.closePage(options);
      });
    }
  });
}

cases('Chromium', async () => {
  const browser = await launchChromium(material.chromeDir);
  return {
    ...browser,
    newPage: () => browser.context.newPage(),
    settings: (page, values) => browser.worker.evaluate((v) => chrome.storage.local.clear().then(() => chrome.storage.local.set(v)), values),
  };
});

cases('Firefox', async () => {
  // devtools: the options page through Firefox's remote debugging protocol.
  const browser = await launchFirefox(material.firefoxDir, { devtools: true });
  return {
    extensionPages: browser.extensionPages,
    newPage: () => browser.newPage(),
    close: () => {
      browser.extensionPages.close();
      return browser.close().catch(() => {});
    },
    settings: async (page, values) => {
      await page.evaluate((v) => window.postMessage({ aiorhumanTest: 'settings', values: v }, '*'), values);
      await new Promise((r) => setTimeout(r, 500));
    },
  };
});

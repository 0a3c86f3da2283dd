// A real right-click, in each browser: headed under Xvfb, the native context menu opened with
// xdotool and our item chosen from the keyboard (Chromium puts it just above "Inspect", the
// menu's last item; Firefox puts it last, below "Inspect"). Badges are off for the site, so only
// the menu can bring the verdict. Skipped where Xvfb or xdotool are missing. The open menu is
// photographed from the X screen (native-menu-<browser>.png in build/screenshots, or in
// docs/screenshots with AIORHUMAN_SCREENSHOTS=1).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PYTHON, REPO, ROOT, expectPython, html, launchChromium, launchFirefox, prepare, readStates, serve, waitFor } from './helpers.mjs';

const SHOTS = process.env.AIORHUMAN_SCREENSHOTS ? join(REPO, 'docs/screenshots') : join(ROOT, 'build/screenshots');

function has(program) {
  try {
    execFileSync('which', [program], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const skip = !(has('Xvfb') && has('xdotool')) && 'needs Xvfb and xdotool';

/** An X display of its own for the test; DISPLAY points at it until `stop()`. */
async function startXvfb() {
  // -displayfd: Xvfb picks a free display and writes its number to us.
  const xvfb = spawn('Xvfb', ['-displayfd', '1', '-screen', '0', '1280x900x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const display = await new Promise((resolve, reject) => {
    xvfb.stdout.once('data', (d) => resolve(`:${String(d).trim()}`));
    xvfb.once('exit', () => reject(new Error('Xvfb exited')));
    setTimeout(() => reject(new Error('Xvfb did not start')), 10000);
  });
  const previous = process.env.DISPLAY;
  process.env.DISPLAY = display;
  return {
    xdotool: (...args) => execFileSync('xdotool', args, { env: { ...process.env, DISPLAY: display } }),
    /** Save the screen's box [left, top, width, height] as PNG `name` (Pillow reads X). */
    photograph(name, [left, top, width, height]) {
      mkdirSync(SHOTS, { recursive: true });
      const code = `from PIL import ImageGrab; ImageGrab.grab(xdisplay=${JSON.stringify(display)}).crop((${left}, ${top}, ${left + width}, ${top + height})).save(${JSON.stringify(join(SHOTS, name))})`;
      execFileSync(PYTHON, ['-c', code]);
    },
    stop() {
      xvfb.kill();
      if (previous === undefined) delete process.env.DISPLAY;
      else process.env.DISPLAY = previous;
    },
  };
}

/**
 * Right-click at screen position `at`, photograph the open menu (`shot`: file name and screen
 * box), then choose our item, `fromBottom` items up the menu.
 */
async function rightClickAndChoose(x, at, fromBottom, shot) {
  x.xdotool('mousemove', String(at[0]), String(at[1]));
  x.xdotool('click', '3');
  await new Promise((r) => setTimeout(r, 800));
  for (let i = 0; i < fromBottom; i++) x.xdotool('key', 'Up');
  await new Promise((r) => setTimeout(r, 200));
  x.photograph(...shot);
  x.xdotool('key', 'Return');
}

/** The screen box around the image and its menu (the menu opens at the pointer). */
function boxAround(at) {
  return [Math.max(0, at[0] - 260), Math.max(0, at[1] - 170), 620, 420];
}

async function expectVerdict(page, scores) {
  const state = await waitFor(async () => {
    const s = (await readStates(page))[0];
    return s.state === 'done' && s;
  }, { timeoutMs: 60000, what: 'the verdict after the real right-click' });
  expectPython(state, 'rocket.jpg', scores);
}

describe('real right-click', { skip, timeout: 180000 }, () => {
  test('Chromium: "Check if AI-generated" → verdict on the image', async () => {
    const { scores, chromeDir } = prepare();
    const x = await startXvfb();
    const images = await serve();
    const site = await serve({ 'm.html': html(`<img data-test-id="rocket" src="${images.url}/img/rocket.jpg" width="400">`) });
    let browser;
    try {
      browser = await launchChromium(chromeDir, { headless: false, viewport: null });
      await browser.worker.evaluate(() => chrome.storage.local.set({ disabledSites: ['127.0.0.1'] }));
      const page = browser.context.pages()[0] ?? (await browser.context.newPage());
      await page.goto(`${site.url}/pages/m.html`);
      await page.waitForFunction(() => document.querySelector('img').complete);
      await page.waitForTimeout(500);
      assert.equal((await readStates(page))[0].state, null, 'badges are off for this site');
      const at = await page.evaluate(() => {
        const r = document.querySelector('img').getBoundingClientRect();
        return [
          Math.round(window.screenX + r.left + r.width / 2),
          Math.round(window.screenY + (window.outerHeight - window.innerHeight) + r.top + r.height / 2),
        ];
      });
      await rightClickAndChoose(x, at, 2, ['native-menu-chromium.png', boxAround(at)]); // above "Inspect"
      await expectVerdict(page, scores);
    } finally {
      await browser?.close();
      await images.close();
      await site.close();
      x.stop();
    }
  });

  test('Firefox: "Check if AI-generated" → verdict on the image', async () => {
    const { scores, firefoxDir } = prepare();
    const x = await startXvfb();
    const images = await serve();
    const site = await serve({
      'blank.html': html('<p>settings</p>'),
      'm.html': html(`<img data-test-id="rocket" src="${images.url}/img/rocket.jpg" width="400">`),
    });
    let browser;
    try {
      browser = await launchFirefox(firefoxDir, { headless: false });
      const page = (await browser.pages())[0] ?? (await browser.newPage());
      // Firefox's automation cannot reach the extension's pages: settings go through the
      // test build's page hook, before the page under test loads.
      await page.goto(`${site.url}/pages/blank.html`);
      await waitFor(async () => {
        await page.evaluate(() => window.postMessage({ aiorhumanTest: 'settings', values: { disabledSites: ['127.0.0.1'] } }, '*'));
        await new Promise((r) => setTimeout(r, 500));
        await page.goto(`${site.url}/pages/m.html`);
        await page.waitForFunction(() => document.querySelector('img').complete);
        await new Promise((r) => setTimeout(r, 1500));
        return (await readStates(page))[0].state === null;
      }, { timeoutMs: 30000, what: 'badges off for this site' });
      // mozInnerScreenX/Y: where the page's content area starts on the screen.
      const at = await page.evaluate(() => {
        const r = document.querySelector('img').getBoundingClientRect();
        return [Math.round(window.mozInnerScreenX + r.left + r.width / 2), Math.round(window.mozInnerScreenY + r.top + r.height / 2)];
      });
      await rightClickAndChoose(x, at, 1, ['native-menu-firefox.png', boxAround(at)]); // the last item
      await expectVerdict(page, scores);
    } finally {
      await browser?.close();
      await images.close();
      await site.close();
      x.stop();
    }
  });
});

// A real right-click: headed Chromium under Xvfb, the native context menu opened with
// xdotool and our item chosen from the keyboard (it sits just above "Inspect").
// Skipped where Xvfb or xdotool are missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { html, launchChromium, prepare, readStates, serve, waitFor } from './helpers.mjs';

function has(program) {
  try {
    execFileSync('which', [program], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const skip = !(has('Xvfb') && has('xdotool')) && 'needs Xvfb and xdotool';

test('real right-click → "Check if AI-generated" → verdict on the image', { skip, timeout: 120000 }, async () => {
  const { scores, chromeDir } = prepare();
  // -displayfd: Xvfb picks a free display and writes its number to us.
  const xvfb = spawn('Xvfb', ['-displayfd', '1', '-screen', '0', '1280x900x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const display = await new Promise((resolve, reject) => {
    xvfb.stdout.once('data', (d) => resolve(`:${String(d).trim()}`));
    xvfb.once('exit', () => reject(new Error('Xvfb exited')));
    setTimeout(() => reject(new Error('Xvfb did not start')), 10000);
  });
  const previousDisplay = process.env.DISPLAY;
  process.env.DISPLAY = display;
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
    const xdotool = (...args) => execFileSync('xdotool', args, { env: { ...process.env, DISPLAY: display } });
    xdotool('mousemove', String(at[0]), String(at[1]));
    xdotool('click', '3');
    await new Promise((r) => setTimeout(r, 800));
    xdotool('key', 'Up'); // "Inspect"
    xdotool('key', 'Up'); // "Check if AI-generated"
    xdotool('key', 'Return');
    const state = await waitFor(async () => {
      const s = (await readStates(page))[0];
      return s.state === 'done' && s;
    }, { timeoutMs: 30000, what: 'the verdict after the real right-click' });
    const python = scores.scores['rocket.jpg'];
    assert.ok(Math.abs(state.probability - python.probability_ai) <= 0.01);
    assert.equal(state.verdict, python.verdict);
  } finally {
    await browser?.close();
    await images.close();
    await site.close();
    xvfb.kill();
    if (previousDisplay === undefined) delete process.env.DISPLAY;
    else process.env.DISPLAY = previousDisplay;
  }
});

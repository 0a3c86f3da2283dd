// The content script: finds the images of the page worth scoring (open shadow roots
// included; same-origin frames run their own copy), asks the background for verdicts (visible
// images first, a few at a time) and shows them as badges. It never reads pixels from the
// page: the extension fetches the image bytes itself. Every piece of work on the page's main
// thread is cut into slices of a few milliseconds (test builds time each task: tasks.js).

import { normalizeSettings, badgesEnabledFor } from '../lib/settings.js';
import { cssBackgroundUrl, isBigEnough, isScorableUrl, isSvgUrl } from '../lib/pageimages.js';
import { PRIORITY } from '../lib/queue.js';
import { Badges } from './badges.js';
import { formatProbability, verdictLabel } from '../lib/verdict.js';
import { claimSummary, metadataSummary } from '../lib/provenance-text.js';
import { imageAt } from './pointer.js';
import { taskStats, timed } from './tasks.js';

const api = globalThis.browser ?? globalThis.chrome;
const MAX_IN_FLIGHT = 3; // requests this page has open at once
const NEAR_MARGIN = 300; // px around the viewport where images are scored ahead of time
const SLICE_MS = 8; // longest piece of scanning work before yielding to the page
const MAX_DATA_URL_BYTES = 20 * 1024 * 1024;
const REQUEST_TIMEOUT_MS = 120000; // a request never blocks this page's queue for longer
const POINTER_MEMORY_MS = 60000; // how long the image under the last right-click is kept
// A frame of about:blank or srcdoc has no host name of its own: its origin's counts.
const HOST = location.hostname || hostOf(self.origin);

function hostOf(origin) {
  try {
    return new URL(origin).hostname;
  } catch {
    return '';
  }
}

let settings = normalizeSettings();
let enabled = false; // automatic badges on this page
let badges = null;
const entries = new Map(); // element -> entry {el, kind, url, state, result, forced, near}
const waiting = new Set(); // entries ready to be sent
let inFlight = 0;

const intersection = new IntersectionObserver(timed(onIntersect), { rootMargin: `${NEAR_MARGIN}px` });
// A second observer says which images are on screen, so choosing what to send next needs no
// layout reads.
const visibility = new IntersectionObserver(timed((records) => {
  for (const record of records) {
    const entry = entries.get(record.target);
    if (entry) entry.visible = record.isIntersecting;
  }
  pump();
}));

function overlay() {
  badges ??= new Badges({ corner: settings.badgePosition, onReport: report });
  return badges;
}

// ---------------------------------------------------------------- finding images

/** The URL an element displays: the chosen srcset / <picture> source for <img>. */
function urlOf(entry) {
  if (entry.kind === 'img') return entry.el.currentSrc || entry.el.src || '';
  const raw = cssBackgroundUrl(getComputedStyle(entry.el).backgroundImage);
  return raw ? new URL(raw, document.baseURI).href : '';
}

function track(el, kind) {
  if (entries.has(el)) return entries.get(el);
  const entry = { el, kind, url: '', state: 'new', result: null, forced: false, near: false, visible: false };
  entries.set(el, entry);
  intersection.observe(el);
  visibility.observe(el);
  return entry;
}

/** Is this element a large CSS background image? (Only called on elements of a good size.) */
function hasBackgroundImage(el) {
  const bg = getComputedStyle(el).backgroundImage;
  return bg !== 'none' && bg.includes('url(') && !isSvgUrl(cssBackgroundUrl(bg) ?? '');
}

// Open shadow roots: scanned like the document, watched for added images, and their load
// events heard (load events do not leave a shadow root).
const roots = new Set();
const WATCH = { childList: true, subtree: true, attributes: true, attributeFilter: ['src', 'srcset', 'style'] };

function watchRoot(root) {
  if (roots.has(root)) return;
  roots.add(root);
  mutations.observe(root, WATCH);
  root.addEventListener('load', onLoad, true);
  root.addEventListener('error', onLoad, true);
  scanLater(root);
}

function consider(el) {
  if (el.nodeType !== 1 || entries.has(el)) return;
  if (el.shadowRoot && enabled) watchRoot(el.shadowRoot);
  if (el.localName === 'img') {
    track(el, 'img');
  } else if (el !== document.body && el !== document.documentElement && el.localName !== 'aiorhuman-overlay') {
    if (isBigEnough(el.offsetWidth, el.offsetHeight, settings.minSize) && hasBackgroundImage(el)) {
      track(el, 'bg');
    }
  }
}

// Scanning happens in slices so a page with thousands of elements never blocks for long.
const scanQueue = [];
let scanScheduled = false;

function scanLater(root) {
  scanQueue.push(root);
  if (!scanScheduled) {
    scanScheduled = true;
    setTimeout(scanSlice, 0);
  }
}

const scanSlice = timed(() => {
  const end = performance.now() + SLICE_MS;
  while (scanQueue.length && performance.now() < end) {
    const item = scanQueue[scanQueue.length - 1];
    if (item.walker === undefined) {
      scanQueue.pop();
      if (!item.isConnected || !enabled) continue;
      consider(item);
      if (item.firstElementChild) {
        scanQueue.push({ walker: document.createTreeWalker(item, NodeFilter.SHOW_ELEMENT) });
      }
      continue;
    }
    let node = null;
    for (let i = 0; i < 200 && (node = item.walker.nextNode()); i++) consider(node);
    if (!node) scanQueue.splice(scanQueue.indexOf(item), 1); // shadow roots may sit above it now
  }
  scanScheduled = scanQueue.length > 0;
  if (scanScheduled) setTimeout(scanSlice, 0);
});

const mutations = new MutationObserver(timed((records) => {
  badges?.schedule(); // the layout may have moved under the badges
  for (const record of records) {
    if (record.type === 'childList') {
      for (const node of record.addedNodes) if (node.nodeType === 1) scanLater(node);
    } else {
      const entry = entries.get(record.target);
      if (entry) reset(entry);
      else changed.add(record.target);
    }
  }
  if (changed.size && !changedTimer) changedTimer = setTimeout(checkChanged, 200);
}));

// Elements whose src/srcset/style changed: looked at (alone, not their subtree) at most five
// times a second, so pages that animate inline styles cost next to nothing.
const changed = new Set();
let changedTimer = 0;
const checkChanged = timed(() => {
  changedTimer = 0;
  const end = performance.now() + SLICE_MS;
  for (const el of changed) {
    changed.delete(el);
    if (enabled && el.isConnected) consider(el);
    if (performance.now() > end) break;
  }
  if (changed.size) changedTimer = setTimeout(checkChanged, 200);
});

// An element's image changed (new src, srcset choice, lazy load): score it again.
function reset(entry) {
  const url = urlOf(entry);
  if (url === entry.url && entry.state !== 'new') return;
  if (entry.state === 'done' && !entry.forced) badges?.remove(entry.el);
  entry.state = 'new';
  entry.result = null;
  if (entry.forced) check(entry);
  else if (entry.near) remeasure(entry);
}

/**
 * Ask the observer for a fresh record of the element: its box comes with it, measured in the
 * browser's own rendering step, so a page that loads hundreds of images never has its layout
 * forced once per image.
 */
function remeasure(entry) {
  intersection.unobserve(entry.el);
  intersection.observe(entry.el);
}

/** An image finished loading (or failed to): check it with its final URL. */
const onLoad = timed((event) => {
  const el = event.target;
  if (el.localName !== 'img') return;
  const entry = entries.get(el) ?? (enabled ? track(el, 'img') : null);
  if (entry) reset(entry);
});

// ---------------------------------------------------------------- scoring

function onIntersect(records) {
  for (const record of records) {
    const entry = entries.get(record.target);
    if (!entry) continue;
    entry.near = record.isIntersecting;
    // A skipped-as-small image may have grown since (carousels, responsive layouts).
    const grown = entry.state === 'skipped' && entry.result?.reason === 'small';
    if (entry.near && (entry.state === 'new' || grown)) check(entry, record.boundingClientRect);
  }
  pump();
}

/**
 * Decide whether an entry can be scored now, and queue it. `rect`: its box when the caller
 * has it (an IntersectionObserver record), so that no layout is forced here.
 */
function check(entry, rect = null) {
  if (!enabled && !entry.forced) return;
  const { el } = entry;
  if (entry.kind === 'img') {
    if (!el.complete) return; // its load event brings it back
    if (el.naturalWidth === 0) return skip(entry, 'broken');
  }
  entry.url = urlOf(entry);
  if (!isScorableUrl(entry.url)) return skip(entry, isSvgUrl(entry.url) ? 'svg' : 'no-url');
  if (!entry.forced) {
    // An observer's record made before the frame's first layout reads 0 x 0: measure then.
    if (!rect || rect.width * rect.height === 0) rect = el.getBoundingClientRect();
    const natural = entry.kind === 'img' ? isBigEnough(el.naturalWidth, el.naturalHeight, settings.minSize) : true;
    if (!natural || !isBigEnough(rect.width, rect.height, settings.minSize)) return skip(entry, 'small');
  }
  entry.state = 'waiting';
  waiting.add(entry);
  pump();
}

function skip(entry, reason) {
  entry.state = 'skipped';
  entry.result = { status: 'skipped', reason };
  mirror(entry);
}

/** Send the best waiting entries: right-clicked, then visible, then near the viewport. */
function pump() {
  if (inFlight >= MAX_IN_FLIGHT || waiting.size === 0) return;
  const ranked = [];
  for (const entry of waiting) {
    let priority = PRIORITY.NEAR;
    if (entry.forced) priority = PRIORITY.CONTEXT_MENU;
    else if (entry.visible) priority = PRIORITY.VISIBLE;
    else if (!entry.near) continue; // scrolled far away: wait until it comes back
    ranked.push([priority, entry]);
  }
  ranked.sort((a, b) => a[0] - b[0]);
  for (const [priority, entry] of ranked) {
    if (inFlight >= MAX_IN_FLIGHT) break;
    waiting.delete(entry);
    send(entry, priority);
  }
}

async function blobToDataUrl(url) {
  const blob = await (await fetch(url)).blob();
  if (blob.size > MAX_DATA_URL_BYTES) throw new Error('too large');
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

async function send(entry, priority) {
  inFlight++;
  entry.state = 'working';
  const url = entry.url;
  if (entry.forced) overlay().show(entry.el, 'working');
  mirror(entry);
  let result;
  try {
    // blob: URLs belong to the page: only this script can read them.
    const dataUrl = url.startsWith('blob:') ? await blobToDataUrl(url) : undefined;
    let timer;
    result = await Promise.race([
      api.runtime.sendMessage({ type: 'score', url, dataUrl, priority }),
      new Promise((resolve) => {
        timer = setTimeout(resolve, REQUEST_TIMEOUT_MS, { status: 'error', reason: 'timeout', message: 'no answer in time' });
      }),
    ]).finally(() => clearTimeout(timer));
    result ??= { status: 'error', reason: 'no-answer', message: 'no answer from the extension' };
  } catch (error) {
    result = { status: 'error', reason: 'extension', message: String(error?.message ?? error) };
  }
  settle(entry, url, result);
}

/** The background's answer for `entry` (asked for `url`): shown, or asked again if dropped. */
const settle = timed((entry, url, result) => {
  inFlight--;
  if (entry.url === url && entry.state === 'working') {
    if (result.status === 'cancelled') {
      entry.state = 'new'; // dropped by the engine: ask again if it is still wanted
      if (entry.near || entry.forced) check(entry);
    } else {
      entry.state = 'done';
      entry.result = result;
      render(entry);
    }
  }
  pump();
});

function render(entry) {
  const { result } = entry;
  mirror(entry);
  if (!entry.forced) {
    if (!enabled) return;
    if (result.status === 'skipped') return; // broken / svg: no badge
    if (result.status === 'ok' && result.verdict === 'human' && !settings.showHuman) return;
  }
  overlay().show(entry.el, 'done', result);
}

// Test builds mirror each image's state onto the page so browser tests can read it
// (the badges live in a closed shadow root). TEST_BUILD is false in release builds.
function mirror(entry) {
  if (!TEST_BUILD) return;
  const { el, result } = entry;
  el.dataset.aiorhumanState = entry.state;
  if (result?.status === 'ok') {
    el.dataset.aiorhumanVerdict = result.verdict;
    el.dataset.aiorhumanProbability = String(result.probability);
    el.dataset.aiorhumanSource = result.source;
    el.dataset.aiorhumanReason = result.reason ?? '';
    el.dataset.aiorhumanModelVerdict = result.modelVerdict ?? '';
    el.dataset.aiorhumanProvenance = JSON.stringify(result.provenance ?? null);
  } else if (result) {
    el.dataset.aiorhumanVerdict = '';
    el.dataset.aiorhumanReason = result.reason ?? '';
  }
}

// ---------------------------------------------------------------- right-click

// The browser tells which image was right-clicked only for a plain <img> that is on top. The
// element under the pointer is remembered at each right-click, so the menu also works on CSS
// backgrounds, <picture>, images inside shadow roots and images under transparent overlays.
let pointed = null; // {el, time}

const onContextMenu = timed((event) => {
  const el = imageAt(document, event.clientX, event.clientY, (node) => node === badges?.host);
  pointed = el ? { el, time: Date.now() } : null;
});

function findImage(srcUrl) {
  if (srcUrl) {
    for (const img of document.images) {
      if (img.currentSrc === srcUrl || img.src === srcUrl) return img;
    }
    for (const [el, entry] of entries) if (entry.url === srcUrl) return el;
  }
  if (pointed && Date.now() - pointed.time < POINTER_MEMORY_MS && pointed.el.isConnected) {
    const { el } = pointed;
    if (!srcUrl || el.currentSrc === srcUrl || el.src === srcUrl) return el;
  }
  return null;
}

async function checkImage(srcUrl) {
  const el = findImage(srcUrl);
  if (!el && !srcUrl) {
    overlay().toast('AI or Human: no image under the pointer here.');
    return;
  }
  if (!el) {
    overlay().toast('AI or Human: checking this image…');
    toastResult(await api.runtime.sendMessage({ type: 'score', url: srcUrl, priority: PRIORITY.CONTEXT_MENU }));
    return;
  }
  const entry = track(el, el.localName === 'img' ? 'img' : 'bg');
  entry.forced = true;
  waiting.delete(entry);
  if (entry.state === 'done' && entry.result?.status === 'ok') {
    overlay().show(el, 'done', entry.result);
    return;
  }
  entry.state = 'new';
  entry.url = urlOf(entry) || srcUrl;
  overlay().show(el, 'working');
  if (entry.kind === 'img' && !el.complete) return; // shown when it loads
  entry.state = 'waiting';
  waiting.add(entry);
  pump();
}

/** The verdict on an image found nowhere on the page, as a notice. */
const toastResult = timed((result) => {
  const text = result?.status === 'ok'
    ? `AI or Human: ${verdictLabel(result.verdict)}${result.reason === 'metadata' ? ` (metadata: ${metadataSummary(result.provenance)})` : ''} (probability AI-generated ${formatProbability(result.probability)})`
    : `AI or Human: not scored (${result?.message ?? 'no answer'})`;
  overlay().toast(text);
});

// ---------------------------------------------------------------- report a mistake

/** "Report a mistake" in a badge's details: the background keeps it (and sends it if asked). */
async function report(el, label) {
  const entry = entries.get(el);
  if (!entry?.result || entry.result.status !== 'ok') throw new Error('no verdict to correct');
  const dataUrl = entry.url.startsWith('blob:') ? await blobToDataUrl(entry.url) : undefined;
  const answer = await api.runtime.sendMessage({ type: 'report', url: entry.url, dataUrl, label, result: entry.result });
  if (!answer?.ok) throw new Error(answer?.message ?? 'no answer from the extension');
  return answer.message;
}

// ---------------------------------------------------------------- start, stop, popup

function start() {
  if (enabled) return;
  enabled = true;
  document.addEventListener('load', onLoad, true);
  document.addEventListener('error', onLoad, true); // broken images: checked, then skipped
  mutations.observe(document.documentElement, WATCH);
  for (const root of roots) {
    mutations.observe(root, WATCH);
    root.addEventListener('load', onLoad, true);
    root.addEventListener('error', onLoad, true);
  }
  scanLater(document.documentElement);
  for (const entry of entries.values()) if (entry.state === 'new' && entry.near) check(entry);
}

function stop() {
  if (!enabled) return;
  enabled = false;
  document.removeEventListener('load', onLoad, true);
  document.removeEventListener('error', onLoad, true);
  for (const root of roots) {
    root.removeEventListener('load', onLoad, true);
    root.removeEventListener('error', onLoad, true);
  }
  mutations.disconnect();
  waiting.clear();
  for (const entry of entries.values()) {
    if (!entry.forced) badges?.remove(entry.el);
    if (entry.state === 'waiting') entry.state = 'new';
  }
}

function summary() {
  const counts = { checked: 0, ai: 0, human: 0, unsure: 0, skipped: 0, errors: 0, pending: 0, metadata: 0, metadataImages: [], claims: 0, claimImages: [] };
  for (const { state, result, url } of entries.values()) {
    if (state === 'waiting' || state === 'working') counts.pending++;
    else if (result?.status === 'ok') {
      counts.checked++;
      counts[result.verdict]++;
      if (result.reason === 'metadata') {
        counts.metadata++;
        if (counts.metadataImages.length < 5) {
          counts.metadataImages.push({ url, why: metadataSummary(result.provenance, 110) });
        }
      } else {
        // A C2PA AI claim the model decided (signer not recognised, or manifest invalid).
        const why = claimSummary(result.provenance, 140);
        if (why) {
          counts.claims++;
          if (counts.claimImages.length < 5) counts.claimImages.push({ url, why });
        }
      }
    } else if (result?.status === 'skipped') counts.skipped++;
    else if (result) counts.errors++;
  }
  return { ...counts, site: HOST, enabled, badges: settings.badges };
}

function applySettings() {
  overlay().setCorner(settings.badgePosition);
  if (badgesEnabledFor(settings, HOST)) start();
  else stop();
  // A new size threshold or the human switch changes which badges show.
  for (const entry of entries.values()) {
    if (entry.state === 'done') {
      if (!entry.forced) badges?.remove(entry.el);
      render(entry);
    } else if (entry.state === 'skipped' && entry.result?.reason === 'small') {
      entry.state = 'new';
      if (entry.near) check(entry);
    }
  }
}

api.runtime.onMessage.addListener(timed((message, _sender, sendResponse) => {
  if (message?.type === 'check-image') {
    checkImage(message.srcUrl);
    sendResponse({ ok: true });
  } else if (message?.type === 'summary') {
    sendResponse(summary());
  }
  return false;
}));

api.storage.onChanged.addListener(timed((changes, area) => {
  if (area !== 'local') return;
  const next = {};
  for (const [key, { newValue }] of Object.entries(changes)) next[key] = newValue;
  settings = normalizeSettings({ ...settings, ...next });
  applySettings();
}));

// Leaving the page: the engine drops this tab's queued work. Only the top frame speaks for
// the tab (a frame that reloads must not cancel the page's requests).
if (window === window.top) {
  addEventListener('pagehide', timed(() => {
    api.runtime.sendMessage({ type: 'cancel-tab' }).catch(() => {});
  }));
}

document.addEventListener('contextmenu', onContextMenu, true);

// Forget elements the page removed, so long-lived pages do not keep them alive.
setInterval(timed(() => {
  for (const [el, entry] of entries) {
    if (!el.isConnected) {
      entries.delete(el);
      if (pointed?.el === el) pointed = null;
      waiting.delete(entry);
      intersection.unobserve(el);
      visibility.unobserve(el);
    }
  }
}), 10000);

if (TEST_BUILD) {
  // Lets browser tests trigger the context-menu handler (native menus cannot be clicked
  // headless): the page posts {aiorhumanTest: 'context-menu', srcUrl}; and set settings.
  addEventListener('message', timed((event) => {
    if (event.source !== window) return;
    if (event.data?.aiorhumanTest === 'context-menu') {
      api.runtime.sendMessage({ type: 'test:context-menu', srcUrl: event.data.srcUrl });
    } else if (event.data?.aiorhumanTest === 'provenance') {
      // The extension's own provenance reader on a URL; the answer comes back as a message.
      const { id, url } = event.data;
      api.runtime.sendMessage({ type: 'test:provenance', url }).then(
        (value) => window.postMessage({ aiorhumanTestResult: id, value: JSON.stringify(value) }, '*'),
        (error) => window.postMessage({ aiorhumanTestResult: id, error: String(error?.message ?? error) }, '*'),
      );
    } else if (event.data?.aiorhumanTest === 'tasks') {
      // The content script's own tasks so far (tasks.js).
      window.postMessage({ aiorhumanTestResult: event.data.id, value: JSON.stringify(taskStats()) }, '*');
    } else if (event.data?.aiorhumanTest === 'settings') {
      // Firefox's automation cannot open the options page: tests set settings from here.
      api.storage.local.clear().then(() => api.storage.local.set(event.data.values));
    }
  }));
}

api.storage.local.get(null).then(timed((stored) => {
  settings = normalizeSettings(stored);
  if (badgesEnabledFor(settings, HOST)) start();
}));

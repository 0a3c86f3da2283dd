// The background: the context-menu item, settings, and the router between content scripts
// and the engine. The engine lives elsewhere per browser (see chrome.js and firefox.js):
// Chrome's service worker has no DOM and is stopped when idle, so the model runs in an
// offscreen document; Firefox's background page can run it directly.

import { normalizeSettings } from '../lib/settings.js';
import { PRIORITY } from '../lib/queue.js';
import { reportMistake } from './report.js';

const api = globalThis.browser ?? globalThis.chrome;
export const MENU_ID = 'aiorhuman-check';

/**
 * @param {object} host the engine host: score(request, settings), cancelTab(tabId),
 *   clearCache(), stats()
 */
export function startBackground(host) {
  let settings = normalizeSettings();
  const loaded = api.storage.local.get(null).then((stored) => {
    settings = normalizeSettings(stored);
  });

  api.storage.onChanged.addListener((changes, area) => {
    if (area !== 'local') return;
    const before = settings;
    const next = {};
    for (const [key, { newValue }] of Object.entries(changes)) next[key] = newValue;
    settings = normalizeSettings({ ...settings, ...next });
    const engineChanged = ['mode', 'serverUrl', 'apiKey'].some((k) => before[k] !== settings[k]);
    if (engineChanged) host.clearCache().catch(() => {});
  });

  function createMenu() {
    api.contextMenus.removeAll(() => {
      // Not only 'image': the browser says "image" only for a plain <img> on top, and the
      // content script finds backgrounds and images under overlays itself.
      api.contextMenus.create({ id: MENU_ID, title: 'Check if AI-generated', contexts: ['image', 'page', 'link', 'frame'] });
    });
  }
  api.runtime.onInstalled.addListener(createMenu);
  api.runtime.onStartup?.addListener(createMenu);

  /** Right-click handler: the content script of that frame shows the working state and the verdict. */
  async function onContextMenuClicked(info, tab) {
    if (info.menuItemId !== MENU_ID || !tab?.id || tab.id < 0) return;
    const message = { type: 'check-image', srcUrl: info.srcUrl };
    try {
      await api.tabs.sendMessage(tab.id, message, { frameId: info.frameId ?? 0 });
    } catch {
      // No content script there (a browser page, or a frame we may not enter).
    }
  }
  api.contextMenus.onClicked.addListener(onContextMenuClicked);

  api.tabs.onRemoved.addListener((tabId) => {
    host.cancelTab(tabId).catch(() => {});
  });

  async function handle(message, sender) {
    await loaded;
    const tabId = sender.tab?.id ?? null;
    switch (message.type) {
      case 'score':
        return host.score(
          {
            url: message.url,
            dataUrl: message.dataUrl,
            tabId,
            priority: message.priority ?? PRIORITY.NEAR,
          },
          settings,
        );
      case 'report':
        return reportMistake({ ...message, pageUrl: sender.url ?? '' }, settings);
      case 'cancel-tab':
        if (tabId !== null) await host.cancelTab(tabId);
        return { ok: true };
      case 'stats':
        return host.stats();
      default:
        if (TEST_BUILD) return handleTest(message, sender);
        return undefined;
    }
  }

  // Test-only messages. TEST_BUILD is false in the release build, and esbuild removes this.
  const handleTest = TEST_BUILD
    ? async (message, sender) => {
        if (message.type === 'test:context-menu') {
          await onContextMenuClicked(
            { menuItemId: MENU_ID, srcUrl: message.srcUrl, frameId: sender.frameId },
            sender.tab,
          );
          return { ok: true };
        }
        if (message.type === 'test:provenance') return host.provenance(message.url);
        return undefined;
      }
    : null;
  if (TEST_BUILD) {
    globalThis.aiorhumanTest = {
      score: async (url) => {
        await loaded;
        return host.score({ url, priority: PRIORITY.CONTEXT_MENU }, settings);
      },
      warmUp: () => host.warmUp(),
      clearCache: () => host.clearCache(),
      stats: () => host.stats(),
      provenance: (url) => host.provenance(url),
      onContextMenuClicked,
      settings: () => settings,
    };
  }

  api.runtime.onMessage.addListener((message, sender, sendResponse) => {
    if (!message || typeof message !== 'object' || message.target === 'offscreen') return false;
    handle(message, sender).then(
      (result) => sendResponse(result),
      (error) => sendResponse({ status: 'error', reason: 'internal', message: String(error?.message ?? error) }),
    );
    return true; // answer asynchronously
  });
}

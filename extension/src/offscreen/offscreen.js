// Chrome's offscreen document: hosts the engine (TF.js model, queue, cache). It only
// answers messages addressed to it by the service worker (target: 'offscreen').
import { createLocalHost } from '../engine/host.js';

const host = createLocalHost((path) => chrome.runtime.getURL(path));

chrome.runtime.onMessage.addListener((message, _sender, sendResponse) => {
  if (message?.target !== 'offscreen') return false;
  let work;
  switch (message.type) {
    case 'score':
      work = host.score(message.request, message.settings);
      break;
    case 'cancel-tab':
      work = host.cancelTab(message.tabId);
      break;
    case 'clear-cache':
      work = host.clearCache();
      break;
    case 'warm-up':
      work = host.warmUp();
      break;
    case 'stats':
      work = host.stats();
      break;
    case 'provenance':
      if (!TEST_BUILD) return false;
      work = host.provenance(message.url);
      break;
    default:
      return false;
  }
  work.then(
    (result) => sendResponse(result ?? null),
    (error) => sendResponse({ status: 'error', reason: 'model-failed', message: String(error?.message ?? error) }),
  );
  return true;
});

// Load and warm the model as soon as the document exists, so the first image is fast.
host.warmUp().catch(() => {});

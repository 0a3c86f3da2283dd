// Chrome's engine host: an offscreen document (offscreen/offscreen.html) runs the model, and
// this side forwards requests to it. Concurrent createDocument calls race and fail
// ("Only a single offscreen document may be created"), so all callers share one promise.

let ready = null;

async function hasDocument() {
  const contexts = await chrome.runtime.getContexts({ contextTypes: ['OFFSCREEN_DOCUMENT'] });
  return contexts.length > 0;
}

function ensureDocument() {
  ready ??= (async () => {
    if (await hasDocument()) return;
    await chrome.offscreen.createDocument({
      url: 'offscreen/offscreen.html',
      reasons: ['WORKERS'],
      justification: 'Runs the image classifier (TF.js WebAssembly) locally, off the service worker.',
    });
  })().catch((error) => {
    ready = null;
    throw error;
  });
  return ready;
}

async function call(type, payload = {}) {
  for (let attempt = 0; ; attempt++) {
    await ensureDocument();
    try {
      return await chrome.runtime.sendMessage({ target: 'offscreen', type, ...payload });
    } catch (error) {
      // The document was closed or is still starting: recreate it once.
      if (attempt >= 1) throw error;
      ready = null;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

export function createOffscreenHost() {
  return {
    score: (request, settings) => call('score', { request, settings }),
    cancelTab: (tabId) => call('cancel-tab', { tabId }),
    clearCache: () => call('clear-cache'),
    warmUp: () => call('warm-up'),
    stats: () => call('stats'),
    provenance: (url) => call('provenance', { url }),
  };
}

// The engine as it runs inside the browser: in Chrome's offscreen document and in Firefox's
// background page. Reads the bundled card.json, loads the model on first use.

import { createEngine } from './engine.js';
import { decodeToPixels, fetchImage, hashBytes, transcodeToPng } from './browser.js';
import { loadModel } from './model.js';
import { serverPredict } from '../lib/server.js';
import { readProvenance } from '../provenance/index.js';
import { createC2paValidator } from '../provenance/wasm.js';
import { STORAGE_KEY as TRUST_KEY } from '../provenance/trust.js';

/** @param {(path: string) => string} getURL the extension's runtime.getURL */
export function createLocalHost(getURL) {
  let enginePromise = null;
  // The C2PA SDK (WebAssembly, 8 MB) is loaded on the first file that may carry a manifest.
  const validateC2pa = createC2paValidator(() => getURL('c2pa/c2pa_bg.wasm'));

  // A verdict depends on the trust lists: when the options page changes them (localStorage of
  // this same origin, which fires a `storage` event here), results cached before no longer hold.
  globalThis.addEventListener?.('storage', (event) => {
    if (event.key !== null && event.key !== TRUST_KEY) return;
    enginePromise?.then((e) => e.clearCache()).catch(() => {});
  });

  function engine() {
    enginePromise ??= (async () => {
      const response = await fetch(getURL('model/card.json'));
      const card = await response.json();
      // A folder prefix: only the files of the build TF.js picks (threaded or not) get fetched.
      const wasmUrls = getURL('wasm/');
      return createEngine({
        card,
        fetchImage,
        hashBytes,
        decode: decodeToPixels,
        loadModel: () =>
          loadModel({ card, modelUrl: getURL(`model/${card.tfjs?.path ?? 'tfjs/model.json'}`), wasmUrls }),
        serverPredict,
        toPng: transcodeToPng,
        readProvenance: (bytes) => readProvenance(bytes, { validateC2pa }),
      });
    })().catch((error) => {
      enginePromise = null;
      throw error;
    });
    return enginePromise;
  }

  return {
    async score(request, settings) {
      return (await engine()).score(request, settings);
    },
    async cancelTab(tabId) {
      return (await engine()).cancelTab(tabId);
    },
    async clearCache() {
      return (await engine()).clearCache();
    },
    async warmUp() {
      const e = await engine();
      await e.warmUp();
      return e.stats();
    },
    async stats() {
      return (await engine()).stats();
    },
    /** The provenance of an image URL, read as scoring reads it (browser tests). */
    async provenance(url) {
      const { bytes } = await fetchImage(url);
      return readProvenance(bytes, { validateC2pa });
    },
  };
}

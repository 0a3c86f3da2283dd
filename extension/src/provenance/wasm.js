// C2PA validation with the official SDK's WebAssembly build (@contentauth/c2pa-wasm: c2pa-rs
// 0.91, the library c2pa-python wraps), shipped inside the extension (no CDN) and loaded only
// when a file may carry a manifest. The bytes are already in memory: WasmReader.fromBytes
// reads them without any browser-only API, so the same code runs in Node for the tests.

import initWasm, { WasmReader } from '@contentauth/c2pa-wasm';
import { storedTrust, trustSettings } from './trust.js';

// Offline, as the Python reader: no remote manifests, no OCSP; signers checked against the
// trust lists in force (trust.js), none by default.
const OFFLINE = {
  verify: { remote_manifest_fetch: false, ocsp_fetch: false, verify_after_reading: true, verify_trust: true },
  core: { allowed_network_hosts: [] },
};
const MIME_TYPES = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  avif: 'image/avif',
  tiff: 'image/tiff',
  svg: 'image/svg+xml',
};
// The SDK's answers for "no manifest here" (the Python reader's Reader.try_create gives None).
const NO_MANIFEST = /JumbfNotFound|ManifestNotFound|ProvenanceMissing/;

let ready = null;
let lastTrust = null;
let lastSettings = '';

/** The SDK's settings JSON for a Trust (kept for the last Trust seen). */
function settingsFor(trust) {
  if (trust !== lastTrust) {
    const section = trustSettings(trust);
    lastSettings = JSON.stringify(section ? { ...OFFLINE, trust: section } : OFFLINE);
    lastTrust = trust;
  }
  return lastSettings;
}

/**
 * A validator for readProvenance: (bytes, container) => {store, trustInstalled}, with the
 * validated manifest store, or null when the file has none; throws when a store is there but
 * unreadable.
 * @param {() => any} wasmSource gives what to instantiate the module from: a URL (the
 *   extension's own file), a Response, bytes or a WebAssembly.Module
 * @param {object} [options]
 * @param {() => import('./trust.js').Trust} [options.getTrust] the trust lists in force
 *   (default: those the options page stored)
 */
export function createC2paValidator(wasmSource, { getTrust = storedTrust } = {}) {
  return async function validate(bytes, container) {
    ready ??= Promise.resolve()
      .then(wasmSource)
      .then((source) => initWasm({ module_or_path: source }))
      .catch((error) => {
        ready = null;
        throw new Error(`C2PA SDK failed to load: ${error?.message ?? error}`);
      });
    await ready;
    const trust = getTrust();
    const mime = MIME_TYPES[container] ?? 'application/octet-stream';
    let reader;
    try {
      reader = await WasmReader.fromBytes(mime, bytes, settingsFor(trust));
    } catch (error) {
      const text = String(error?.message ?? error);
      if (NO_MANIFEST.test(text)) return null;
      throw new Error(text);
    }
    try {
      return { store: reader.manifestStore(), trustInstalled: Boolean(trust?.installed) };
    } finally {
      reader.free();
    }
  };
}

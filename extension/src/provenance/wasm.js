// C2PA validation with the official SDK's WebAssembly build (@contentauth/c2pa-wasm: c2pa-rs,
// the library c2pa-python wraps), shipped inside the extension (no CDN) and loaded only when
// a file may carry a manifest.
//
// c2pa-rs reads its input through FileReaderSync, which browsers offer only in dedicated
// workers. The input here is always bytes already in memory, so where FileReaderSync is
// missing (Chrome's offscreen document, Firefox's background page, Node) a tiny stand-in reads
// our own Blob subclass, and nothing else.

import initWasm, { WasmReader } from '@contentauth/c2pa-wasm';

// Offline, as the Python reader: no remote manifests, no OCSP, no trust list (trust is
// reported, never required), validation after reading.
const SETTINGS = JSON.stringify({
  verify: { remote_manifest_fetch: false, ocsp_fetch: false, verify_after_reading: true, verify_trust: false },
  core: { allowed_network_hosts: [] },
});
const MIME_TYPES = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', gif: 'image/gif', avif: 'image/avif' };
// The SDK's answers for "no manifest here" (the Python reader's Reader.try_create gives None).
const NO_MANIFEST = /JumbfNotFound|ManifestNotFound|ProvenanceMissing/;

class BytesBlob extends Blob {
  constructor(bytes, type = '') {
    super([bytes], { type });
    this.bytes = bytes;
  }

  slice(start = 0, end = this.bytes.length, type = '') {
    return new BytesBlob(this.bytes.subarray(start, end), type);
  }
}

class BytesReaderSync {
  readAsArrayBuffer(blob) {
    if (!(blob instanceof BytesBlob)) throw new TypeError('only in-memory bytes can be read here');
    const b = blob.bytes;
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  }
}

let ready = null;

/**
 * A validator for readProvenance: (bytes, container) => the validated manifest store, null
 * when the file has none; throws when a store is there but unreadable.
 * @param {() => any} wasmSource gives what to instantiate the module from: a URL (the
 *   extension's own file), a Response, bytes or a WebAssembly.Module
 */
export function createC2paValidator(wasmSource) {
  return async function validate(bytes, container) {
    ready ??= Promise.resolve()
      .then(wasmSource)
      .then((source) => initWasm({ module_or_path: source }))
      .catch((error) => {
        ready = null;
        throw new Error(`C2PA SDK failed to load: ${error?.message ?? error}`);
      });
    await ready;
    globalThis.FileReaderSync ??= BytesReaderSync;
    const mime = MIME_TYPES[container] ?? 'application/octet-stream';
    let reader;
    try {
      reader = await WasmReader.fromBlob(mime, new BytesBlob(bytes, mime), SETTINGS);
    } catch (error) {
      const text = String(error?.message ?? error);
      if (NO_MANIFEST.test(text)) return null;
      throw new Error(text);
    }
    try {
      return reader.manifestStore();
    } finally {
      reader.free();
    }
  };
}

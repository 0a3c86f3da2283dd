// The engine with fake fetch / decode / model / server: cache, de-duplication, modes, errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEngine } from '../../src/engine/engine.js';
import { ServerUnreachable } from '../../src/lib/server.js';

const CARD = { name: 'm', version: '1', input_size: 4, unsure_band: [0.4, 0.6] };
const JPEG = (n) => new Uint8Array([0xff, 0xd8, 0xff, n]).buffer;
const LOCAL = { mode: 'local' };

function fakes(overrides = {}) {
  const calls = { fetch: [], decode: 0, predict: 0, server: 0, load: 0 };
  const images = {
    'http://a/1.jpg': JPEG(1),
    'http://a/2.jpg': JPEG(2),
    'http://b/copy-of-1.jpg': JPEG(1),
    'http://a/logo.svg': new TextEncoder().encode('<svg/>').buffer,
    'http://a/page.html': new TextEncoder().encode('<html>').buffer,
    'http://a/broken.jpg': JPEG(99),
  };
  const deps = {
    card: CARD,
    fetchImage: async (url) => {
      calls.fetch.push(url);
      await new Promise((r) => setTimeout(r, 2));
      if (!(url in images)) throw new Error('HTTP 404');
      const type = url.endsWith('.svg') ? 'image/svg+xml' : url.endsWith('.html') ? 'text/html' : 'image/jpeg';
      return { bytes: images[url], contentType: type };
    },
    hashBytes: async (bytes) => Array.from(new Uint8Array(bytes)).join(','),
    decode: async (bytes) => {
      calls.decode++;
      if (new Uint8Array(bytes)[3] === 99) throw new Error('bad data');
      return new Float32Array(4 * 4 * 3).fill(new Uint8Array(bytes)[3]);
    },
    loadModel: async () => {
      calls.load++;
      return { backend: 'wasm', predict: async (pixels) => { calls.predict++; return pixels[0] === 1 ? 0.9 : 0.1; } };
    },
    serverPredict: async () => {
      calls.server++;
      return { probability: 0.5, verdict: 'unsure', model: 'server-model 2' };
    },
    ...overrides,
  };
  return { engine: createEngine(deps), calls };
}

test('local scoring gives the card verdict, model and timings', async () => {
  const { engine } = fakes();
  const r = await engine.score({ url: 'http://a/1.jpg' }, LOCAL);
  assert.equal(r.status, 'ok');
  assert.equal(r.probability, 0.9);
  assert.equal(r.verdict, 'ai');
  assert.equal(r.model, 'm 1');
  assert.equal(r.source, 'local');
  assert.equal(r.backend, 'wasm');
  assert.ok(r.ms >= 0);
  const h = await engine.score({ url: 'http://a/2.jpg' }, LOCAL);
  assert.equal(h.verdict, 'human');
});

test('same URL at once: one fetch; later: from the cache; same bytes elsewhere: by hash', async () => {
  const { engine, calls } = fakes();
  const [a, b] = await Promise.all([
    engine.score({ url: 'http://a/1.jpg', tabId: 1 }, LOCAL),
    engine.score({ url: 'http://a/1.jpg', tabId: 2 }, LOCAL),
  ]);
  assert.equal(a.probability, b.probability);
  assert.equal(calls.fetch.length, 1);
  const again = await engine.score({ url: 'http://a/1.jpg' }, LOCAL);
  assert.equal(again.cached, true);
  assert.equal(calls.fetch.length, 1);
  const copy = await engine.score({ url: 'http://b/copy-of-1.jpg' }, LOCAL);
  assert.equal(copy.cached, true);
  assert.equal(calls.fetch.length, 2); // fetched, but not decoded nor run again
  assert.equal(calls.decode, 1);
  assert.equal(calls.predict, 1);
  assert.equal(calls.load, 1); // model loaded once
  engine.clearCache();
  await engine.score({ url: 'http://a/1.jpg' }, LOCAL);
  assert.equal(calls.predict, 2);
});

test('blob images come as data URLs: the key stays the page URL', async () => {
  const { engine, calls } = fakes();
  const r = await engine.score({ url: 'blob:http://a/xyz', dataUrl: 'http://a/2.jpg' }, LOCAL);
  assert.equal(r.status, 'ok');
  assert.deepEqual(calls.fetch, ['http://a/2.jpg']);
});

test('SVG, non-images and undecodable bytes are skipped, not errors', async () => {
  const { engine } = fakes();
  assert.deepEqual(
    [
      await engine.score({ url: 'http://a/logo.svg' }, LOCAL),
      await engine.score({ url: 'http://a/page.html' }, LOCAL),
      await engine.score({ url: 'http://a/broken.jpg' }, LOCAL),
    ].map((r) => [r.status, r.reason]),
    [['skipped', 'svg'], ['skipped', 'not-an-image'], ['skipped', 'broken']],
  );
  const missing = await engine.score({ url: 'http://a/missing.jpg' }, LOCAL);
  assert.equal(missing.status, 'error');
  assert.equal(missing.reason, 'fetch-failed');
  assert.match(missing.message, /404/);
});

test('server mode sends the bytes to the server, never runs the local model', async () => {
  const { engine, calls } = fakes();
  const r = await engine.score({ url: 'http://a/1.jpg' }, { mode: 'server', serverUrl: 'http://s' });
  assert.equal(r.source, 'server');
  assert.equal(r.model, 'server-model 2');
  assert.equal(r.verdict, 'unsure');
  assert.equal(calls.server, 1);
  assert.equal(calls.load, 0);
});

test('server mode re-encodes formats TensorFlow cannot decode (WebP) as PNG', async () => {
  const seen = [];
  const webp = new TextEncoder().encode('RIFF\0\0\0\0WEBPVP8 ....').buffer;
  const { engine } = fakes({
    fetchImage: async (url) => ({ bytes: url.endsWith('.webp') ? webp : JPEG(1), contentType: 'image/webp' }),
    toPng: async () => new Uint8Array([0x89, 0x50, 0x4e, 0x47]).buffer,
    serverPredict: async ({ contentType, bytes }) => {
      seen.push([contentType, new Uint8Array(bytes)[0]]);
      return { probability: 0.2 };
    },
  });
  const settings = { mode: 'server', serverUrl: 'http://s' };
  assert.equal((await engine.score({ url: 'http://a/x.webp' }, settings)).status, 'ok');
  assert.equal((await engine.score({ url: 'http://a/y.jpg' }, settings)).status, 'ok');
  assert.deepEqual(seen, [['image/png', 0x89], ['image/jpeg', 0xff]]); // types from the bytes
});

test('server down: a clear error state, not cached', async () => {
  let down = true;
  const { engine, calls } = fakes({
    serverPredict: async () => {
      calls.server++;
      if (down) throw new ServerUnreachable('server unreachable: connection refused');
      return { probability: 0.7 };
    },
  });
  const settings = { mode: 'server', serverUrl: 'http://s' };
  const r = await engine.score({ url: 'http://a/1.jpg' }, settings);
  assert.equal(r.status, 'error');
  assert.equal(r.reason, 'server-unreachable');
  down = false;
  const ok = await engine.score({ url: 'http://a/1.jpg' }, settings);
  assert.equal(ok.status, 'ok');
  assert.equal(ok.verdict, 'ai'); // the card's band when the server gives no verdict
});

test('fallback mode: local first, the server when local fails', async () => {
  const { engine, calls } = fakes({ loadModel: async () => { throw new Error('no wasm'); } });
  const settings = { mode: 'fallback', serverUrl: 'http://s' };
  const r = await engine.score({ url: 'http://a/1.jpg' }, settings);
  assert.equal(r.source, 'server');
  assert.match(r.fallbackReason, /no wasm/);
  assert.equal(calls.server, 1);
  const noServer = await engine.score({ url: 'http://a/2.jpg' }, { mode: 'fallback', serverUrl: '' });
  assert.equal(noServer.reason, 'model-failed');
});

test('closing a tab drops its queued work', async () => {
  let release;
  const gate = new Promise((r) => (release = r));
  const { engine } = fakes({ concurrency: 1 });
  const slow = fakes({
    concurrency: 1,
    fetchImage: async (url) => { await gate; return { bytes: JPEG(url.endsWith('1.jpg') ? 1 : 2), contentType: 'image/jpeg' }; },
  }).engine;
  const first = slow.score({ url: 'http://a/1.jpg', tabId: 7 }, LOCAL);
  const second = slow.score({ url: 'http://a/2.jpg', tabId: 7 }, LOCAL);
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(slow.cancelTab(7), 1);
  release();
  assert.equal((await first).status, 'ok');
  assert.equal((await second).status, 'cancelled');
  assert.equal((await engine.score({ url: 'http://a/2.jpg' }, LOCAL)).status, 'ok');
});

const AI_META = {
  decision: 'ai',
  reason: 'metadata',
  signals: [{ kind: 'c2pa', source: 'C2PA manifest', indicates: 'ai', decisive: true, detail: 'digitalSourceType trainedAlgorithmicMedia' }],
  errors: [],
};
const CAMERA_META = {
  decision: null,
  reason: null,
  signals: [{ kind: 'camera', source: 'EXIF Make/Model', indicates: 'camera', decisive: false, detail: 'Canon EOS R6' }],
  errors: [],
};

test('provenance that decides makes the verdict AI (reason metadata), the probability stays the model\'s', async () => {
  const seen = [];
  const { engine } = fakes({
    readProvenance: async (bytes) => {
      seen.push(new Uint8Array(bytes)[3]);
      return new Uint8Array(bytes)[3] === 2 ? AI_META : CAMERA_META;
    },
  });
  const ai = await engine.score({ url: 'http://a/2.jpg' }, LOCAL);
  assert.deepEqual([ai.verdict, ai.reason, ai.modelVerdict, ai.probability], ['ai', 'metadata', 'human', 0.1]);
  assert.deepEqual(ai.provenance, AI_META);
  // Camera metadata is shown but never overrides the model.
  const camera = await engine.score({ url: 'http://a/1.jpg' }, LOCAL);
  assert.deepEqual([camera.verdict, camera.reason, camera.modelVerdict], ['ai', 'model', 'ai']);
  assert.deepEqual(camera.provenance, CAMERA_META);
  assert.deepEqual(seen, [2, 1], 'the original bytes of each image, once');
});

test('a failing provenance reader never breaks scoring', async () => {
  const { engine } = fakes({ readProvenance: async () => { throw new Error('boom'); } });
  const r = await engine.score({ url: 'http://a/1.jpg' }, LOCAL);
  assert.deepEqual([r.status, r.verdict, r.reason], ['ok', 'ai', 'model']);
  assert.deepEqual(r.provenance, { decision: null, reason: null, signals: [], errors: ['provenance: boom'] });
  const none = await fakes().engine.score({ url: 'http://a/2.jpg' }, LOCAL);
  assert.deepEqual([none.verdict, none.reason, none.provenance.signals], ['human', 'model', []]);
});

test('server mode: provenance read locally from the original bytes; a server\'s metadata verdict is not the model\'s', async () => {
  const webp = new TextEncoder().encode('RIFF\0\0\0\0WEBPVP8 ....').buffer;
  const read = [];
  const { engine } = fakes({
    fetchImage: async () => ({ bytes: webp, contentType: 'image/webp' }),
    toPng: async () => new Uint8Array([0x89, 0x50, 0x4e, 0x47]).buffer,
    readProvenance: async (bytes) => {
      read.push(new TextDecoder().decode(new Uint8Array(bytes).subarray(0, 4)));
      return AI_META;
    },
    serverPredict: async () => ({ probability: 0.3, verdict: 'ai', reason: 'metadata', modelVerdict: null }),
  });
  const r = await engine.score({ url: 'http://a/x.webp' }, { mode: 'server', serverUrl: 'http://s' });
  assert.deepEqual([r.verdict, r.reason, r.modelVerdict, r.source], ['ai', 'metadata', 'human', 'server']);
  assert.deepEqual(read, ['RIFF'], 'the WebP bytes, not the PNG sent to the server');
});

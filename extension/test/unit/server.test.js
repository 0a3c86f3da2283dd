// The server client against a real local HTTP server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { endpoint, serverPredict, testConnection, ServerUnreachable, ServerError } from '../../src/lib/server.js';

async function withServer(handler, fn) {
  const server = createServer(handler);
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  try {
    return await fn(`http://127.0.0.1:${server.address().port}`);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

test('endpoint joins paths and refuses bad URLs', () => {
  assert.equal(endpoint('http://h:8000', '/v1/predict'), 'http://h:8000/v1/predict');
  assert.equal(endpoint('https://h/api/', '/v1/predict'), 'https://h/api/v1/predict');
  assert.throws(() => endpoint('', '/x'), ServerUnreachable);
  assert.throws(() => endpoint('ftp://h', '/x'), ServerUnreachable);
  assert.throws(() => endpoint('not a url', '/x'), ServerUnreachable);
});

test('predict posts the raw bytes with the key and reads the answer', async () => {
  let seen;
  await withServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      seen = { method: req.method, url: req.url, auth: req.headers.authorization, type: req.headers['content-type'], body: Buffer.concat(chunks) };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ probability_ai: 0.83, verdict: 'ai', model: { name: 'effnet', version: '3' }, timings: { total_ms: 12 } }));
    });
  }, async (url) => {
    const r = await serverPredict({ serverUrl: url, apiKey: 'k1', bytes: new Uint8Array([1, 2, 3]), contentType: 'image/png' });
    assert.deepEqual(r, {
      probability: 0.83, verdict: 'ai', modelVerdict: null, reason: null, provenance: null, model: 'effnet 3', serverMs: 12,
    });
  });
  assert.equal(seen.method, 'POST');
  assert.equal(seen.url, '/v1/predict');
  assert.equal(seen.auth, 'Bearer k1');
  assert.equal(seen.type, 'image/png');
  assert.deepEqual([...seen.body], [1, 2, 3]);
});

test('predict reads the server\'s provenance answer: final verdict, reason, provenance', async () => {
  const provenance = { decision: 'ai', reason: 'metadata', signals: [], errors: [] };
  await withServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ results: [{ probability_ai: 0.2, verdict: 'ai', reason: 'metadata', provenance }], model: 'm 1' }));
    });
  }, async (url) => {
    const r = await serverPredict({ serverUrl: url, bytes: new Uint8Array([1]), contentType: 'image/jpeg' });
    assert.deepEqual([r.probability, r.verdict, r.reason, r.modelVerdict, r.provenance], [0.2, 'ai', 'metadata', null, provenance]);
  });
});

test('problem details become a clear error', async () => {
  await withServer((req, res) => {
    res.writeHead(401, { 'content-type': 'application/problem+json' });
    res.end(JSON.stringify({ title: 'Unauthorized', detail: 'missing or wrong API key' }));
  }, async (url) => {
    await assert.rejects(
      serverPredict({ serverUrl: url, bytes: new Uint8Array([1]) }),
      (e) => e instanceof ServerError && e.status === 401 && /wrong API key/.test(e.message),
    );
  });
});

test('no answer within the timeout, or nobody listening: unreachable', async () => {
  await withServer(() => {}, async (url) => {
    await assert.rejects(
      serverPredict({ serverUrl: url, bytes: new Uint8Array([1]), timeoutMs: 200 }),
      (e) => e instanceof ServerUnreachable && /0.2 s/.test(e.message),
    );
  });
  await assert.rejects(serverPredict({ serverUrl: 'http://127.0.0.1:9', bytes: new Uint8Array([1]) }), ServerUnreachable);
});

test('test connection: health then model card', async () => {
  await withServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(req.url === '/healthz' ? { status: 'ok' } : { name: 'effnet', version: '3' }));
  }, async (url) => {
    assert.equal(await testConnection({ serverUrl: url }), 'Connected: model effnet 3');
  });
});

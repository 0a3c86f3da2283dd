// Trust lists in the extension (src/provenance/trust.js): the same files and C2PA settings as
// the Python reader, the download the options page runs (tested against a local HTTP server
// serving the public copies of the lists), the user's own anchors, and the words shown.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readProvenance } from '../../src/provenance/index.js';
import { createC2paValidator } from '../../src/provenance/wasm.js';
import {
  NO_TRUST, OFFICIAL_SOURCES, addOwnAnchors, downloadTrustLists, storedTrust, storedTrustFiles, trustFromFiles,
  trustSettings, updateTrustLists,
} from '../../src/provenance/trust.js';
import { claimSummary, metadataSummary, signalText } from '../../src/lib/provenance-text.js';
import { PYTHON, REPO, ROOT, makeFixtures } from '../fixtures/provenance.mjs';

const LISTS = join(process.env.AIORHUMAN_PUBLIC_FIXTURES ?? join(REPO, '../shared/fixtures/provenance-public'), 'trust');
const skip = existsSync(LISTS) ? false : `public trust list copies not found at ${LISTS}`;
const WASM = join(ROOT, 'node_modules/@contentauth/c2pa-wasm/pkg/c2pa_bg.wasm');
const listFiles = () => (skip ? {} : Object.fromEntries(readdirSync(LISTS).map((n) => [n, readFileSync(join(LISTS, n), 'utf8')])));

/** localStorage's interface over a Map. */
class MemoryStorage {
  map = new Map();
  getItem(key) {
    return this.map.has(key) ? this.map.get(key) : null;
  }
  setItem(key, value) {
    this.map.set(key, String(value));
  }
}

let server;
let base;
const served = new Map();

before(async () => {
  server = createServer((req, res) => {
    const body = served.get(req.url.slice(1));
    res.writeHead(body === undefined ? 404 : 200).end(body ?? 'not found');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}/`;
});

after(() => server.close());

const localSources = () => Object.fromEntries(Object.keys(OFFICIAL_SOURCES).map((n) => [n, base + n]));

test('nothing installed: no trust, no settings', () => {
  assert.equal(storedTrust(new MemoryStorage()), NO_TRUST);
  assert.equal(storedTrust(undefined).installed, false);
  assert.equal(trustSettings(NO_TRUST), null);
  assert.equal(trustFromFiles({ 'store.cfg': '1.3.6.1.5.5.7.3.4' }).installed, false);
});

test('the same lists give the same C2PA settings as the Python reader', { skip }, () => {
  const python = JSON.parse(execFileSync(PYTHON, ['-c',
    'import json, sys; from aiorhuman.provenance import load_trust; t = load_trust(sys.argv[1]); print(json.dumps({"settings": t.settings(), "files": list(t.files)}))',
    LISTS], { cwd: REPO, maxBuffer: 1 << 26 }).toString());
  const trust = trustFromFiles(listFiles());
  assert.deepEqual({ settings: trustSettings(trust), files: trust.files }, python);
  assert.deepEqual(Object.keys(trustSettings(trust)).sort(), ['allowed_list', 'anchors', 'trust_anchors', 'trust_config']);
});

test('the options page update: downloads every list, keeps the user\'s own anchors', { skip }, async () => {
  for (const [name, text] of Object.entries(listFiles())) served.set(name, text);
  const storage = new MemoryStorage();
  addOwnAnchors('newsroom', listFiles()['anchors.pem'], storage);
  const trust = await updateTrustLists({ storage, sources: localSources() });
  assert.ok(trust.installed);
  assert.deepEqual(Object.keys(storedTrustFiles(storage)).sort(), [...Object.keys(OFFICIAL_SOURCES), 'newsroom.pem'].sort());
  assert.equal(storedTrustFiles(storage)['allowed.pem'], listFiles()['allowed.pem']);
  assert.deepEqual(storedTrust(storage).files, trust.files);
});

test('the update is all or nothing: a missing or odd file keeps what was stored', { skip }, async () => {
  const storage = new MemoryStorage();
  for (const [name, text] of Object.entries(listFiles())) served.set(name, text);
  served.delete('allowed.pem');
  await assert.rejects(updateTrustLists({ storage, sources: localSources() }), /allowed\.pem: HTTP 404/);
  served.set('allowed.pem', listFiles()['allowed.pem']);
  served.set('store.cfg', '<html>maintenance</html>');
  await assert.rejects(downloadTrustLists({ sources: localSources() }), /store\.cfg: not a trust list/);
  assert.deepEqual(storedTrustFiles(storage), {});
  assert.throws(() => addOwnAnchors('cameras', 'no certificate here', storage), /no PEM certificate/);
  assert.throws(() => addOwnAnchors('anchors.pem', listFiles()['anchors.pem'], storage), /published list/);
});

test('the user\'s own anchor: the fixtures\' test CA makes their signatures decide', async () => {
  const fixtures = makeFixtures(join(ROOT, 'build/provenance-fixtures-trust'));
  const storage = new MemoryStorage();
  const validateC2pa = createC2paValidator(() => readFileSync(WASM), { getTrust: () => storedTrust(storage) });
  const bytes = readFileSync(join(fixtures.dir, 'c2pa_ai.jpg'));
  const before = await readProvenance(bytes, { validateC2pa });
  assert.deepEqual(before, JSON.parse(readFileSync(join(fixtures.dir, 'expected-no-trust.json'), 'utf8'))['c2pa_ai.jpg']);
  addOwnAnchors('newsroom.pem', readFileSync(join(fixtures.dir, 'trust/test-ca.pem'), 'utf8'), storage);
  const now = await readProvenance(bytes, { validateC2pa });
  assert.deepEqual(now, fixtures.expected['c2pa_ai.jpg']);
  assert.equal(now.decision, 'ai');
});

test('the words: a C2PA signal leads with its signer\'s standing, then the claim', () => {
  const c2pa = (trust, detail, decisive = false) => ({ kind: 'c2pa', indicates: 'ai', decisive, detail, c2pa: { trust, valid: trust !== 'invalid' } });
  assert.equal(signalText(c2pa('untrusted', "digitalSourceType trainedAlgorithmicMedia; claims AI-generated; signer 'X' not recognised (no trust list installed)")),
    "claims AI-generated; signer 'X' not recognised (no trust list installed) (not proof: the model decides): digitalSourceType trainedAlgorithmicMedia");
  assert.equal(signalText(c2pa('trusted', "digitalSourceType trainedAlgorithmicMedia; signer 'OpenAI' recognised", true)),
    "signer 'OpenAI' recognised (decides): digitalSourceType trainedAlgorithmicMedia");
  assert.equal(signalText(c2pa('invalid', 'C2PA manifest; manifest invalid')), 'manifest invalid (not proof: the model decides): C2PA manifest');
  assert.equal(signalText({ kind: 'xmp', indicates: 'ai', decisive: true, detail: 'digitalSourceType trainedAlgorithmicMedia' }),
    'digitalSourceType trainedAlgorithmicMedia (decides)');
  // The popup's list of claims that did not decide: an untrusted or invalid AI claim, never a
  // decisive one or a camera claim.
  const claim = (trust, detail, decisive = false) => ({ decision: decisive ? 'ai' : null, signals: [{ ...c2pa(trust, detail, decisive), indicates: 'ai' }] });
  assert.equal(claimSummary(claim('untrusted', "digitalSourceType trainedAlgorithmicMedia; claims AI-generated; signer 'X' not recognised (no trust list installed)"), 200),
    "claims AI-generated; signer 'X' not recognised (no trust list installed) (not proof: the model decides): digitalSourceType trainedAlgorithmicMedia");
  assert.equal(claimSummary(claim('invalid', 'digitalSourceType trainedAlgorithmicMedia; manifest invalid')),
    'manifest invalid (not proof: the model decides): digitalSourceType trainedAlgorithmicMedia');
  assert.equal(claimSummary(claim('trusted', "digitalSourceType trainedAlgorithmicMedia; signer 'OpenAI' recognised", true)), '');
  assert.equal(claimSummary({ signals: [{ ...c2pa('untrusted', "digitalSourceType digitalCapture; signer 'X' not recognised"), indicates: 'camera' }] }), '');
  assert.equal(claimSummary(null), '');
  // The popup's list of images the metadata decided: a C2PA signer's standing first.
  const decided = { decision: 'ai', signals: [{ ...c2pa('trusted', "digitalSourceType trainedAlgorithmicMedia, claim generator 'DALL·E'; signer 'OpenAI' recognised", true), source: 'C2PA manifest' }] };
  assert.equal(metadataSummary(decided, 70), "C2PA manifest: signer 'OpenAI' recognised: digitalSourceType trainedA…");
  assert.equal(metadataSummary({ signals: [{ kind: 'png-text', source: "PNG text 'prompt'", decisive: true, detail: 'ComfyUI: {}' }] }), "PNG text 'prompt': ComfyUI: {}");
  assert.equal(metadataSummary(claim('untrusted', "digitalSourceType trainedAlgorithmicMedia; claims AI-generated; signer 'X' not recognised")), '');
});

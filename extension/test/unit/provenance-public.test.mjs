// The extension's provenance reader on public files this project did not make
// (../shared/fixtures/provenance-public, beside the project in CI): agreement with the
// official library's answers (reference.jsonl), the same object as the Python reader for
// every file, with and without trust lists, and no untrusted or invalid manifest deciding.
// Skipped, saying so, where that folder is absent. The cross-reader test needs the project's
// Python environment (as provenance-parity.test.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { finalVerdict, readProvenance } from '../../src/provenance/index.js';
import { createC2paValidator } from '../../src/provenance/wasm.js';
import { NO_TRUST, trustFromFiles } from '../../src/provenance/trust.js';
import { PYTHON, REPO, ROOT, normalize } from '../fixtures/provenance.mjs';

const PUBLIC = process.env.AIORHUMAN_PUBLIC_FIXTURES ?? join(REPO, '../shared/fixtures/provenance-public');
const skip = existsSync(join(PUBLIC, 'reference.jsonl')) ? false : `public provenance fixtures not found at ${PUBLIC}`;
const WASM = join(ROOT, 'node_modules/@contentauth/c2pa-wasm/pkg/c2pa_bg.wasm');
// Understood differences with the reference (docs/provenance.md), as tests/provenance/public.py.
const KNOWN = { 'rs/tiff_poc.tiff': 'no C2PA marker in its bytes: the library is not run' };
const TRUSTED = new Set(['ms/DALL-E_cloud_surfing_puppy.webp', 'ms/bing_creator_cloud_surfing_puppy.jpg', 'rs/ocsp.jpg']);
const EKU_ONLY = new Set(['ms/cards_trusted.avif', 'ms/cards_trusted.svg', 'ms/cards_trusted.webp']);

const references = () => readFileSync(join(PUBLIC, 'reference.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const publicTrust = () =>
  trustFromFiles(Object.fromEntries(readdirSync(join(PUBLIC, 'trust')).map((n) => [n, readFileSync(join(PUBLIC, 'trust', n), 'utf8')])));

async function readAll(trust) {
  const validateC2pa = createC2paValidator(() => readFileSync(WASM), { getTrust: () => trust });
  const answers = {};
  for (const ref of references()) answers[ref.file] = await readProvenance(readFileSync(join(PUBLIC, ref.file)), { validateC2pa });
  return answers;
}

/** As tests/provenance/public.py's differences(): empty when the reader agrees with the library. */
function differences(ref, got) {
  const signal = got.signals.find((s) => s.kind === 'c2pa');
  const c2paErrors = got.errors.filter((e) => e.startsWith('C2PA'));
  if (ref.manifest === true) {
    if (!signal) return ['manifest store not reported'];
    const why = [];
    const c2pa = signal.c2pa;
    if (c2pa.valid !== (ref.state === 'Valid')) why.push(`valid ${c2pa.valid}, library ${ref.state}`);
    const sorted = (a) => JSON.stringify([...new Set(a)].sort());
    if (sorted(c2pa.digital_source_types) !== sorted(ref.types_anywhere)) why.push(`types ${c2pa.digital_source_types}`);
    if (c2pa.claim_generator !== ref.claim_generator) why.push(`claim generator ${c2pa.claim_generator}`);
    return why;
  }
  if (ref.manifest === false) return signal || c2paErrors.length ? [`reported ${signal?.detail} ${c2paErrors}`] : [];
  return signal || !c2paErrors.length ? [`library error ${ref.error} not reported`] : [];
}

test('every public file: the JavaScript reader agrees with the official library (reference.jsonl)', { skip }, async () => {
  const answers = await readAll(NO_TRUST);
  const disagree = {};
  for (const ref of references()) {
    const why = differences(ref, answers[ref.file]);
    if (why.length) disagree[ref.file] = why;
  }
  assert.deepEqual(Object.keys(disagree), Object.keys(KNOWN), JSON.stringify(disagree, null, 1));
  assert.deepEqual(answers['rs/tiff_poc.tiff'], { decision: null, reason: null, signals: [], errors: [] });
});

for (const lists of [false, true]) {
  test(`every public file: the same object as the Python reader (${lists ? 'with' : 'without'} trust lists)`, { skip }, async () => {
    const args = ['-m', 'tests.provenance.public', PUBLIC, '--json', ...(lists ? ['--trust-dir', join(PUBLIC, 'trust')] : [])];
    const python = JSON.parse(execFileSync(PYTHON, args, { cwd: REPO, maxBuffer: 1 << 26 }).toString());
    const answers = await readAll(lists ? publicTrust() : NO_TRUST);
    const differ = Object.keys(python).filter((f) => JSON.stringify(normalize(answers[f])) !== JSON.stringify(normalize(python[f])));
    assert.deepEqual(differ, [], differ.map((f) => `${f}\n js ${JSON.stringify(answers[f])}\n py ${JSON.stringify(python[f])}`).join('\n'));
  });

  test(`no untrusted or invalid manifest decides (${lists ? 'with' : 'without'} trust lists)`, { skip }, async () => {
    const answers = await readAll(lists ? publicTrust() : NO_TRUST);
    const decided = [];
    for (const ref of references()) {
      const result = answers[ref.file];
      for (const signal of result.signals.filter((s) => s.kind === 'c2pa')) {
        const recognised = lists && TRUSTED.has(ref.file);
        const invalid = ref.state === 'Invalid' && !(lists && EKU_ONLY.has(ref.file));
        assert.equal(signal.c2pa.trust, recognised ? 'trusted' : invalid ? 'invalid' : 'untrusted', ref.file);
        assert.equal(signal.decisive, recognised && signal.indicates === 'ai', ref.file);
        if (signal.decisive) decided.push(ref.file);
      }
      // Test-signed (the SDK's published test key) and tampered AI files: the model decides.
      if (ref.file.startsWith('derived/')) assert.deepEqual(finalVerdict('human', result), { verdict: 'human', reason: 'model' });
    }
    assert.deepEqual(decided.sort(), lists ? ['ms/DALL-E_cloud_surfing_puppy.webp', 'rs/ocsp.jpg'] : []);
  });
}

test('untrusted AI claims are shown as claims; A1111 stealth metadata and Fooocus are read', { skip }, async () => {
  const answers = await readAll(NO_TRUST);
  const [signed] = answers['derived/signed_ai.jpg'].signals;
  assert.equal(signed.detail, "digitalSourceType trainedAlgorithmicMedia, claim generator 'prov-check-test'; claims AI-generated; signer 'C2PA Test Signing Cert' not recognised (no trust list installed)");
  const generators = (f) => answers[f].signals.map((s) => s.generator);
  assert.deepEqual(generators('sdp/automatic1111_stealth.png'), ['Stable Diffusion web UI']);
  assert.equal(answers['sdp/automatic1111_stealth.png'].signals[0].source, "PNG alpha channel 'stealth_pngcomp'");
  assert.deepEqual(generators('sdp/fooocus1_cropped.png'), ['Fooocus']);
  const [broken] = answers['rs_ident/malformed_cbor.jpg'].signals;
  assert.deepEqual([broken.c2pa.trust, broken.c2pa.validation_errors.includes('active manifest unreadable')], ['invalid', true]);
});

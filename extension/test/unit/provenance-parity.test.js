// Parity with the Python reader: the shared fixtures (tests/provenance/make_fixtures.py, made
// with c2pa-python, Pillow and hand-written chunks) read by the extension's JavaScript reader
// with the C2PA SDK's WebAssembly build give Python's object, field for field. The only
// normalised field is the C2PA library's own wording of an unreadable manifest.
// Needs the project's Python environment (../.venv, AIORHUMAN_PYTHON, or python3 on PATH).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readProvenance } from '../../src/provenance/index.js';
import { createC2paValidator } from '../../src/provenance/wasm.js';
import { NO_TRUST, trustFromFiles } from '../../src/provenance/trust.js';
import { ROOT, makeFixtures, normalize } from '../fixtures/provenance.mjs';

const WASM = join(ROOT, 'node_modules/@contentauth/c2pa-wasm/pkg/c2pa_bg.wasm');
let fixtures;

before(() => {
  fixtures = makeFixtures(join(ROOT, 'build/provenance-fixtures-unit'));
});

// expected.json: read with the fixtures' trust folder (their test CA as the user's own anchor);
// expected-no-trust.json: with no trust list.
for (const [file, trusted] of [['expected.json', true], ['expected-no-trust.json', false]]) {
  test(`every shared fixture: the JavaScript reader gives the Python reader's object (${file})`, async () => {
    const ca = readFileSync(join(fixtures.dir, 'trust/test-ca.pem'), 'utf8');
    const trust = trusted ? trustFromFiles({ 'test-ca.pem': ca }) : NO_TRUST;
    const validateC2pa = createC2paValidator(() => readFileSync(WASM), { getTrust: () => trust });
    const expected = JSON.parse(readFileSync(join(fixtures.dir, file), 'utf8'));
    const names = Object.keys(expected);
    assert.ok(names.length >= 20, `only ${names.length} fixtures`);
    for (const kind of ['c2pa_ai.jpg', 'c2pa_ai_ingredient.jpg', 'c2pa_ai_tampered.jpg', 'png_comfyui.png']) {
      assert.ok(names.includes(kind), `fixture ${kind} is missing`);
    }
    const differences = [];
    for (const name of names) {
      const got = await readProvenance(readFileSync(join(fixtures.dir, name)), { validateC2pa });
      try {
        assert.deepStrictEqual(normalize(got), normalize(expected[name]));
      } catch {
        differences.push(`${name}:\n  js ${JSON.stringify(got)}\n  py ${JSON.stringify(expected[name])}`);
      }
    }
    assert.deepEqual(differences, [], differences.join('\n'));
  });
}

test('the decisive fixtures decide, the tampered and camera ones do not', () => {
  const e = fixtures.expected;
  assert.equal(e['c2pa_ai.jpg'].decision, 'ai');
  assert.equal(e['c2pa_ai_ingredient.jpg'].signals[0].c2pa.in_ingredient, true);
  assert.equal(e['c2pa_ai_tampered.jpg'].decision, null);
  assert.equal(e['c2pa_ai_tampered.jpg'].signals[0].c2pa.valid, false);
  assert.equal(e['jpeg_exif_camera.jpg'].decision, null);
});

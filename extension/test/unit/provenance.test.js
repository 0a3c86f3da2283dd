// The provenance reader (src/provenance/) on small files made here byte by byte: containers,
// EXIF, XMP, PNG text (tEXt / zTXt / iTXt), C2PA store interpretation, limits, malformed input.
// The shared fixtures made by the Python reader's generator are in provenance-parity.test.js.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { finalVerdict, readProvenance } from '../../src/provenance/index.js';
import { c2paSignal, hasMarker } from '../../src/provenance/c2pa.js';
import { clip } from '../../src/provenance/text.js';
import { namedGenerator } from '../../src/provenance/exif.js';

const enc = (s) => new TextEncoder().encode(s);
const latin = (s) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const cat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
const be = (v, n) => Uint8Array.from({ length: n }, (_, i) => (v >>> (8 * (n - 1 - i))) & 0xff);
const le = (v, n) => Uint8Array.from({ length: n }, (_, i) => (v >>> (8 * i)) & 0xff);

/** A TIFF block with IFD0 and an Exif IFD: entries [tag, type, count, valueBytes]. */
function tiff(ifd0, exif = [], little = true) {
  const u = little ? le : be;
  const header = cat(latin(little ? 'II' : 'MM'), u(42, 2), u(8, 4));
  const all = exif.length ? [...ifd0, [0x8769, 4, 1, null]] : ifd0;
  const ifd0Size = 2 + 12 * all.length + 4;
  const exifAt = 8 + ifd0Size;
  const exifSize = exif.length ? 2 + 12 * exif.length + 4 : 0;
  let dataAt = exifAt + exifSize;
  const data = [];
  const ifd = (entries) => {
    const parts = [u(entries.length, 2)];
    for (const [tag, type, count, value] of entries) {
      const bytes = value ?? u(exifAt, 4);
      let field;
      if (bytes.length <= 4) field = cat(bytes, new Uint8Array(4 - bytes.length));
      else {
        field = u(dataAt, 4);
        data.push(bytes);
        dataAt += bytes.length;
      }
      parts.push(u(tag, 2), u(type, 2), u(count, 4), field);
    }
    parts.push(u(0, 4));
    return cat(...parts);
  };
  const first = ifd(all);
  const second = exif.length ? ifd(exif) : new Uint8Array(0);
  return cat(header, first, second, ...data);
}
const asciiEntry = (tag, text) => [tag, 2, enc(text).length + 1, cat(enc(text), [0])];
const rationalEntry = (tag, num, den, little = true) => [tag, 5, 1, cat((little ? le : be)(num, 4), (little ? le : be)(den, 4))];

function jpeg(...segments) {
  const seg = (marker, payload) => cat([0xff, marker], be(payload.length + 2, 2), payload);
  return cat([0xff, 0xd8], ...segments.map(([m, p]) => seg(m, p)), [0xff, 0xda, 0, 2, 1, 2, 3, 0xff, 0xd9]);
}
const exifSegment = (t) => [0xe1, cat(latin('Exif\0\0'), t)];
const xmpSegment = (x) => [0xe1, cat(latin('http://ns.adobe.com/xap/1.0/\0'), enc(x))];

function png(...chunks) {
  const chunk = (type, body) => cat(be(body.length, 4), latin(type), body, [0, 0, 0, 0]);
  return cat(latin('\x89PNG\r\n\x1a\n'), chunk('IHDR', new Uint8Array(13)), ...chunks.map(([t, b]) => chunk(t, b)), chunk('IEND', new Uint8Array(0)));
}
const tEXt = (k, v) => ['tEXt', cat(latin(k), [0], latin(v))];
const zTXt = (k, v) => ['zTXt', cat(latin(k), [0, 0], deflateSync(Buffer.from(v, 'latin1')))];
const iTXt = (k, v, compressed = false) => [
  'iTXt',
  cat(latin(k), [0, compressed ? 1 : 0, 0], latin('en'), [0], [0], compressed ? deflateSync(Buffer.from(v)) : enc(v)),
];

const XMP = (attr) => `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" ${attr}/></rdf:RDF></x:xmpmeta>`;
const IPTC = 'http://cv.iptc.org/newscodes/digitalsourcetype/';

test('a file without metadata: no signal, no decision, no error', async () => {
  for (const bytes of [jpeg(), png(), enc('not an image at all')]) {
    assert.deepEqual(await readProvenance(bytes), { decision: null, reason: null, signals: [], errors: [] });
  }
});

test('EXIF camera fields: shown, never decisive', async () => {
  const t = tiff(
    [asciiEntry(0x010f, 'Canon'), asciiEntry(0x0110, 'Canon EOS R6')],
    [
      rationalEntry(0x829a, 2, 500),
      rationalEntry(0x829d, 28, 10),
      [0x8827, 3, 1, le(400, 2)],
      asciiEntry(0x9003, '2024:05:01 10:00:00'),
      rationalEntry(0x920a, 50, 1),
      asciiEntry(0xa434, 'RF50mm F1.8 STM'),
    ],
  );
  const p = await readProvenance(jpeg(exifSegment(t)));
  assert.equal(p.decision, null);
  assert.deepEqual(p.signals, [{
    kind: 'camera',
    source: 'EXIF Make/Model',
    indicates: 'camera',
    decisive: false,
    detail: 'Canon EOS R6, RF50mm F1.8 STM, 1/250 s, f/2.8, ISO 400, 50 mm',
    camera: {
      make: 'Canon', model: 'Canon EOS R6', lens: 'RF50mm F1.8 STM', exposure: '1/250 s',
      f_number: 'f/2.8', iso: '400', focal_length: '50 mm', datetime: '2024:05:01 10:00:00',
    },
  }]);
  assert.deepEqual(finalVerdict('human', p), { verdict: 'human', reason: 'model' });
});

test('EXIF big-endian: Software naming a generator decides; UserComment in UTF-16', async () => {
  const comment = cat(latin('UNICODE\0'), Buffer.from('made with NovelAI', 'utf16le'));
  const t = tiff([asciiEntry(0x0131, 'Adobe Firefly 2')], [[0x9286, 7, comment.length, comment]], false);
  const p = await readProvenance(jpeg(exifSegment(t)));
  assert.equal(p.decision, 'ai');
  assert.equal(p.reason, 'metadata');
  assert.deepEqual(p.signals.map((s) => [s.kind, s.source, s.generator, s.detail]), [
    ['exif-generator', 'EXIF Software', 'Adobe Firefly', 'Software: Adobe Firefly 2'],
    ['exif-generator', 'EXIF UserComment', 'NovelAI', 'UserComment: made with NovelAI'],
  ]);
  assert.deepEqual(finalVerdict('human', p), { verdict: 'ai', reason: 'metadata' });
});

test('generator names: the list, case-insensitive, whole words where it matters', () => {
  assert.equal(namedGenerator('DALL·E 3'), 'DALL-E');
  assert.equal(namedGenerator('stable-diffusion xl'), 'Stable Diffusion');
  assert.equal(namedGenerator('Made in Google Imagen'), 'Imagen');
  assert.equal(namedGenerator('Imagenes de vacaciones'), null);
  assert.equal(namedGenerator('Adobe Photoshop 25.0'), null);
  assert.equal(namedGenerator('comfyui'), 'ComfyUI');
});

test('XMP DigitalSourceType: attribute, element, rdf:resource; camera types are not AI', async () => {
  const attr = await readProvenance(jpeg(xmpSegment(XMP(`Iptc4xmpExt:DigitalSourceType="${IPTC}trainedAlgorithmicMedia"`))));
  assert.deepEqual(attr.signals, [{
    kind: 'xmp', source: 'XMP Iptc4xmpExt:DigitalSourceType', indicates: 'ai', decisive: true,
    detail: 'digitalSourceType trainedAlgorithmicMedia',
  }]);
  const element = `<x:xmpmeta><Iptc4xmpExt:DigitalSourceType>${IPTC}compositeWithTrainedAlgorithmicMedia</Iptc4xmpExt:DigitalSourceType></x:xmpmeta>`;
  assert.equal((await readProvenance(jpeg(xmpSegment(element)))).decision, 'ai');
  const resource = `<x:xmpmeta><Iptc4xmpExt:DigitalSourceType rdf:resource="${IPTC}trainedAlgorithmicMedia"/></x:xmpmeta>`;
  assert.equal((await readProvenance(png(iTXt('XML:com.adobe.xmp', resource)))).decision, 'ai');
  const camera = await readProvenance(jpeg(xmpSegment(XMP(`Iptc4xmpExt:DigitalSourceType="${IPTC}digitalCapture"`))));
  assert.deepEqual([camera.decision, camera.signals[0].indicates, camera.signals[0].decisive], [null, 'camera', false]);
});

test('PNG text of generators: tEXt, zTXt (inflated), iTXt compressed, in file order', async () => {
  const p = await readProvenance(png(
    tEXt('Title', 'Holiday'),
    zTXt('parameters', 'a fox\nSteps: 20, Sampler: Euler a'),
    iTXt('workflow', '{"nodes": []}', true),
    tEXt('prompt', 'not json'),
    tEXt('Software', 'NovelAI'),
  ));
  assert.deepEqual(p.signals.map((s) => [s.source, s.generator, s.detail]), [
    ["PNG text 'parameters'", 'Stable Diffusion web UI', 'Stable Diffusion web UI: a fox Steps: 20, Sampler: Euler a'],
    ["PNG text 'workflow'", 'ComfyUI', 'ComfyUI: {"nodes": []}'],
    ["PNG text 'Software'", 'NovelAI', 'NovelAI: NovelAI'],
  ]);
  assert.equal(p.decision, 'ai');
  assert.deepEqual(p.errors, []);
});

test('limits: a zTXt bomb and an oversized XMP are skipped with a note, not read', async () => {
  const bomb = ['zTXt', cat(latin('parameters'), [0, 0], deflateSync(Buffer.alloc(3 << 20, 0x41)))];
  const t0 = performance.now();
  const p = await readProvenance(png(bomb));
  assert.ok(performance.now() - t0 < 1000);
  assert.deepEqual(p, { decision: null, reason: null, signals: [], errors: ["PNG zTXt 'parameters': corrupt or over the size limit"] });
  const big = XMP(`Iptc4xmpExt:DigitalSourceType="${IPTC}trainedAlgorithmicMedia"`) + ' '.repeat(1 << 20);
  const q = await readProvenance(jpeg(xmpSegment(big.slice(0, 65000))));
  assert.equal(q.decision, 'ai', 'a JPEG segment is always under the limit');
  const r = await readProvenance(png(iTXt('XML:com.adobe.xmp', big)));
  assert.deepEqual(r.errors, ['PNG iTXt chunk over the size limit: skipped']);
  assert.equal(r.decision, null);
});

test('only the first 16 MiB are read', async () => {
  const bytes = new Uint8Array(16 * 1024 * 1024 + 10);
  bytes.set(jpeg(xmpSegment(XMP(`Iptc4xmpExt:DigitalSourceType="${IPTC}trainedAlgorithmicMedia"`))));
  const p = await readProvenance(bytes);
  assert.equal(p.decision, 'ai');
  assert.deepEqual(p.errors, ['file over the size limit: only its beginning was read']);
});

test('malformed metadata never throws: errors name what could not be read', async () => {
  const cases = [
    [jpeg(exifSegment(latin('XX*\0junk'))), ['EXIF: unreadable (not a TIFF header)']],
    [jpeg(exifSegment(cat(latin('II*\0'), le(8, 4), le(400, 2)))), ['EXIF: unreadable (IFD too large or truncated)']],
    [jpeg().subarray(0, 5), []],
    [cat([0xff, 0xd8, 0xff, 0xe1, 0x40, 0x00], latin('Exif')), ['JPEG: truncated segment']],
    [cat([0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0, 0x12, 0x34, 0, 0]), ['JPEG: malformed segment structure']],
    [png(['tEXt', latin('no separator')]), ['PNG tEXt: malformed chunk']],
    [png(['zTXt', cat(latin('parameters'), [0, 0], latin('not zlib'))]), ["PNG zTXt 'parameters': corrupt or over the size limit"]],
    [png(['iTXt', cat(latin('prompt'), [0, 0, 0])]), ["PNG iTXt 'prompt': malformed chunk"]],
    [png().subarray(0, 30), ['PNG: truncated chunk']],
    [cat(latin('RIFF'), le(100, 4), latin('WEBP'), latin('EXIF'), le(500, 4)), ['WebP: truncated chunk']],
    [cat(latin('GIF89a'), latin('<x:xmpmeta Iptc4xmpExt:DigitalSourceType="x"')), ['XMP: unterminated packet']],
  ];
  for (const [bytes, errors] of cases) {
    const p = await readProvenance(bytes);
    assert.deepEqual(p.errors, errors, JSON.stringify(errors));
    assert.equal(p.decision, null);
  }
});

test('WebP: EXIF and XMP chunks', async () => {
  const chunk = (type, body) => cat(latin(type), le(body.length, 4), body, body.length & 1 ? [0] : []);
  const exif = tiff([asciiEntry(0x0131, 'Midjourney v6')]);
  const body = cat(latin('WEBP'), chunk('VP8 ', new Uint8Array(11)), chunk('EXIF', exif), chunk('XMP ', enc(XMP(`Iptc4xmpExt:DigitalSourceType="${IPTC}trainedAlgorithmicMedia"`))));
  const p = await readProvenance(cat(latin('RIFF'), le(body.length, 4), body));
  assert.deepEqual(p.signals.map((s) => s.kind), ['xmp', 'exif-generator']);
});

const AI = `${IPTC}trainedAlgorithmicMedia`;
const store = (overrides = {}) => ({
  active_manifest: 'urn:a',
  manifests: {
    'urn:a': {
      claim_generator_info: [{ name: 'Test editor', version: '1' }],
      assertions: [{ label: 'c2pa.actions.v2', data: { actions: [{ action: 'c2pa.opened' }] } }],
      ingredients: [{ title: 'parent.jpg', active_manifest: 'urn:b' }],
    },
    'urn:b': {
      claim_generator: 'Generator/2.0',
      assertions: [{ label: 'c2pa.actions', data: { actions: [{ action: 'c2pa.created', digitalSourceType: AI }] } }],
    },
  },
  validation_results: { activeManifest: { success: [], informational: [], failure: [] } },
  validation_state: 'Valid',
  ...overrides,
});

test('C2PA: AI in an ingredient manifest of a recognised signer decides; the signal says where', () => {
  const s = c2paSignal(store({ validation_state: 'Trusted' }), true);
  assert.deepEqual(s, {
    kind: 'c2pa',
    source: 'C2PA manifest (ingredient)',
    indicates: 'ai',
    decisive: true,
    detail: "digitalSourceType trainedAlgorithmicMedia, claim generator 'Test editor'; signer recognised",
    c2pa: {
      valid: true, trust: 'trusted', trusted: true, signer: null, validation_errors: [], claim_generator: 'Test editor',
      digital_source_types: [AI], in_ingredient: true,
    },
  });
});

test('C2PA: a tampered, invalid or unrecognised manifest is reported as claimed and never decides', () => {
  const tampered = c2paSignal(store({
    validation_results: { activeManifest: { failure: [{ code: 'assertion.dataHash.mismatch' }, { code: 'signingCredential.untrusted' }] } },
    validation_state: 'Invalid',
  }));
  assert.deepEqual([tampered.indicates, tampered.decisive, tampered.c2pa.valid, tampered.c2pa.validation_errors],
    ['ai', false, false, ['assertion.dataHash.mismatch']]);
  assert.match(tampered.detail, /; manifest invalid$/);
  const untrustedOnly = c2paSignal(store({ validation_results: { activeManifest: { failure: [{ code: 'signingCredential.untrusted' }] } } }));
  assert.deepEqual([untrustedOnly.decisive, untrustedOnly.c2pa.valid, untrustedOnly.c2pa.trust], [false, true, 'untrusted']);
  assert.match(untrustedOnly.detail, /; claims AI-generated; signer not recognised \(no trust list installed\)$/);
  const noState = c2paSignal(store({ validation_state: 'Invalid' }));
  assert.deepEqual(noState.c2pa.validation_errors, ['validation state Invalid']);
  assert.deepEqual(c2paSignal({ manifests: {} }).c2pa.validation_errors, ['active manifest unreadable']);
});

test('C2PA without a validator: reported in errors, never decides', async () => {
  const bytes = jpeg([0xeb, cat(latin('JP'), [0, 1, 0, 0, 0, 1], be(40, 4), latin('jumb'), be(32, 4), latin('jumd'), new Uint8Array(16), latin('c2pa'))]);
  assert.ok(hasMarker(bytes));
  const p = await readProvenance(bytes);
  assert.deepEqual(p, { decision: null, reason: null, signals: [], errors: ['C2PA: manifest not validated (no validator here)'] });
  const broken = await readProvenance(bytes, { validateC2pa: async () => { throw new Error('C2pa(ClaimDecoding)\nmore'); } });
  assert.deepEqual(broken.errors, ['C2PA: manifest unreadable (C2pa(ClaimDecoding))']);
  const slow = await readProvenance(bytes, {
    validateC2pa: () => new Promise(() => {}),
    limits: { maxScanBytes: 1 << 24, maxBlockBytes: 1 << 20, maxC2paBytes: 1 << 24, maxSeconds: 0.05, maxItems: 100 },
  });
  assert.deepEqual(slow.errors, ['C2PA: over the time limit, manifest not validated']);
});

test('detail text is one line of at most 200 characters', () => {
  assert.equal(clip('a\n\tb  c'), 'a b c');
  const long = clip('x'.repeat(300));
  assert.equal(Array.from(long).length, 200);
  assert.ok(long.endsWith('\u2026'));
});

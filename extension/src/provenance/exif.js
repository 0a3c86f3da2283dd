// EXIF: generator names (Software, ImageDescription, UserComment) and camera evidence.
// A port of provenance/exif.py: a small TIFF reader of IFD0 and the Exif sub-IFD, bounded
// (at most MAX_ENTRIES entries per IFD, offsets checked against the block), throwing only
// ExifError, which the caller turns into an `errors` entry.

import { clip, uint, utf8 } from './text.js';

const MAX_ENTRIES = 512;
const TYPE_SIZES = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1, 9: 4, 10: 8, 13: 4 };

// IFD0
const MAKE = 0x010f;
const MODEL = 0x0110;
const SOFTWARE = 0x0131;
const DESCRIPTION = 0x010e;
const EXIF_IFD = 0x8769;
// Exif IFD
const EXPOSURE = 0x829a;
const F_NUMBER = 0x829d;
const ISO = 0x8827;
const DATETIME = 0x9003;
const FOCAL = 0x920a;
const USER_COMMENT = 0x9286;
const LENS = 0xa434;

/** [name, pattern]: searched case-insensitively, first match in this order wins. */
export const GENERATORS = [
  ['Stable Diffusion', /stable[ _-]?diffusion/i],
  ['NovelAI', /novel ?ai/i],
  ['Midjourney', /midjourney/i],
  ['DALL-E', /\bdall[-\u00b7 ]?e\b/i],
  ['Adobe Firefly', /\badobe firefly\b/i],
  ['Imagen', /\bgoogle imagen\b|\bimagen [0-9]/i],
  ['Leonardo', /\bleonardo\.ai\b|\bleonardo ai\b/i],
  ['ComfyUI', /\bcomfyui\b/i],
  ['InvokeAI', /\binvokeai\b/i],
  ['Automatic1111', /\bautomatic1111\b|\ba1111\b/i],
];
// Stable Diffusion web UI writes its generation parameters into UserComment of JPEGs.
const SD_PARAMETERS = ['Steps: ', 'Sampler: ', 'CFG scale: '];

export class ExifError extends Error {}

/** {tag: [type, count, raw bytes]} of the IFD at `offset`. */
function parseIfd(tiff, offset, little) {
  if (offset < 8 || offset + 2 > tiff.length) throw new ExifError('IFD offset out of range');
  const count = uint(tiff, offset, 2, little);
  if (count > MAX_ENTRIES || offset + 2 + 12 * count > tiff.length) throw new ExifError('IFD too large or truncated');
  const entries = new Map();
  for (let i = 0; i < count; i++) {
    const e = offset + 2 + 12 * i;
    const tag = uint(tiff, e, 2, little);
    const kind = uint(tiff, e + 2, 2, little);
    const n = uint(tiff, e + 4, 4, little);
    const size = (TYPE_SIZES[kind] ?? 0) * n;
    if (size === 0 || size > tiff.length) continue;
    let raw;
    if (size <= 4) {
      raw = tiff.subarray(e + 8, e + 8 + size);
    } else {
      const at = uint(tiff, e + 8, 4, little);
      if (at + size > tiff.length) continue;
      raw = tiff.subarray(at, at + size);
    }
    if (!entries.has(tag)) entries.set(tag, [kind, n, raw]);
  }
  return entries;
}

/**
 * Entries of IFD0 and the Exif IFD, and errors.
 * @param {Uint8Array} tiff
 * @returns {{tags: Map<number, [number, number, Uint8Array, boolean]>, errors: string[]}}
 *   tag -> [type, count, raw value bytes, little-endian]
 * @throws {ExifError} when IFD0 cannot be read (a bad Exif IFD is an error entry)
 */
export function parseTiff(tiff) {
  let little;
  if (tiff[0] === 0x49 && tiff[1] === 0x49 && tiff[2] === 0x2a && tiff[3] === 0) little = true;
  else if (tiff[0] === 0x4d && tiff[1] === 0x4d && tiff[2] === 0 && tiff[3] === 0x2a) little = false;
  else throw new ExifError('not a TIFF header');
  const ifd0 = parseIfd(tiff, uint(tiff, 4, 4, little), little);
  const tags = new Map();
  for (const [tag, value] of ifd0) tags.set(tag, [...value, little]);
  const errors = [];
  const pointer = ifd0.get(EXIF_IFD);
  if (pointer && (pointer[0] === 4 || pointer[0] === 13)) {
    try {
      const exif = parseIfd(tiff, uint(pointer[2], 0, 4, little), little);
      for (const [tag, value] of exif) if (!tags.has(tag)) tags.set(tag, [...value, little]);
    } catch (error) {
      if (!(error instanceof ExifError)) throw error;
      errors.push(`EXIF: Exif IFD unreadable (${error.message})`);
    }
  }
  return { tags, errors };
}

function ascii(value) {
  if (!value || ![1, 2, 7].includes(value[0])) return null;
  const raw = value[2];
  const nul = raw.indexOf(0);
  const text = utf8(nul === -1 ? raw : raw.subarray(0, nul)).trim();
  return text || null;
}

function userComment(value) {
  if (!value || ![1, 2, 7].includes(value[0]) || value[2].length < 8) return null;
  const prefix = value[2].subarray(0, 8);
  const body = value[2].subarray(8);
  let text;
  if (String.fromCharCode(...prefix) === 'UNICODE\0') {
    // Writers disagree on the byte order: a zero first byte means big-endian, a zero second
    // byte little-endian, otherwise the TIFF's own order.
    let little = value[3];
    if (body.length >= 2 && (body[0] === 0) !== (body[1] === 0)) little = body[1] === 0;
    const even = body.subarray(0, body.length - (body.length % 2));
    text = new TextDecoder(little ? 'utf-16le' : 'utf-16be').decode(even);
  } else {
    text = utf8(body);
  }
  text = text.replaceAll('\0', '').trim();
  return text || null;
}

function rational(value) {
  if (!value || (value[0] !== 5 && value[0] !== 10)) return null;
  const signed = value[0] === 10;
  let num = uint(value[2], 0, 4, value[3]);
  let den = uint(value[2], 4, 4, value[3]);
  if (signed) {
    if (num >= 2 ** 31) num -= 2 ** 32;
    if (den >= 2 ** 31) den -= 2 ** 32;
  }
  return num > 0 && den > 0 ? [num, den] : null;
}

/** A positive rational to one decimal, rounded half up, without a trailing ".0". */
function tenths(r) {
  if (!r) return null;
  const t = Math.floor((10 * r[0] + Math.floor(r[1] / 2)) / r[1]);
  const whole = Math.floor(t / 10);
  const frac = t % 10;
  return frac ? `${whole}.${frac}` : String(whole);
}

function exposure(r) {
  if (!r) return null;
  let [a, b] = r;
  while (b) [a, b] = [b, a % b];
  const num = r[0] / a;
  const den = r[1] / a;
  return den === 1 ? `${num} s` : `${num}/${den} s`;
}

function integer(value) {
  if (!value || (value[0] !== 3 && value[0] !== 4)) return null;
  return String(uint(value[2], 0, value[0] === 3 ? 2 : 4, value[3]));
}

/** The contract's `camera` object: only the fields present. */
export function cameraFields(tags) {
  const f = tenths(rational(tags.get(F_NUMBER)));
  const focal = tenths(rational(tags.get(FOCAL)));
  const fields = {
    make: ascii(tags.get(MAKE)),
    model: ascii(tags.get(MODEL)),
    lens: ascii(tags.get(LENS)),
    exposure: exposure(rational(tags.get(EXPOSURE))),
    f_number: f && `f/${f}`,
    iso: integer(tags.get(ISO)),
    focal_length: focal && `${focal} mm`,
    datetime: ascii(tags.get(DATETIME)),
  };
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v));
}

/** The generator a text names (GENERATORS), or null. */
export function namedGenerator(text) {
  for (const [name, pattern] of GENERATORS) if (pattern.test(text)) return name;
  return null;
}

/**
 * The `exif-generator` signals and the `camera` signal (or null) of one EXIF block.
 * @returns {{generators: object[], camera: object|null}}
 */
export function exifSignals(tags) {
  const generators = [];
  const fields = [
    ['Software', ascii(tags.get(SOFTWARE))],
    ['ImageDescription', ascii(tags.get(DESCRIPTION))],
    ['UserComment', userComment(tags.get(USER_COMMENT))],
  ];
  for (const [field, text] of fields) {
    if (!text) continue;
    let name = namedGenerator(text);
    if (name === null && field === 'UserComment' && SD_PARAMETERS.every((p) => text.includes(p))) {
      name = 'Stable Diffusion web UI';
    }
    if (name !== null) {
      generators.push({
        kind: 'exif-generator',
        source: `EXIF ${field}`,
        indicates: 'ai',
        decisive: true,
        detail: clip(`${field}: ${text}`),
        generator: name,
      });
    }
  }
  const camera = cameraFields(tags);
  if (!['make', 'model', 'lens'].some((k) => k in camera)) return { generators, camera: null };
  const make = camera.make ?? '';
  const model = camera.model ?? '';
  const summary = [
    make && model.toLowerCase().startsWith(make.toLowerCase()) ? model : `${make} ${model}`.trim(),
    camera.lens,
    camera.exposure,
    camera.f_number,
    camera.iso && `ISO ${camera.iso}`,
    camera.focal_length,
  ];
  return {
    generators,
    camera: {
      kind: 'camera',
      source: 'EXIF Make/Model',
      indicates: 'camera',
      decisive: false,
      detail: clip(summary.filter(Boolean).join(', ')),
      camera,
    },
  };
}

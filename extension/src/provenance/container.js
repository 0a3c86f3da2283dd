// Finds the metadata blocks of a file: EXIF, XMP and PNG text, with bounded walks. A port of
// the Python reader's provenance/containers.py (same blocks, same error strings).
//
// JPEG segments (APP1 Exif / XMP), PNG chunks (tEXt / zTXt / iTXt / eXIf) and RIFF chunks
// (WebP EXIF / XMP) are walked up to `limits.maxItems`; any other file is searched for an XMP
// packet. Nothing here throws: problems become `errors` entries.

import { indexOf, latin1, startsWith, uint, utf8 } from './text.js';

const XMP_JPEG_HEADER = 'http://ns.adobe.com/xap/1.0/\0';
const XMP_PNG_KEYWORD = 'XML:com.adobe.xmp';
const PNG_SIGNATURE = '\x89PNG\r\n\x1a\n';

/**
 * @typedef {object} Blocks
 * @property {string|null} format 'jpeg' | 'png' | 'webp' | 'gif' | 'avif' | 'tiff' | 'svg' | null
 * @property {Uint8Array[]} exif TIFF structures
 * @property {string[]} xmp XMP packets
 * @property {[string, string][]} pngText [keyword, text]
 * @property {Uint8Array|null} pngHeader the IHDR chunk's 13 bytes
 * @property {[number, number][]} pngIdat [start, end) of each IDAT chunk's data
 * @property {string[]} errors
 */

function isSvg(data) {
  const head = latin1(data, 0, Math.min(data.length, 4096));
  const start = head.replace(/^[\xef\xbb\xbf \t\r\n]+/, '');
  return ['<svg', '<?xml', '<!--', '<!DOCTYPE svg'].some((p) => start.startsWith(p)) && start.includes('<svg');
}

/** The container, from the first bytes. */
export function sniff(data) {
  if (data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'jpeg';
  if (startsWith(data, PNG_SIGNATURE)) return 'png';
  if (startsWith(data, 'RIFF') && startsWith(data, 'WEBP', 8)) return 'webp';
  if (startsWith(data, 'GIF87a') || startsWith(data, 'GIF89a')) return 'gif';
  if (startsWith(data, 'ftyp', 4) && (startsWith(data, 'avif', 8) || startsWith(data, 'avis', 8))) return 'avif';
  if (startsWith(data, 'II*\0') || startsWith(data, 'MM\0*')) return 'tiff';
  if (isSvg(data)) return 'svg';
  return null;
}

/**
 * Every EXIF, XMP and PNG text block in `data` (already cut to the scan limit).
 * @param {Uint8Array} data
 * @param {import('./limits.js').Limits} limits
 * @param {import('./limits.js').Budget} budget
 * @returns {Promise<Blocks>}
 */
export async function findBlocks(data, limits, budget) {
  const blocks = { format: sniff(data), exif: [], xmp: [], pngText: [], pngHeader: null, pngIdat: [], errors: [] };
  const walker = { jpeg: walkJpeg, png: walkPng, webp: walkWebp }[blocks.format];
  if (walker) await walker(data, limits, budget, blocks);
  else scanXmp(data, limits, blocks);
  return blocks;
}

function addExif(payload, limits, blocks) {
  if (startsWith(payload, 'Exif\0\0')) payload = payload.subarray(6);
  if (payload.length > limits.maxBlockBytes) blocks.errors.push('EXIF block over the size limit: skipped');
  else if (payload.length) blocks.exif.push(payload);
}

function addXmp(payload, limits, blocks) {
  if (payload.length > limits.maxBlockBytes) blocks.errors.push('XMP packet over the size limit: skipped');
  else blocks.xmp.push(utf8(payload));
}

function tooLong(steps, limits, budget) {
  return steps > limits.maxItems || (steps % 64 === 0 && budget.expired());
}

function walkJpeg(data, limits, budget, blocks) {
  let pos = 2;
  let steps = 0;
  while (pos + 4 <= data.length) {
    steps++;
    if (tooLong(steps, limits, budget)) {
      blocks.errors.push('JPEG: too many segments or over the time limit');
      return;
    }
    if (data[pos] !== 0xff) {
      blocks.errors.push('JPEG: malformed segment structure');
      return;
    }
    const marker = data[pos + 1];
    if (marker === 0xda || marker === 0xd9) return; // start of scan or end of image: metadata is over
    if (marker === 0xff) {
      pos += 1;
      continue;
    }
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x00 || marker === 0x01) {
      pos += 2;
      continue;
    }
    const length = uint(data, pos + 2, 2, false);
    const end = pos + 2 + length;
    if (length < 2 || end > data.length) {
      blocks.errors.push('JPEG: truncated segment');
      return;
    }
    const payload = data.subarray(pos + 4, end);
    if (marker === 0xe1 && startsWith(payload, 'Exif\0\0')) addExif(payload, limits, blocks);
    else if (marker === 0xe1 && startsWith(payload, XMP_JPEG_HEADER)) {
      addXmp(payload.subarray(XMP_JPEG_HEADER.length), limits, blocks);
    }
    pos = end;
  }
}

/**
 * zlib-inflated bytes, or null when corrupt or larger than `limit` (DecompressionStream,
 * stopped as soon as the output passes the limit: a small "zip bomb" costs nothing). With
 * `prefix`, the first `limit` bytes instead (null when the stream is shorter or corrupt).
 * @param {Uint8Array|Uint8Array[]} raw the compressed bytes, or their parts in order
 */
export async function inflate(raw, limit, { format = 'deflate', prefix = false } = {}) {
  let reader;
  try {
    reader = new Blob(Array.isArray(raw) ? raw : [raw]).stream().pipeThrough(new DecompressionStream(format)).getReader();
    const chunks = [];
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      chunks.push(value);
      if (total > limit) {
        reader.cancel().catch(() => {});
        if (!prefix) return null;
        break;
      }
    }
    if (prefix && total < limit) return null;
    const out = new Uint8Array(total);
    let at = 0;
    for (const chunk of chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return prefix ? out.subarray(0, limit) : out;
  } catch {
    return null;
  }
}

/** Decode one tEXt, zTXt or iTXt chunk into `blocks`. */
async function pngText(kind, body, limits, blocks) {
  const sep = body.indexOf(0);
  if (sep < 1 || sep > 79) {
    blocks.errors.push(`PNG ${kind}: malformed chunk`);
    return;
  }
  const name = latin1(body, 0, sep);
  const rest = body.subarray(sep + 1);
  let text;
  if (kind === 'tEXt') {
    text = latin1(rest);
  } else if (kind === 'zTXt') {
    const raw = rest.length && rest[0] === 0 ? await inflate(rest.subarray(1), limits.maxBlockBytes) : null;
    if (raw === null) {
      blocks.errors.push(`PNG zTXt '${name}': corrupt or over the size limit`);
      return;
    }
    text = latin1(raw);
  } else {
    // iTXt: flag, method, language \0, translated keyword \0, UTF-8 text
    if (rest.length < 2) {
      blocks.errors.push(`PNG iTXt '${name}': malformed chunk`);
      return;
    }
    const compressed = rest[0];
    const tail = rest.subarray(2);
    const a = tail.indexOf(0);
    const b = a === -1 ? -1 : tail.indexOf(0, a + 1);
    if (b === -1) {
      blocks.errors.push(`PNG iTXt '${name}': malformed chunk`);
      return;
    }
    let raw = tail.subarray(b + 1);
    if (compressed) {
      const inflated = await inflate(raw, limits.maxBlockBytes);
      if (inflated === null) {
        blocks.errors.push(`PNG iTXt '${name}': corrupt or over the size limit`);
        return;
      }
      raw = inflated;
    }
    text = utf8(raw);
  }
  if (name === XMP_PNG_KEYWORD) blocks.xmp.push(text);
  else blocks.pngText.push([name, text]);
}

async function walkPng(data, limits, budget, blocks) {
  let pos = 8;
  let steps = 0;
  while (pos + 8 <= data.length) {
    steps++;
    if (tooLong(steps, limits, budget)) {
      blocks.errors.push('PNG: too many chunks or over the time limit');
      return;
    }
    const length = uint(data, pos, 4, false);
    const kind = latin1(data, pos + 4, pos + 8);
    const end = pos + 12 + length;
    if (end > data.length) {
      blocks.errors.push('PNG: truncated chunk');
      return;
    }
    if (kind === 'tEXt' || kind === 'zTXt' || kind === 'iTXt' || kind === 'eXIf') {
      const body = data.subarray(pos + 8, pos + 8 + length);
      if (length > limits.maxBlockBytes) blocks.errors.push(`PNG ${kind} chunk over the size limit: skipped`);
      else if (kind === 'eXIf') addExif(body, limits, blocks);
      else await pngText(kind, body, limits, blocks);
    }
    if (kind === 'IHDR' && length === 13) blocks.pngHeader = data.subarray(pos + 8, pos + 21);
    else if (kind === 'IDAT') blocks.pngIdat.push([pos + 8, pos + 8 + length]);
    if (kind === 'IEND') return;
    pos = end;
  }
}

function walkWebp(data, limits, budget, blocks) {
  let pos = 12;
  let steps = 0;
  while (pos + 8 <= data.length) {
    steps++;
    if (tooLong(steps, limits, budget)) {
      blocks.errors.push('WebP: too many chunks or over the time limit');
      return;
    }
    const kind = latin1(data, pos, pos + 4);
    const length = uint(data, pos + 4, 4, true);
    const end = pos + 8 + length;
    if (end > data.length) {
      blocks.errors.push('WebP: truncated chunk');
      return;
    }
    if (kind === 'EXIF') addExif(data.subarray(pos + 8, end), limits, blocks);
    else if (kind === 'XMP ') addXmp(data.subarray(pos + 8, end), limits, blocks);
    pos = end + (length & 1);
  }
}

/** The first `<x:xmpmeta ... </x:xmpmeta>` packet anywhere in the bytes. */
function scanXmp(data, limits, blocks) {
  const start = indexOf(data, '<x:xmpmeta');
  if (start < 0) return;
  const end = indexOf(data, '</x:xmpmeta>', start);
  if (end < 0) {
    blocks.errors.push('XMP: unterminated packet');
    return;
  }
  addXmp(data.subarray(start, end + '</x:xmpmeta>'.length), limits, blocks);
}

// Small helpers over bytes and text shared by the provenance readers. They mirror the Python
// reader (provenance/text.py) so both give the same strings.

export const MAX_DETAIL = 200;

/** Bytes as Latin-1 text (one char per byte). */
export function latin1(bytes, start = 0, end = bytes.length) {
  let s = '';
  for (let i = start; i < end; i += 8192) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, Math.min(end, i + 8192)));
  }
  return s;
}

const utf8Decoder = new TextDecoder('utf-8');

/** Bytes as UTF-8 text (invalid sequences become U+FFFD, as Python's "replace"). */
export function utf8(bytes) {
  return utf8Decoder.decode(bytes);
}

/** Does `bytes` hold the ASCII string `ascii` at `offset`? */
export function startsWith(bytes, ascii, offset = 0) {
  if (offset < 0 || offset + ascii.length > bytes.length) return false;
  for (let i = 0; i < ascii.length; i++) if (bytes[offset + i] !== ascii.charCodeAt(i)) return false;
  return true;
}

/** Index of the first `needle` (ASCII) in bytes[from, to), or -1. */
export function indexOf(bytes, needle, from = 0, to = bytes.length) {
  const first = needle.charCodeAt(0);
  const last = to - needle.length;
  for (let i = bytes.indexOf(first, from); i !== -1 && i <= last; i = bytes.indexOf(first, i + 1)) {
    if (startsWith(bytes, needle, i)) return i;
  }
  return -1;
}

/** Unsigned integer of `width` bytes at `offset`, big- or little-endian. */
export function uint(bytes, offset, width, little) {
  let v = 0;
  for (let i = 0; i < width; i++) v = v * 256 + bytes[offset + (little ? width - 1 - i : i)];
  return v;
}

/** Signed 32-bit integer at `offset`. */
export function int32(bytes, offset, little) {
  const v = uint(bytes, offset, 4, little);
  return v >= 2 ** 31 ? v - 2 ** 32 : v;
}

/**
 * Whitespace collapsed to single spaces, trimmed, at most `limit` code points (longer text
 * keeps `limit - 1` and ends with an ellipsis), as Python's `clip`.
 */
export function clip(text, limit = MAX_DETAIL) {
  const s = String(text).replace(/\s+/gu, ' ').trim();
  const points = Array.from(s);
  return points.length <= limit ? s : `${points.slice(0, limit - 1).join('')}\u2026`;
}

/** The last path segment of a digital source type URI. */
export function shortType(uri) {
  return String(uri).replace(/\/+$/, '').split('/').pop();
}

export const AI_SOURCE_TYPES = ['trainedAlgorithmicMedia', 'compositeWithTrainedAlgorithmicMedia'];
export const CAMERA_SOURCE_TYPES = ['digitalCapture', 'computationalCapture'];

/** IPTC trainedAlgorithmicMedia or compositeWithTrainedAlgorithmicMedia? */
export const isAiType = (uri) => AI_SOURCE_TYPES.includes(shortType(uri));
export const isCameraType = (uri) => CAMERA_SOURCE_TYPES.includes(shortType(uri));

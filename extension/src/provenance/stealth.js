// Stable Diffusion web UI's "stealth" metadata: the generation parameters hidden in the low
// bit of each alpha value of a PNG (as provenance/stealth.py, which documents the format).
// The signature sits in the first column of images at least 152 pixels high: those alpha
// values are rebuilt from the first rows alone, and the whole image is decoded only when the
// signature is there.

import { inflate } from './container.js';
import { generator, pngTextSignal } from './pngtext.js';
import { latin1, uint, utf8 } from './text.js';

const SIGNATURES = { stealth_pnginfo: false, stealth_pngcomp: true };
const SIGNATURE_BITS = 15 * 8;
const HEADER_BITS = SIGNATURE_BITS + 32;
const CHANNELS = { 4: 2, 6: 4 }; // PNG colour type: bytes per pixel at depth 8 (alpha last)

/** Bits (0/1), most significant first, as bytes; a last partial byte is dropped. */
function bitsToBytes(bits) {
  const out = new Uint8Array(bits.length >> 3);
  for (let i = 0; i < out.length; i++) {
    let byte = 0;
    for (let j = 0; j < 8; j++) byte = (byte << 1) | bits[i * 8 + j];
    out[i] = byte;
  }
  return out;
}

/** The alpha values of pixel x=0 in the first `rows` rows of unfiltered scanlines. */
function firstColumnAlpha(raw, rows, stride, bpp) {
  const alphas = [];
  let above = new Uint8Array(bpp);
  for (let y = 0; y < rows; y++) {
    const kind = raw[y * stride];
    const pixel = raw.subarray(y * stride + 1, y * stride + 1 + bpp);
    // With no left neighbour, Up and Paeth predict the byte above, Average half of it.
    const next = new Uint8Array(bpp);
    for (let i = 0; i < bpp; i++) {
      const predict = kind === 2 || kind === 4 ? above[i] : kind === 3 ? above[i] >> 1 : 0;
      next[i] = (pixel[i] + predict) & 0xff;
    }
    above = next;
    alphas.push(above[bpp - 1]);
  }
  return alphas;
}

/** Unfiltered scanlines (PNG filters 0-4) of the whole image, without the filter bytes. */
function unfilter(raw, width, height, bpp) {
  const rowBytes = width * bpp;
  const out = new Uint8Array(rowBytes * height);
  for (let y = 0; y < height; y++) {
    const kind = raw[y * (rowBytes + 1)];
    const src = y * (rowBytes + 1) + 1;
    const row = y * rowBytes;
    for (let i = 0; i < rowBytes; i++) {
      const a = i >= bpp ? out[row + i - bpp] : 0;
      const b = y ? out[row - rowBytes + i] : 0;
      const c = i >= bpp && y ? out[row - rowBytes + i - bpp] : 0;
      let predict = 0;
      if (kind === 1) predict = a;
      else if (kind === 2) predict = b;
      else if (kind === 3) predict = (a + b) >> 1;
      else if (kind === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        predict = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      out[row + i] = (raw[src + i] + predict) & 0xff;
    }
  }
  return out;
}

/** The first `count` alpha low bits, column by column, of the whole decoded image. */
async function alphaBits(parts, width, height, bpp, count) {
  const raw = await inflate(parts, height * (1 + width * bpp), { prefix: true });
  if (raw === null) throw new Error('IDAT stream short or corrupt');
  const pixels = unfilter(raw, width, height, bpp);
  const bits = new Uint8Array(count);
  for (let k = 0; k < count; k++) {
    const x = Math.floor(k / height);
    const y = k % height;
    bits[k] = pixels[(y * width + x) * bpp + bpp - 1] & 1;
  }
  return bits;
}

/**
 * [the `png-text` signal of stealth metadata, or null; errors].
 * @param {Uint8Array} data
 * @param {import('./container.js').Blocks} blocks
 * @param {import('./limits.js').Limits} limits
 */
export async function stealthSignal(data, blocks, limits) {
  const header = blocks.pngHeader;
  if (!header || !blocks.pngIdat.length) return [null, []];
  const width = uint(header, 0, 4, false);
  const height = uint(header, 4, 4, false);
  const [depth, colour, interlace] = [header[8], header[9], header[12]];
  const bpp = CHANNELS[colour];
  if (!bpp || depth !== 8 || interlace !== 0 || !width || !height) return [null, []];
  if (width * height > limits.maxStealthPixels) return [null, []];
  const stride = 1 + width * bpp;
  const rows = Math.min(height, HEADER_BITS);
  const parts = blocks.pngIdat.map(([start, end]) => data.subarray(start, end));
  const raw = await inflate(parts, rows * stride, { prefix: true });
  if (raw === null) return [null, []];
  let first = firstColumnAlpha(raw, rows, stride, bpp).map((a) => a & 1);
  if (height < HEADER_BITS) {
    try {
      first = await alphaBits(parts, width, height, bpp, HEADER_BITS);
    } catch {
      return [null, []];
    }
  }
  const name = latin1(bitsToBytes(first.slice(0, SIGNATURE_BITS)));
  if (!Object.hasOwn(SIGNATURES, name)) return [null, []];
  const length = uint(bitsToBytes(first.slice(SIGNATURE_BITS, HEADER_BITS)), 0, 4, false);
  const failed = [null, [`PNG alpha channel '${name}': corrupt or over the size limit`]];
  if (length > 8 * limits.maxBlockBytes || HEADER_BITS + length > width * height) return failed;
  let payload;
  try {
    payload = bitsToBytes((await alphaBits(parts, width, height, bpp, HEADER_BITS + length)).subarray(HEADER_BITS));
  } catch {
    return failed;
  }
  if (SIGNATURES[name]) {
    payload = await inflate(payload, limits.maxBlockBytes, { format: 'gzip' });
    if (payload === null) return failed;
  }
  const text = utf8(payload);
  const tool = generator('parameters', text);
  return tool === null ? [null, []] : [pngTextSignal(`PNG alpha channel '${name}'`, tool, text), []];
}

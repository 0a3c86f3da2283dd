// The browser half of the pipeline: fetch the bytes, hash them, decode them into model pixels.
// Pixels always come from the image bytes the extension fetched itself, never from the page's
// canvas (which anti-fingerprinting settings may add noise to, and which cross-origin images taint).

import { resizeAndCrop } from '../lib/resize.js';

export const MAX_PIXELS = 100e6; // larger images are skipped (decode would take GBs)

/** Fetch image bytes with the extension's host permissions (no CORS needed). */
export async function fetchImage(url) {
  // The page's own cookies go with it, as with the page's request for the same image.
  const response = await fetch(url, { credentials: 'include', cache: 'force-cache' });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const bytes = await response.arrayBuffer();
  return { bytes, contentType: response.headers.get('content-type') || '' };
}

/** Hex sha256 of the bytes: the cache key for identical images under different URLs. */
export async function hashBytes(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

function decodeBitmap(bytes, contentType) {
  const blob = new Blob([bytes], contentType ? { type: contentType } : {});
  return createImageBitmap(blob, {
    imageOrientation: 'from-image',
    premultiplyAlpha: 'none',
    colorSpaceConversion: 'none',
  });
}

/** A lossless PNG of the image's pixels (alpha kept), for a server that cannot decode WebP/AVIF. */
export async function transcodeToPng(bytes, contentType) {
  const bitmap = await decodeBitmap(bytes, contentType);
  try {
    if (bitmap.width * bitmap.height > MAX_PIXELS) throw new Error('too large');
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    canvas.getContext('2d').drawImage(bitmap, 0, 0);
    const blob = await canvas.convertToBlob({ type: 'image/png' });
    return blob.arrayBuffer();
  } finally {
    bitmap.close();
  }
}

/**
 * Decode image bytes and preprocess them as card.json says: EXIF orientation applied, alpha
 * composited on white, short side resized to S (antialiased, TF's filter), centre crop.
 * GIFs give their first frame. Colour profiles are ignored, as TF ignores them.
 * @returns {Promise<Float32Array>} S * S * 3 floats in 0..255
 */
export async function decodeToPixels(bytes, contentType, size) {
  const bitmap = await decodeBitmap(bytes, contentType);
  try {
    const { width, height } = bitmap;
    if (width * height > MAX_PIXELS) throw new Error(`${width}x${height} is too large`);
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, width, height);
    ctx.drawImage(bitmap, 0, 0);
    const { data } = ctx.getImageData(0, 0, width, height);
    return resizeAndCrop({ data, width, height, channels: 4 }, size);
  } finally {
    bitmap.close();
  }
}

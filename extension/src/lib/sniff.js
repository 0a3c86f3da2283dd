// What kind of image a response holds, from its first bytes (content types lie).

const MAGIC = [
  ['jpeg', [0xff, 0xd8, 0xff]],
  ['png', [0x89, 0x50, 0x4e, 0x47]],
  ['gif', [0x47, 0x49, 0x46, 0x38]],
  ['bmp', [0x42, 0x4d]],
  ['ico', [0x00, 0x00, 0x01, 0x00]],
];

/**
 * 'jpeg' | 'png' | 'gif' | 'bmp' | 'webp' | 'avif' | 'ico' | 'svg' | 'other' (an image/* type we
 * do not recognise: let the browser's decoder try) | null (not an image).
 */
export function sniffImage(buffer, contentType = '') {
  const b = new Uint8Array(buffer, 0, Math.min(buffer.byteLength, 64));
  for (const [name, magic] of MAGIC) {
    if (magic.every((v, i) => b[i] === v)) return name;
  }
  const ascii = String.fromCharCode(...b);
  if (ascii.startsWith('RIFF') && ascii.slice(8, 12) === 'WEBP') return 'webp';
  if (ascii.slice(4, 12) === 'ftypavif' || ascii.slice(4, 12) === 'ftypavis') return 'avif';
  const type = String(contentType).toLowerCase();
  if (type.includes('svg') || /^\s*(<\?xml|<svg|<!--)/.test(ascii)) return 'svg';
  if (type.startsWith('image/')) return 'other';
  return null;
}

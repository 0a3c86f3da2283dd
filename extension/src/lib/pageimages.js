// Pure helpers for finding the images of a page worth scoring. No DOM access here: callers
// pass strings and rectangles, so these are unit-tested in Node.

/** The first url(...) of a computed background-image value, or null (gradients, none). */
export function cssBackgroundUrl(value) {
  if (!value || value === 'none') return null;
  const match = /url\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([^)\s]*))\s*\)/.exec(value);
  if (!match) return null;
  const url = (match[1] ?? match[2] ?? match[3] ?? '').replace(/\\(.)/g, '$1');
  return url || null;
}

/** SVG images are drawings, not photos or renders: never scored. */
export function isSvgUrl(url) {
  return /^data:image\/svg\+xml[;,]/i.test(url) || /\.svgz?(?:$|[?#])/i.test(url);
}

/** Can the extension get the bytes behind this URL? */
export function isScorableUrl(url) {
  if (typeof url !== 'string' || url === '') return false;
  if (isSvgUrl(url)) return false;
  return /^(https?:|data:image\/|blob:)/i.test(url);
}

/**
 * Big enough to score: an area of at least minSize x minSize CSS pixels, and the short side at
 * least a quarter of minSize (a 300 x 98 photo counts; icons, thin strips and spacers do not).
 */
export function isBigEnough(width, height, minSize) {
  return width * height >= minSize * minSize && Math.min(width, height) >= minSize / 4;
}

/** Does the rectangle overlap the viewport (grown by `margin` pixels on each side)? */
export function inViewport(rect, viewWidth, viewHeight, margin = 0) {
  return (
    rect.width > 0 &&
    rect.height > 0 &&
    rect.bottom > -margin &&
    rect.right > -margin &&
    rect.top < viewHeight + margin &&
    rect.left < viewWidth + margin
  );
}

/**
 * Where a badge goes: the requested corner of the image rectangle, kept inside the image
 * and inside the viewport. Returns {x, y} in viewport coordinates.
 */
export function badgePosition(rect, corner, badgeWidth, badgeHeight, viewWidth, viewHeight, inset = 4) {
  const right = corner.endsWith('right');
  const bottom = corner.startsWith('bottom');
  let x = right ? rect.right - badgeWidth - inset : rect.left + inset;
  let y = bottom ? rect.bottom - badgeHeight - inset : rect.top + inset;
  // Keep the badge on screen while any part of the image is.
  x = Math.min(Math.max(x, Math.max(rect.left, 0) + inset), Math.min(rect.right, viewWidth) - badgeWidth - inset);
  y = Math.min(Math.max(y, Math.max(rect.top, 0) + inset), Math.min(rect.bottom, viewHeight) - badgeHeight - inset);
  return { x: Math.round(x), y: Math.round(y) };
}

/** The intersection of a rectangle with clipping boxes ({left, top, right, bottom} each). */
export function clipRect(rect, clips) {
  let { left, top, right, bottom } = rect;
  for (const c of clips) {
    left = Math.max(left, c.left);
    top = Math.max(top, c.top);
    right = Math.min(right, c.right);
    bottom = Math.min(bottom, c.bottom);
  }
  const width = Math.max(0, right - left);
  const height = Math.max(0, bottom - top);
  return { left, top, right: left + width, bottom: top + height, width, height };
}

/** How far in from a corner rounded by `radius` a badge must sit to stay on the image. */
export function cornerInset(radius) {
  return Math.ceil(radius * (1 - Math.SQRT1_2));
}

// Which image is under the pointer: the topmost <img>, <picture> or element with a CSS
// background image at a point, looking through transparent overlays and into open shadow roots.

import { cssBackgroundUrl, isSvgUrl } from '../lib/pageimages.js';

/** Every element at (x, y), topmost first, shadow roots opened where they are open. */
function elementsAt(root, x, y, depth = 0) {
  const out = [];
  for (const el of root.elementsFromPoint(x, y)) {
    if (el.shadowRoot && depth < 8) {
      for (const inner of elementsAt(el.shadowRoot, x, y, depth + 1)) {
        if (inner !== el && !out.includes(inner)) out.push(inner);
      }
    }
    if (!out.includes(el)) out.push(el);
  }
  return out;
}

function hasBackgroundImage(el) {
  const url = cssBackgroundUrl(getComputedStyle(el).backgroundImage);
  return url !== null && !isSvgUrl(url);
}

/**
 * The image element at viewport point (x, y) of `doc`, or null. `ignore(el)` skips elements
 * (our own overlay). The page's <html> and <body> backgrounds are never taken for an image.
 */
export function imageAt(doc, x, y, ignore = () => false) {
  for (const el of elementsAt(doc, x, y)) {
    if (ignore(el) || el === doc.documentElement || el === doc.body) continue;
    if (el.localName === 'img' && (el.currentSrc || el.src)) return el;
    if (el.localName === 'picture') {
      const img = el.querySelector('img');
      if (img) return img;
    }
    if (hasBackgroundImage(el)) return el;
  }
  return null;
}

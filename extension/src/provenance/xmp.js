// IPTC digital source type in an XMP packet outside C2PA (as provenance/xmp.py).
// The packet is searched with regular expressions, never given to an XML parser.

import { clip, isAiType, isCameraType, shortType } from './text.js';

const PATTERNS = [
  /Iptc4xmpExt:DigitalSourceType\s*=\s*["']([^"']*)["']/,
  /<Iptc4xmpExt:DigitalSourceType[^>]*?rdf:resource\s*=\s*["']([^"']*)["']/,
  /<Iptc4xmpExt:DigitalSourceType\s*>\s*([^<]*?)\s*</,
];

/** The packet's first non-empty digital source type, or null. */
export function digitalSourceType(packet) {
  let best = null;
  for (const pattern of PATTERNS) {
    const m = pattern.exec(packet);
    if (!m || !m[1].trim()) continue;
    const candidate = [m.index, m[1].trim()];
    if (!best || candidate[0] < best[0] || (candidate[0] === best[0] && candidate[1] < best[1])) best = candidate;
  }
  return best ? best[1] : null;
}

/** The `xmp` signal of the first packet that names a digital source type, or null. */
export function xmpSignal(packets) {
  for (const packet of packets) {
    const value = digitalSourceType(packet);
    if (value === null) continue;
    const ai = isAiType(value);
    return {
      kind: 'xmp',
      source: 'XMP Iptc4xmpExt:DigitalSourceType',
      indicates: ai ? 'ai' : isCameraType(value) ? 'camera' : 'unknown',
      decisive: ai,
      detail: clip(`digitalSourceType ${shortType(value)}`),
    };
  }
  return null;
}

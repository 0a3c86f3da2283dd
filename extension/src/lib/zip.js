// A minimal zip writer, no dependencies: used by the build (store packages, deflated by Node)
// and by the extension (the dataset of reported mistakes; images are stored as they are).

const CRC_TABLE = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/**
 * The fields a local header and its central-directory record share, in the same order from
 * `at` (8 in a local header, 10 in a central record): method, time, date, CRC-32, sizes,
 * name length.
 */
function writeEntryFields(view, at, { method, crc, packed, size, nameLength }) {
  view.setUint16(at, method, true);
  view.setUint16(at + 2, TIME, true);
  view.setUint16(at + 4, DATE, true);
  view.setUint32(at + 6, crc, true);
  view.setUint32(at + 10, packed, true);
  view.setUint32(at + 14, size, true);
  view.setUint16(at + 18, nameLength, true);
}

export function crc32(bytes) {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// Fixed timestamp (1 Jan 2020) so the same files give the same zip.
const TIME = 0;
const DATE = ((2020 - 1980) << 9) | (1 << 5) | 1;

/**
 * @param {{name: string, data: Uint8Array, deflated?: Uint8Array}[]} files
 *   `deflated`: the raw-deflate form of `data`, used when smaller
 * @returns {Uint8Array} the zip
 */
export function zipFiles(files) {
  const parts = [];
  const centrals = [];
  let offset = 0;
  for (const { name, data, deflated } of files) {
    const nameBytes = new TextEncoder().encode(name);
    const stored = !deflated || deflated.length >= data.length;
    const body = stored ? data : deflated;
    const crc = crc32(data);
    const local = new DataView(new ArrayBuffer(30));
    local.setUint32(0, 0x04034b50, true);
    local.setUint16(4, 20, true);
    const entry = {
      method: stored ? 0 : 8,
      crc,
      packed: body.length,
      size: data.length,
      nameLength: nameBytes.length,
    };
    writeEntryFields(local, 8, entry);
    const central = new DataView(new ArrayBuffer(46));
    central.setUint32(0, 0x02014b50, true);
    central.setUint16(4, 20, true);
    central.setUint16(6, 20, true);
    writeEntryFields(central, 10, entry);
    central.setUint32(42, offset, true);
    parts.push(new Uint8Array(local.buffer), nameBytes, body);
    centrals.push(new Uint8Array(central.buffer), nameBytes);
    offset += 30 + nameBytes.length + body.length;
  }
  const centralSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true);
  end.setUint16(8, files.length, true);
  end.setUint16(10, files.length, true);
  end.setUint32(12, centralSize, true);
  end.setUint32(16, offset, true);
  const all = [...parts, ...centrals, new Uint8Array(end.buffer)];
  const out = new Uint8Array(all.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of all) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

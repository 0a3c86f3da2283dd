// A minimal zip writer, no dependencies: used by the build (store packages, deflated by Node)
// and by the extension (the dataset of reported mistakes; images are stored as they are).

const CRC_TABLE = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

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
    local.setUint16(8, stored ? 0 : 8, true);
    local.setUint16(10, TIME, true);
    local.setUint16(12, DATE, true);
    local.setUint32(14, crc, true);
    local.setUint32(18, body.length, true);
    local.setUint32(22, data.length, true);
    local.setUint16(26, nameBytes.length, true);
    const central = new DataView(new ArrayBuffer(46));
    central.setUint32(0, 0x02014b50, true);
    central.setUint16(4, 20, true);
    central.setUint16(6, 20, true);
    central.setUint16(10, stored ? 0 : 8, true);
    central.setUint16(12, TIME, true);
    central.setUint16(14, DATE, true);
    central.setUint32(16, crc, true);
    central.setUint32(20, body.length, true);
    central.setUint32(24, data.length, true);
    central.setUint16(28, nameBytes.length, true);
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

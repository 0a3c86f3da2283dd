// The store packages: every file of a build folder, deflated, in one zip.
import { deflateRawSync } from 'node:zlib';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { zipFiles } from '../src/lib/zip.js';

export { crc32 } from '../src/lib/zip.js';

function listFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listFiles(path));
    else out.push(path);
  }
  return out;
}

/** Zip every file under `dir` (paths relative to it) into `zipPath`. Returns the byte size. */
export function zipDirectory(dir, zipPath) {
  const zip = zipFiles(
    listFiles(dir).map((path) => {
      const data = readFileSync(path);
      return { name: relative(dir, path).split(sep).join('/'), data, deflated: deflateRawSync(data, { level: 9 }) };
    }),
  );
  writeFileSync(zipPath, zip);
  return zip.length;
}

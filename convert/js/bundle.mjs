// Read a model bundle's card.json in Node and refuse a bad bundle (docs/bundle.md):
// unknown card_version, or a TF.js file that is missing or does not match its sha256.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export const CARD_VERSION = 1;

export class BundleError extends Error {}

export async function checkBundle(dir) {
  let card;
  try {
    card = JSON.parse(await readFile(path.join(dir, 'card.json'), 'utf8'));
  } catch (error) {
    throw new BundleError(`${dir}: no readable card.json (${error.message})`);
  }
  if (card.card_version !== CARD_VERSION) {
    throw new BundleError(`${dir}: card_version ${card.card_version} is not supported ` +
      `(this reader knows version ${CARD_VERSION})`);
  }
  const modelDir = path.dirname(card.tfjs.path);
  const files = Object.entries(card.files).filter(([name]) => name.startsWith(`${modelDir}/`));
  if (!files.some(([name]) => name === card.tfjs.path)) {
    throw new BundleError(`${dir}: card.json does not list ${card.tfjs.path}`);
  }
  for (const [name, expected] of files) {
    let bytes;
    try {
      bytes = await readFile(path.join(dir, name));
    } catch {
      throw new BundleError(`${dir}: missing file ${name}`);
    }
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== expected) throw new BundleError(`${dir}: ${name} is corrupted (sha256 mismatch)`);
  }
  return { card, modelDir: path.join(dir, modelDir) };
}

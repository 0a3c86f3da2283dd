// Provenance: what an image file says about where it came from (docs/provenance.md).
// Read from the original bytes already fetched for scoring; nothing else is fetched. The same
// reader as the Python one (provenance/), signal for signal and error for error.
//
//   const provenance = await readProvenance(bytes, {validateC2pa});
//   // {decision: 'ai'|null, reason: 'metadata'|null, signals: [...], errors: [...]}
//
// Never throws: malformed metadata never breaks scoring.

import { findBlocks } from './container.js';
import { ExifError, exifSignals, parseTiff } from './exif.js';
import { c2paSignal, hasMarker } from './c2pa.js';
import { pngTextSignals } from './pngtext.js';
import { stealthSignal } from './stealth.js';
import { xmpSignal } from './xmp.js';
import { Budget, DEFAULT_LIMITS } from './limits.js';

export { DEFAULT_LIMITS } from './limits.js';

/** The object for a file with no provenance signals. */
export function emptyProvenance(errors = []) {
  return { decision: null, reason: null, signals: [], errors };
}

class TimeoutError extends Error {}

function within(promise, ms) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new TimeoutError()), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * [c2pa signal or null, errors].
 * @param {(bytes: Uint8Array, container: string|null) => Promise<{store: object, trustInstalled: boolean}|null>} validate
 */
async function readC2pa(data, size, container, limits, budget, validate) {
  if (!hasMarker(data)) return [null, []];
  if (size > limits.maxC2paBytes) return [null, ['C2PA: file over the size limit, manifest not validated']];
  if (!validate) return [null, ['C2PA: manifest not validated (no validator here)']];
  if (budget.expired()) return [null, ['C2PA: over the time limit, manifest not validated']];
  let found;
  try {
    found = await within(validate(data, container), budget.remaining());
  } catch (error) {
    if (error instanceof TimeoutError) return [null, ['C2PA: over the time limit, manifest not validated']];
    const text = String(error?.message ?? error).trim().split('\n')[0] || error?.name || 'Error';
    return [null, [`C2PA: manifest unreadable (${text.slice(0, 120)})`]];
  }
  if (found === null || found === undefined) return [null, []];
  try {
    return [c2paSignal(found.store, found.trustInstalled), []];
  } catch (error) {
    return [null, [`C2PA: manifest not understood (${error?.name ?? 'Error'})`]];
  }
}

async function read(input, limits, validate, result) {
  const budget = new Budget(limits.maxSeconds);
  const { errors } = result;
  let data = input instanceof Uint8Array ? input : new Uint8Array(input);
  const size = data.length;
  if (size > limits.maxScanBytes) {
    errors.push('file over the size limit: only its beginning was read');
    data = data.subarray(0, limits.maxScanBytes);
  }
  const blocks = await findBlocks(data, limits, budget);
  const [c2pa, c2paErrors] = await readC2pa(data, size, blocks.format, limits, budget, validate);
  const [stealth, stealthErrors] = await stealthSignal(data, blocks, limits);
  const generators = [];
  let camera = null;
  for (const tiff of blocks.exif) {
    let parsed;
    try {
      parsed = parseTiff(tiff);
    } catch (error) {
      if (!(error instanceof ExifError)) throw error;
      errors.push(`EXIF: unreadable (${error.message})`);
      continue;
    }
    errors.push(...parsed.errors);
    const found = exifSignals(parsed.tags);
    generators.push(...found.generators);
    camera ??= found.camera;
  }
  const signals = [c2pa, xmpSignal(blocks.xmp), ...pngTextSignals(blocks.pngText), stealth, ...generators, camera];
  result.signals = signals.filter((s) => s !== null && s !== undefined);
  errors.push(...blocks.errors, ...stealthErrors, ...c2paErrors);
  if (budget.expired() && !errors.some((e) => e.includes('time limit'))) {
    errors.push('over the time limit: some metadata may not have been read');
  }
}

/**
 * The provenance object of an encoded image (docs/provenance.md). Never throws.
 * @param {ArrayBuffer|Uint8Array} input the file's original bytes
 * @param {object} [options]
 * @param {(bytes: Uint8Array, container: string|null) => Promise<{store: object, trustInstalled: boolean}|null>} [options.validateC2pa]
 *   the C2PA SDK's reader (wasm.js): the validated manifest store and whether a trust list
 *   was loaded, null when there is none; without it a manifest is reported in `errors` as
 *   not validated
 * @param {import('./limits.js').Limits} [options.limits]
 */
export async function readProvenance(input, { validateC2pa = null, limits = DEFAULT_LIMITS } = {}) {
  const result = emptyProvenance();
  try {
    await read(input, limits, validateC2pa, result);
  } catch (error) {
    // A bug must not break scoring: say so and go on.
    result.errors.push(`provenance reader failed (${error?.name ?? 'Error'})`);
  }
  result.decision = result.signals.some((s) => s.decisive) ? 'ai' : null;
  result.reason = result.decision ? 'metadata' : null;
  return result;
}

/**
 * The final verdict: 'ai' with reason 'metadata' when the provenance decides, whatever the
 * pixels say; else the model's verdict with reason 'model'.
 * @returns {{verdict: string, reason: 'metadata'|'model'}}
 */
export function finalVerdict(modelVerdict, provenance) {
  if (provenance?.decision === 'ai') return { verdict: 'ai', reason: 'metadata' };
  return { verdict: modelVerdict, reason: 'model' };
}

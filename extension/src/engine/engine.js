// The scoring engine: cache, de-duplication, queue, and the choice between the local model
// and the server. Everything it touches is passed in, so it runs (and is unit-tested) in
// Node with fakes; engine/host.js wires it to the real fetch, decoder and TF.js model.
//
// A result is one of
//   {status: 'ok', probability, verdict, reason: 'model'|'metadata', modelVerdict, provenance,
//    model, source: 'local'|'server', ms, inferenceMs, backend}
//   `verdict` is the final one: 'ai' when the file's provenance metadata decides
//   (docs/provenance.md), whatever the pixels say; otherwise the model's verdict (`modelVerdict`).
//   {status: 'skipped', reason: 'svg'|'broken'|'too-large'|'not-an-image', message}
//   {status: 'error', reason: 'server-unreachable'|'server-error'|'fetch-failed'|'model-failed', message}
// Results are cached for the session by URL and by sha256 of the bytes; errors are not.

import { LruCache } from '../lib/lru.js';
import { WorkQueue, PRIORITY, CancelledError } from '../lib/queue.js';
import { verdict as verdictOf } from '../lib/verdict.js';
import { ServerUnreachable } from '../lib/server.js';
import { sniffImage } from '../lib/sniff.js';
import { emptyProvenance, finalVerdict } from '../provenance/index.js';

export const MAX_BYTES = 40 * 1024 * 1024;
const SERVER_FORMATS = ['jpeg', 'png', 'gif', 'bmp'];

/** A failure that says what to show on the badge. */
export class ScoreError extends Error {
  constructor(reason, message, status = 'error') {
    super(message);
    this.reason = reason;
    this.status = status;
  }
}

/**
 * @param {object} deps
 * @param {object} deps.card           the bundle's card.json
 * @param {(url: string) => Promise<{bytes: ArrayBuffer, contentType: string}>} deps.fetchImage
 * @param {(bytes: ArrayBuffer) => Promise<string>} deps.hashBytes
 * @param {(bytes: ArrayBuffer, contentType: string, size: number) => Promise<Float32Array>} deps.decode
 * @param {() => Promise<{predict: (pixels: Float32Array) => Promise<number>, backend: string}>} deps.loadModel
 * @param {(args: object) => Promise<{probability: number, verdict?: string, model?: string}>} deps.serverPredict
 * @param {(bytes: ArrayBuffer, contentType: string) => Promise<ArrayBuffer>} [deps.toPng]
 *   re-encodes formats the server cannot decode
 * @param {(bytes: ArrayBuffer) => Promise<object>} [deps.readProvenance]
 *   the provenance reader (provenance/index.js) over the original bytes; never throws
 * @param {number} [deps.concurrency]
 */
export function createEngine({
  card,
  fetchImage,
  hashBytes,
  decode,
  loadModel,
  serverPredict,
  toPng = null,
  readProvenance = null,
  concurrency = 2,
  now = () => performance.now(),
}) {
  const byUrl = new LruCache(2000);
  const byHash = new LruCache(2000);
  const modelName = [card.name, card.version].filter(Boolean).join(' ');
  const size = card.input_size;
  let modelPromise = null;
  let modelChain = Promise.resolve(); // the model runs one image at a time
  const stats = { scored: 0, cacheHits: 0, local: 0, server: 0, errors: 0 };

  function model() {
    modelPromise ??= loadModel().catch((error) => {
      modelPromise = null; // try again next time
      throw new ScoreError('model-failed', `model failed to load: ${error.message}`);
    });
    return modelPromise;
  }

  async function scoreLocal(bytes, contentType) {
    const { predict, backend } = await model();
    let pixels;
    try {
      pixels = await decode(bytes, contentType, size);
    } catch (error) {
      throw new ScoreError('broken', `cannot decode the image: ${error.message}`, 'skipped');
    }
    const t0 = now();
    const run = modelChain.then(() => predict(pixels));
    modelChain = run.catch(() => {});
    const probability = await run;
    stats.local++;
    return {
      probability,
      verdict: verdictOf(probability, card.unsure_band),
      model: modelName,
      source: 'local',
      backend,
      inferenceMs: now() - t0,
    };
  }

  async function scoreServer(bytes, contentType, settings, kind) {
    // The server decodes with TensorFlow: JPEG, PNG, GIF and BMP only. Other formats the
    // browser can decode (WebP, AVIF, ...) are sent as a lossless PNG of their pixels.
    if (!SERVER_FORMATS.includes(kind) && toPng) {
      try {
        bytes = await toPng(bytes, contentType);
        contentType = 'image/png';
      } catch (error) {
        throw new ScoreError('broken', `cannot decode the image: ${error.message}`, 'skipped');
      }
    }
    if (SERVER_FORMATS.includes(kind)) contentType = `image/${kind}`;
    try {
      const r = await serverPredict({
        serverUrl: settings.serverUrl,
        apiKey: settings.apiKey,
        bytes,
        contentType,
      });
      stats.server++;
      // A server that applies provenance itself may answer with the final verdict: the
      // model's own verdict is then its `model_verdict` (or the card's rule here).
      const modelVerdict = r.modelVerdict ?? (r.reason === 'metadata' ? null : r.verdict) ?? verdictOf(r.probability, card.unsure_band);
      return {
        probability: r.probability,
        verdict: modelVerdict,
        model: r.model || 'server',
        source: 'server',
        backend: 'server',
        inferenceMs: r.serverMs ?? null,
      };
    } catch (error) {
      if (error instanceof ServerUnreachable) throw new ScoreError('server-unreachable', error.message);
      throw new ScoreError('server-error', error.message);
    }
  }

  async function run({ url, fetchUrl, settings }) {
    const t0 = now();
    let image;
    try {
      image = await fetchImage(fetchUrl);
    } catch (error) {
      throw new ScoreError('fetch-failed', `cannot fetch the image: ${error.message}`);
    }
    const { bytes, contentType } = image;
    const kind = sniffImage(bytes, contentType);
    if (kind === 'svg') throw new ScoreError('svg', 'SVG images are not scored', 'skipped');
    if (kind === null) throw new ScoreError('not-an-image', 'not an image', 'skipped');
    if (bytes.byteLength > MAX_BYTES) {
      throw new ScoreError('too-large', `image over ${MAX_BYTES >> 20} MB`, 'skipped');
    }
    const hash = await hashBytes(bytes);
    const known = byHash.get(hash);
    if (known) {
      stats.cacheHits++;
      return { ...known, cached: true };
    }
    // Provenance is read locally in every mode, from the original bytes (the server may get a
    // re-encoded copy), while the image is scored.
    const provenancePromise = readProvenance
      ? readProvenance(bytes).catch((error) => emptyProvenance([`provenance: ${error.message}`]))
      : Promise.resolve(emptyProvenance());
    provenancePromise.catch(() => {});
    let result;
    if (settings.mode === 'server') {
      result = await scoreServer(bytes, contentType, settings, kind);
    } else if (settings.mode === 'fallback') {
      try {
        result = await scoreLocal(bytes, contentType);
      } catch (localError) {
        if (!settings.serverUrl) throw localError;
        result = await scoreServer(bytes, contentType, settings, kind);
        result.fallbackReason = localError.message;
      }
    } else {
      result = await scoreLocal(bytes, contentType);
    }
    const provenance = await provenancePromise;
    const final = finalVerdict(result.verdict, provenance);
    result = {
      status: 'ok',
      ...result,
      modelVerdict: result.verdict,
      verdict: final.verdict,
      reason: final.reason,
      provenance,
      ms: now() - t0,
      hash,
      url,
    };
    byHash.set(hash, result);
    stats.scored++;
    return result;
  }

  const queue = new WorkQueue({ concurrency, run });

  /**
   * Score one image.
   * @param {{url: string, dataUrl?: string, tabId?: number, priority?: number}} request
   *   `dataUrl` carries bytes the page holds (blob: URLs) when the extension cannot fetch `url`.
   * @param {object} settings normalised settings (mode, serverUrl, apiKey)
   */
  async function score({ url, dataUrl, tabId = null, priority = PRIORITY.NEAR }, settings) {
    const cached = byUrl.get(url);
    if (cached) {
      stats.cacheHits++;
      return { ...cached, cached: true };
    }
    try {
      const result = await queue.push(url, { url, fetchUrl: dataUrl || url, settings }, { priority, tabId });
      byUrl.set(url, result);
      return result;
    } catch (error) {
      if (error instanceof CancelledError) return { status: 'cancelled', reason: 'cancelled', message: error.message };
      const result = {
        status: error.status ?? 'error',
        reason: error.reason ?? 'error',
        message: error.message,
        url,
      };
      if (result.status === 'skipped') byUrl.set(url, result);
      else stats.errors++;
      return result;
    }
  }

  return {
    score,
    cancelTab: (tabId) => queue.cancelTab(tabId),
    clearCache() {
      byUrl.clear();
      byHash.clear();
    },
    warmUp: () => model(),
    stats: () => ({ ...stats, queued: queue.size, model: modelName }),
  };
}

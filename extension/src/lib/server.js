// Client for the self-hosted server (docs: server API v1). Used only when the user chose
// "server" or "local with server fallback" and gave a server URL.
//
// POST {server}/v1/predict with the raw image bytes; the API key goes in
// "Authorization: Bearer <key>". Every call has a timeout.

export const DEFAULT_TIMEOUT_MS = 15000;

/** The server could not be reached (network error, timeout, no URL). */
export class ServerUnreachable extends Error {
  constructor(message) {
    super(message);
    this.name = 'ServerUnreachable';
  }
}

/** The server answered with an error (problem details when it sent them). */
export class ServerError extends Error {
  constructor(status, message) {
    super(message);
    this.name = 'ServerError';
    this.status = status;
  }
}

/** "https://host:8000/" + "/v1/predict" -> "https://host:8000/v1/predict". */
export function endpoint(serverUrl, path) {
  const base = String(serverUrl || '').trim();
  if (!base) throw new ServerUnreachable('no server URL set (options page)');
  let url;
  try {
    url = new URL(base);
  } catch {
    throw new ServerUnreachable(`not a URL: ${base}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ServerUnreachable(`server URL must be http or https: ${base}`);
  }
  return new URL(path.replace(/^\//, ''), url.href.endsWith('/') ? url.href : `${url.href}/`).href;
}

function headers(apiKey, extra = {}) {
  const h = { Accept: 'application/json', ...extra };
  if (apiKey) h.Authorization = `Bearer ${apiKey}`;
  return h;
}

async function request(url, init, { timeoutMs = DEFAULT_TIMEOUT_MS, fetchImpl = fetch } = {}) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  let response;
  try {
    response = await fetchImpl(url, { ...init, signal: controller.signal, credentials: 'omit' });
  } catch (error) {
    const why = error?.name === 'AbortError' ? `no answer within ${timeoutMs / 1000} s` : error.message;
    throw new ServerUnreachable(`server unreachable: ${why}`);
  } finally {
    clearTimeout(timer);
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (!response.ok) {
    const detail = body?.detail || body?.title || response.statusText || 'error';
    throw new ServerError(response.status, `server said ${response.status}: ${detail}`);
  }
  return body;
}

/**
 * Score image bytes on the server.
 * @returns {Promise<{probability: number, verdict: string, modelVerdict: string|null,
 *   reason: string|null, provenance: object|null, model: string, serverMs: number|null}>}
 */
export async function serverPredict({ serverUrl, apiKey, bytes, contentType, timeoutMs, fetchImpl }) {
  const body = await request(
    endpoint(serverUrl, '/v1/predict'),
    {
      method: 'POST',
      headers: headers(apiKey, { 'Content-Type': contentType || 'application/octet-stream' }),
      body: bytes,
    },
    { timeoutMs, fetchImpl },
  );
  const result = Array.isArray(body?.results) ? body.results[0] : body;
  const probability = Number(result?.probability_ai);
  if (!Number.isFinite(probability)) throw new ServerError(200, 'server answer has no probability_ai');
  const model = body?.model ?? result?.model;
  return {
    probability,
    verdict: result?.verdict ?? null,
    modelVerdict: typeof result?.model_verdict === 'string' ? result.model_verdict : null,
    reason: typeof result?.reason === 'string' ? result.reason : null,
    provenance: result?.provenance ?? null,
    model: typeof model === 'string' ? model : [model?.name, model?.version].filter(Boolean).join(' '),
    serverMs: body?.timings?.total_ms ?? null,
  };
}

/**
 * "Report a mistake" sent to the server: POST {server}/v1/feedback, multipart with the image,
 * the user's label ('ai' | 'human'), what the model said (JSON) and the page's URL.
 */
export async function sendFeedback({ serverUrl, apiKey, report, timeoutMs, fetchImpl }) {
  const form = new FormData();
  const type = { jpg: 'image/jpeg', png: 'image/png', gif: 'image/gif', bmp: 'image/bmp' }[report.ext];
  form.append('image', new Blob([report.bytes], { type }), `${report.hash}.${report.ext}`);
  form.append('label', report.label);
  form.append('verdict', JSON.stringify({ probability_ai: report.probability, verdict: report.verdict, model: report.model }));
  if (report.pageUrl) form.append('page_url', report.pageUrl);
  return request(endpoint(serverUrl, '/v1/feedback'), { method: 'POST', headers: headers(apiKey), body: form }, { timeoutMs, fetchImpl });
}

/**
 * "Test connection" on the options page: health, then the model card (which needs the key
 * when the server wants one). Resolves to a short message; rejects with a clear error.
 */
export async function testConnection({ serverUrl, apiKey, timeoutMs = 5000, fetchImpl }) {
  await request(endpoint(serverUrl, '/healthz'), { headers: headers(apiKey) }, { timeoutMs, fetchImpl });
  const card = await request(endpoint(serverUrl, '/v1/model'), { headers: headers(apiKey) }, { timeoutMs, fetchImpl });
  const name = [card?.name, card?.version].filter(Boolean).join(' ');
  return `Connected: model ${name || '(unnamed)'}`;
}

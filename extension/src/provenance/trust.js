// Trust lists: which C2PA signers are recognised (docs/provenance.md, "Trust"). The twin of
// provenance/trust.py: the same files, the same settings for the C2PA SDK.
//
// The lists live in the extension's own localStorage (one origin: the options page writes
// them; Chrome's offscreen document and Firefox's background page, where validation runs,
// read them). Nothing is installed by default: then no signer is recognised.

export const C2PA_LIST = 'C2PA-TRUST-LIST.pem';
export const TSA_LIST = 'C2PA-TSA-TRUST-LIST.pem';
export const INTERIM_ANCHORS = 'anchors.pem';
export const INTERIM_ALLOWED = 'allowed.pem';
export const INTERIM_CONFIG = 'store.cfg';
const NAMED = [C2PA_LIST, TSA_LIST, INTERIM_ANCHORS, INTERIM_ALLOWED, INTERIM_CONFIG];

/** Where the lists are published (the same as `aiorhuman-trust update`). */
export const OFFICIAL_SOURCES = {
  [C2PA_LIST]: 'https://raw.githubusercontent.com/c2pa-org/conformance-public/main/trust-list/C2PA-TRUST-LIST.pem',
  [TSA_LIST]: 'https://raw.githubusercontent.com/c2pa-org/conformance-public/main/trust-list/C2PA-TSA-TRUST-LIST.pem',
  [INTERIM_ANCHORS]: 'https://contentcredentials.org/trust/anchors.pem',
  [INTERIM_ALLOWED]: 'https://contentcredentials.org/trust/allowed.pem',
  [INTERIM_CONFIG]: 'https://contentcredentials.org/trust/store.cfg',
};

/** The localStorage key of the stored lists (a `storage` event names it when they change). */
export const STORAGE_KEY = 'aiorhuman.trustLists';
const MAX_FILE_CHARS = 8 * 1024 * 1024;
const PEM = '-----BEGIN CERTIFICATE-----';

/**
 * @typedef {object} Trust
 * @property {string} anchors PEM: the C2PA list, the interim anchors and the user's own
 * @property {string} allowed PEM: end-entity certificates accepted as they are
 * @property {string} config accepted certificate uses (EKU OIDs), store.cfg's format
 * @property {string} tsa PEM: time-stamp authorities
 * @property {string[]} files the files loaded
 * @property {boolean} installed whether any signer can be recognised at all
 */

/** @type {Trust} */
export const NO_TRUST = Object.freeze({ anchors: '', allowed: '', config: '', tsa: '', files: [], installed: false });

/**
 * The Trust of a set of files ({name: text}): the published lists under their names, and any
 * other `*.pem` as the user's own anchors.
 * @param {Record<string, string>|null|undefined} files
 * @returns {Trust}
 */
export function trustFromFiles(files) {
  if (!files || typeof files !== 'object') return NO_TRUST;
  const own = Object.keys(files).filter((n) => n.endsWith('.pem') && !NAMED.includes(n)).sort();
  const anchorFiles = [C2PA_LIST, INTERIM_ANCHORS, ...own].filter((n) => typeof files[n] === 'string');
  const text = (n) => (typeof files[n] === 'string' ? files[n] : '');
  const anchors = anchorFiles.map(text).join('\n');
  const allowed = text(INTERIM_ALLOWED);
  const present = NAMED.filter((n) => typeof files[n] === 'string');
  return {
    anchors,
    allowed,
    config: text(INTERIM_CONFIG),
    tsa: text(TSA_LIST),
    files: [...new Set([...anchorFiles, ...present])].sort(),
    installed: Boolean(anchors.trim() || allowed.trim()),
  };
}

/** The C2PA SDK's `trust` settings for a Trust (null when nothing is installed). */
export function trustSettings(trust) {
  if (!trust?.installed) return null;
  const settings = { trust_anchors: trust.anchors, allowed_list: trust.allowed };
  if (trust.config.trim()) settings.trust_config = trust.config;
  if (trust.tsa.trim()) settings.anchors = [{ trust_anchors: trust.tsa, trust_kind: 'tsa', trust_uri: TSA_LIST }];
  return Object.fromEntries(Object.entries(settings).filter(([, v]) => v));
}

/** Whether `text` looks like the file `name` should be (PEM certificates, or an EKU list). */
export function plausibleList(name, text) {
  if (typeof text !== 'string' || !text.trim() || text.length > MAX_FILE_CHARS) return false;
  return name.endsWith('.pem') ? text.includes(PEM) : /^\s*\d+(\.\d+)+\s*$/m.test(text);
}

/**
 * Download the published lists. Throws (naming the file) when one cannot be fetched or does
 * not look like a list; nothing is kept then.
 * @param {object} [options]
 * @param {typeof fetch} [options.fetch]
 * @param {Record<string, string>} [options.sources] {file name: URL}
 * @returns {Promise<Record<string, string>>}
 */
export async function downloadTrustLists({ fetch: get = globalThis.fetch, sources = OFFICIAL_SOURCES } = {}) {
  const entries = await Promise.all(
    Object.entries(sources).map(async ([name, url]) => {
      const response = await get(url, { cache: 'no-store', credentials: 'omit' });
      if (!response.ok) throw new Error(`${name}: HTTP ${response.status}`);
      const text = await response.text();
      if (!plausibleList(name, text)) throw new Error(`${name}: not a trust list`);
      return [name, text];
    }),
  );
  return Object.fromEntries(entries);
}

function parseStored(raw) {
  try {
    const value = JSON.parse(raw ?? 'null');
    return value && typeof value.files === 'object' && value.files ? value.files : {};
  } catch {
    return {};
  }
}

/** The stored files ({name: text}), the user's own anchors included; {} when none. */
export function storedTrustFiles(storage = globalThis.localStorage) {
  return parseStored(storage?.getItem(STORAGE_KEY));
}

/** When the stored lists were last downloaded (ISO text), or null. */
export function trustUpdatedAt(storage = globalThis.localStorage) {
  try {
    return JSON.parse(storage?.getItem(STORAGE_KEY) ?? 'null')?.updated ?? null;
  } catch {
    return null;
  }
}

/** Store `files` (replacing what was stored) and the time of the download. */
export function saveTrustFiles(files, storage = globalThis.localStorage, updated = new Date().toISOString()) {
  storage.setItem(STORAGE_KEY, JSON.stringify({ files, updated }));
}

/**
 * Download the published lists and store them beside the user's own anchors (the options
 * page's "Update trust lists" button). Returns the Trust now in force.
 * @param {object} [options] as downloadTrustLists, plus `storage`
 */
export async function updateTrustLists({ storage = globalThis.localStorage, ...options } = {}) {
  const downloaded = await downloadTrustLists(options);
  const own = Object.fromEntries(Object.entries(storedTrustFiles(storage)).filter(([n]) => !NAMED.includes(n)));
  saveTrustFiles({ ...own, ...downloaded }, storage);
  return trustFromFiles({ ...own, ...downloaded });
}

/**
 * Add the user's own anchors (a newsroom's cameras): one PEM file under `name`.
 * @returns {Trust} the Trust now in force
 */
export function addOwnAnchors(name, pem, storage = globalThis.localStorage) {
  const file = name.endsWith('.pem') ? name : `${name}.pem`;
  if (NAMED.includes(file)) throw new Error(`${file} is the name of a published list`);
  if (!plausibleList(file, pem)) throw new Error(`${file}: no PEM certificate in it`);
  const files = { ...storedTrustFiles(storage), [file]: pem };
  saveTrustFiles(files, storage, trustUpdatedAt(storage) ?? new Date().toISOString());
  return trustFromFiles(files);
}

let lastRaw = null;
let lastTrust = NO_TRUST;

/** The Trust in force: the stored files (parsed again only when they change). */
export function storedTrust(storage = globalThis.localStorage) {
  const raw = storage?.getItem(STORAGE_KEY) ?? null;
  if (raw !== lastRaw) {
    const files = parseStored(raw);
    lastTrust = Object.keys(files).length ? trustFromFiles(files) : NO_TRUST;
    lastRaw = raw;
  }
  return lastTrust;
}

/** One sentence about the trust lists in force, for the options page. */
export function describeTrust(storage = globalThis.localStorage) {
  const trust = storedTrust(storage);
  if (!trust.installed) return 'No trust list installed: no C2PA signer is recognised, so C2PA claims never decide.';
  const updated = trustUpdatedAt(storage);
  return `Installed: ${trust.files.join(', ')}${updated ? ` (updated ${updated.slice(0, 10)})` : ''}.`;
}

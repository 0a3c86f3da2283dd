// User settings: defaults, validation and the per-site switch. Stored in storage.local
// (never storage.sync: the API key must not travel to a browser vendor's sync service).

export const DEFAULTS = Object.freeze({
  mode: 'local', // 'local' | 'server' | 'fallback' (local, then the server if local fails)
  serverUrl: '',
  apiKey: '',
  badges: true, // automatic badges on pages
  badgePosition: 'top-left', // 'top-left' | 'top-right' | 'bottom-left' | 'bottom-right'
  showHuman: true, // also badge images judged human
  minSize: 100, // CSS pixels: images under this size (by area, see isBigEnough) are skipped
  disabledSites: [], // host names where automatic badges are off (sub-domains included)
  sendReports: false, // also send "Report a mistake" to the server (a local copy is always kept)
});

export const MODES = ['local', 'server', 'fallback'];
export const POSITIONS = ['top-left', 'top-right', 'bottom-left', 'bottom-right'];

/** A complete, valid settings object from whatever was stored (unknown keys dropped). */
export function normalizeSettings(raw = {}) {
  const s = { ...DEFAULTS };
  if (MODES.includes(raw.mode)) s.mode = raw.mode;
  if (typeof raw.serverUrl === 'string') s.serverUrl = raw.serverUrl.trim();
  if (typeof raw.apiKey === 'string') s.apiKey = raw.apiKey.trim();
  if (typeof raw.badges === 'boolean') s.badges = raw.badges;
  if (POSITIONS.includes(raw.badgePosition)) s.badgePosition = raw.badgePosition;
  if (typeof raw.showHuman === 'boolean') s.showHuman = raw.showHuman;
  const min = Number(raw.minSize);
  if (Number.isFinite(min) && min >= 0 && min <= 2000) s.minSize = Math.round(min);
  if (typeof raw.sendReports === 'boolean') s.sendReports = raw.sendReports;
  if (Array.isArray(raw.disabledSites)) s.disabledSites = parseSiteList(raw.disabledSites.join('\n'));
  return s;
}

/** Host names from free text (one per line or comma separated; URLs are reduced to hosts). */
export function parseSiteList(text) {
  const hosts = [];
  for (let item of String(text).split(/[\s,]+/)) {
    item = item.trim().toLowerCase();
    if (!item) continue;
    try {
      item = new URL(item.includes('://') ? item : `http://${item}`).hostname;
    } catch {
      continue;
    }
    if (item && !hosts.includes(item)) hosts.push(item);
  }
  return hosts;
}

/** Are automatic badges on for this host name? */
export function badgesEnabledFor(settings, hostname) {
  if (!settings.badges) return false;
  return !isListed(settings.disabledSites, hostname);
}

/** Is the host (or a parent domain of it) in the list? */
export function isListed(list, hostname) {
  const host = String(hostname).toLowerCase();
  return list.some((site) => host === site || host.endsWith(`.${site}`));
}

/** The list with the host switched on (removed) or off (added). */
export function toggleSite(list, hostname, enabled) {
  const host = String(hostname).toLowerCase();
  const rest = list.filter((site) => site !== host && !host.endsWith(`.${site}`));
  return enabled ? rest : [...rest, host];
}

/** What is wrong with these settings, or null: the server modes need a valid http(s) URL. */
export function settingsProblem(settings) {
  const needsServer = settings.mode !== 'local' || settings.sendReports;
  if (!needsServer) return null;
  if (!settings.serverUrl) {
    return settings.mode === 'local'
      ? 'Sending reports needs a server URL.'
      : 'This mode needs a server URL (Server, below).';
  }
  try {
    const { protocol } = new URL(settings.serverUrl);
    if (protocol === 'http:' || protocol === 'https:') return null;
  } catch {
    // not a URL
  }
  return `The server URL must start with http:// or https:// (${settings.serverUrl}).`;
}

// The popup: this page's summary and the switch for this site.
import { normalizeSettings, isListed, toggleSite } from '../lib/settings.js';

const api = globalThis.browser ?? globalThis.chrome;
const $ = (id) => document.getElementById(id);

async function activeTabId() {
  if (TEST_BUILD) {
    // Browser tests open the popup as a page: ?tab=<id> names the tab it describes.
    const id = Number(new URLSearchParams(location.search).get('tab'));
    if (id) return id;
  }
  const [tab] = await api.tabs.query({ active: true, currentWindow: true });
  return tab?.id;
}

/** The last part of a URL's path, for a short list ("photo.jpg"). */
function fileName(url) {
  try {
    const { pathname, protocol } = new URL(url);
    if (protocol === 'data:' || protocol === 'blob:') return 'embedded image:';
    return `${decodeURIComponent(pathname.split('/').pop() || pathname)}:`;
  } catch {
    return 'image:';
  }
}

async function main() {
  const tabId = await activeTabId();
  let summary = null;
  try {
    summary = await api.tabs.sendMessage(tabId, { type: 'summary' }, { frameId: 0 });
  } catch {
    summary = null; // no content script: a browser page or the store
  }
  const settings = normalizeSettings(await api.storage.local.get(null));
  if (!summary) {
    $('unavailable').hidden = false;
    $('site-switch').disabled = true;
    return;
  }
  $('site').textContent = summary.site || 'This page';
  for (const key of ['checked', 'ai', 'unsure', 'human']) $(key).textContent = String(summary[key]);
  /** Fill a list of images ({url, why}) under `id` when there are any. */
  function list(id, count, images) {
    if (!count) return;
    $(id).hidden = false;
    $(`${id}-count`).textContent = String(count);
    $(`${id}-list`).replaceChildren(
      ...(images ?? []).map(({ url, why }) => {
        const li = document.createElement('li');
        const name = document.createElement('span');
        name.className = 'file';
        name.textContent = fileName(url);
        name.title = url;
        li.append(name, ` ${why}`);
        return li;
      }),
    );
  }
  // Images whose verdict comes from provenance metadata (C2PA, XMP, generator tags).
  list('metadata', summary.metadata, summary.metadataImages);
  // C2PA AI claims that did not decide: an unrecognised signer or an invalid manifest.
  list('claims', summary.claims, summary.claimImages);
  const notes = [];
  if (summary.pending) notes.push(`${summary.pending} in progress`);
  if (summary.skipped) notes.push(`${summary.skipped} skipped (small, SVG or broken)`);
  if (summary.errors) notes.push(`${summary.errors} not scored`);
  $('pending').textContent = notes.join(' · ');
  $('global-off').hidden = settings.badges;
  const toggle = $('site-switch');
  toggle.checked = !isListed(settings.disabledSites, summary.site);
  toggle.addEventListener('change', async () => {
    const current = normalizeSettings(await api.storage.local.get(null));
    await api.storage.local.set({ disabledSites: toggleSite(current.disabledSites, summary.site, toggle.checked) });
  });
}

$('open-options').addEventListener('click', (event) => {
  event.preventDefault();
  api.runtime.openOptionsPage();
  window.close();
});

main();

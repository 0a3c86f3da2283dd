// Options: every change is saved at once to storage.local; the background and the content
// scripts pick it up from storage.onChanged.
import { normalizeSettings, parseSiteList } from '../lib/settings.js';
import { testConnection } from '../lib/server.js';

const api = globalThis.browser ?? globalThis.chrome;
const form = document.getElementById('form');

function fill(settings) {
  for (const radio of form.elements.mode) radio.checked = radio.value === settings.mode;
  form.elements.serverUrl.value = settings.serverUrl;
  form.elements.apiKey.value = settings.apiKey;
  form.elements.badges.checked = settings.badges;
  form.elements.showHuman.checked = settings.showHuman;
  form.elements.badgePosition.value = settings.badgePosition;
  form.elements.minSize.value = String(settings.minSize);
  form.elements.disabledSites.value = settings.disabledSites.join('\n');
}

function read() {
  return normalizeSettings({
    mode: form.elements.mode.value,
    serverUrl: form.elements.serverUrl.value,
    apiKey: form.elements.apiKey.value,
    badges: form.elements.badges.checked,
    showHuman: form.elements.showHuman.checked,
    badgePosition: form.elements.badgePosition.value,
    minSize: form.elements.minSize.value,
    disabledSites: parseSiteList(form.elements.disabledSites.value),
  });
}

let savedTimer = 0;
async function save() {
  await api.storage.local.set(read());
  const saved = document.getElementById('saved');
  saved.textContent = 'Saved.';
  clearTimeout(savedTimer);
  savedTimer = setTimeout(() => (saved.textContent = ''), 1500);
}

form.addEventListener('change', save);
form.addEventListener('submit', (event) => event.preventDefault());

document.getElementById('test').addEventListener('click', async () => {
  const out = document.getElementById('test-result');
  out.className = '';
  out.textContent = 'Testing…';
  const { serverUrl, apiKey } = read();
  try {
    out.textContent = await testConnection({ serverUrl, apiKey });
    out.className = 'ok';
  } catch (error) {
    out.textContent = error.message;
    out.className = 'fail';
  }
});

api.storage.local.get(null).then((stored) => fill(normalizeSettings(stored)));

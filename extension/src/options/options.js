// Options: every change is saved at once to storage.local; the background and the content
// scripts pick it up from storage.onChanged.
import { normalizeSettings, parseSiteList, settingsProblem } from '../lib/settings.js';
import { testConnection } from '../lib/server.js';
import { addOwnAnchors, describeTrust, updateTrustLists } from '../provenance/trust.js';
import { showReports } from './reports.js';

const api = globalThis.browser ?? globalThis.chrome;
const form = document.getElementById('form');

function fill(settings) {
  for (const radio of form.elements.mode) radio.checked = radio.value === settings.mode;
  form.elements.serverUrl.value = settings.serverUrl;
  form.elements.apiKey.value = settings.apiKey;
  form.elements.sendReports.checked = settings.sendReports;
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
    sendReports: form.elements.sendReports.checked,
    badges: form.elements.badges.checked,
    showHuman: form.elements.showHuman.checked,
    badgePosition: form.elements.badgePosition.value,
    minSize: form.elements.minSize.value,
    disabledSites: parseSiteList(form.elements.disabledSites.value),
  });
}

let savedTimer = 0;
async function save() {
  const settings = read();
  const saved = document.getElementById('saved');
  clearTimeout(savedTimer);
  // Settings that cannot work are not saved: the last good ones stay in force.
  const problem = settingsProblem(settings);
  saved.className = problem ? 'fail' : 'ok';
  if (problem) {
    saved.textContent = `Not saved: ${problem}`;
    return;
  }
  await api.storage.local.set(settings);
  saved.textContent = 'Saved.';
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
showReports(document.getElementById('reports'));

// C2PA trust lists: kept in this extension's localStorage, where the provenance reader finds
// them (src/provenance/trust.js).
const trustStatus = document.getElementById('trust-status');
const showTrust = (prefix = '') => (trustStatus.textContent = `${prefix}${describeTrust()}`);
document.getElementById('trust-update').addEventListener('click', async () => {
  trustStatus.textContent = 'Downloading…';
  try {
    await updateTrustLists();
    showTrust();
  } catch (error) {
    showTrust(`Not updated (${error.message}). `);
  }
});
document.getElementById('trust-own').addEventListener('change', async (event) => {
  const [file] = event.target.files;
  if (!file) return;
  try {
    addOwnAnchors(file.name.replace(/\.(crt|cer)$/i, '.pem'), await file.text());
    showTrust();
  } catch (error) {
    showTrust(`Not added (${error.message}). `);
  }
  event.target.value = '';
});
showTrust();

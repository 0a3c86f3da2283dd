// "Report a mistake": the image's bytes, the user's label and what the model said, kept in the
// local list (lib/reports.js); sent to the user's server too when the options say so. The
// local copy stays whether or not sending works.

import { fetchImage, hashBytes, transcodeToPng } from '../engine/browser.js';
import { sniffImage } from '../lib/sniff.js';
import { addReport, updateReport } from '../lib/reports.js';
import { sendFeedback } from '../lib/server.js';

const KEPT_FORMATS = { jpeg: 'jpg', png: 'png', gif: 'gif', bmp: 'bmp' };

/**
 * @param {{url: string, dataUrl?: string, label: 'ai'|'human', result: object, pageUrl: string}} request
 * @param {object} settings normalised settings
 * @returns {Promise<{ok: true, message: string}>}
 */
export async function reportMistake({ url, dataUrl, label, result, pageUrl }, settings) {
  if (label !== 'ai' && label !== 'human') throw new Error(`unknown label ${label}`);
  const { bytes, contentType } = await fetchImage(dataUrl || url);
  const kind = sniffImage(bytes, contentType);
  if (kind === null || kind === 'svg') throw new Error('not an image the model reads');
  // The model reads JPEG, PNG, GIF and BMP as they are; other formats are kept as a PNG.
  const ext = KEPT_FORMATS[kind] ?? 'png';
  const kept = KEPT_FORMATS[kind] ? bytes : await transcodeToPng(bytes, contentType);
  const report = {
    hash: await hashBytes(bytes),
    ext,
    bytes: new Uint8Array(kept),
    label,
    probability: result.probability,
    verdict: result.verdict,
    model: result.model,
    url,
    pageUrl,
    reported: new Date().toISOString(),
    sent: null,
  };
  const id = await addReport(report);
  if (!settings.sendReports || !settings.serverUrl) {
    return { ok: true, message: 'Saved in this browser (export it from the options page).' };
  }
  try {
    await sendFeedback({ serverUrl: settings.serverUrl, apiKey: settings.apiKey, report });
    await updateReport(id, { sent: 'ok' });
    return { ok: true, message: 'Saved in this browser and sent to your server.' };
  } catch (error) {
    await updateReport(id, { sent: error.message });
    return { ok: true, message: `Saved in this browser; not sent (${error.message}).` };
  }
}

// Reported mistakes as a training set, in the layout aiorhuman-train reads (the Kaggle layout):
//   train_data/<sha256>.<ext>   the image (JPEG, PNG, GIF, BMP; other formats as PNG)
//   train.csv                   ,file_name,label   (1 = AI, 0 = human: the user's label)
//   metadata.csv                file_name,label,probability_ai,verdict,model,page_url,reported
// the same layout as the server's feedback folder.

import { zipFiles } from './zip.js';

export const LABELS = Object.freeze({ ai: 1, human: 0 });
const METADATA = ['file_name', 'label', 'probability_ai', 'verdict', 'model', 'page_url', 'reported'];

function csvField(value) {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const csv = (rows) => rows.map((row) => row.map(csvField).join(',')).join('\n') + '\n';

/**
 * @param {{hash: string, ext: string, bytes: Uint8Array, label: 'ai'|'human', probability: number,
 *   verdict: string, model: string, pageUrl: string, reported: string}[]} reports
 *   (one image once: the latest report of the same bytes wins)
 * @returns {Uint8Array} the zip
 */
export function datasetZip(reports) {
  const latest = new Map();
  for (const r of reports) latest.set(r.hash, r);
  const files = [];
  const train = [['', 'file_name', 'label']];
  const metadata = [METADATA];
  for (const r of latest.values()) {
    const name = `train_data/${r.hash}.${r.ext}`;
    files.push({ name, data: r.bytes });
    train.push([train.length - 1, name, LABELS[r.label]]);
    metadata.push([name, LABELS[r.label], r.probability, r.verdict, r.model, r.pageUrl, r.reported]);
  }
  const text = (s) => new TextEncoder().encode(s);
  files.push({ name: 'train.csv', data: text(csv(train)) }, { name: 'metadata.csv', data: text(csv(metadata)) });
  return zipFiles(files);
}

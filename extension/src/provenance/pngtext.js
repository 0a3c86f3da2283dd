// Generator text chunks in PNG files: Stable Diffusion web UI, ComfyUI, InvokeAI, NovelAI
// (as provenance/png_text.py).

import { clip } from './text.js';

const SD_WEBUI = 'Stable Diffusion web UI';
const COMFYUI = 'ComfyUI';
const INVOKEAI = 'InvokeAI';
const NOVELAI = 'NovelAI';

function jsonObject(text) {
  try {
    const value = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}

/** The tool that wrote a text chunk, when the chunk is one of the known ones. */
export function generator(keyword, text) {
  if (!text.trim()) return null;
  if (keyword === 'parameters') return SD_WEBUI;
  if (keyword === 'prompt' || keyword === 'workflow') return jsonObject(text) ? COMFYUI : null;
  if (keyword === 'sd-metadata' || keyword === 'invokeai_metadata') return jsonObject(text) ? INVOKEAI : null;
  if (keyword === 'Dream') return INVOKEAI;
  if (keyword === 'Software' && text.trim().toLowerCase().startsWith('novelai')) return NOVELAI;
  if (keyword === 'Comment') {
    const value = jsonObject(text);
    if (value && ('uc' in value || 'v4_prompt' in value)) return NOVELAI;
  }
  return null;
}

/** One decisive `png-text` signal per recognised chunk, in file order. */
export function pngTextSignals(chunks) {
  const signals = [];
  for (const [keyword, text] of chunks) {
    const tool = generator(keyword, text);
    if (tool === null) continue;
    signals.push({
      kind: 'png-text',
      source: `PNG text '${keyword}'`,
      indicates: 'ai',
      decisive: true,
      detail: clip(`${tool}: ${text}`),
      generator: tool,
    });
  }
  return signals;
}

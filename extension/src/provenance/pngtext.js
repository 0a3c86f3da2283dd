// Generator text chunks in PNG files: Stable Diffusion web UI, Fooocus, ComfyUI, InvokeAI,
// NovelAI (as provenance/png_text.py).

import { clip } from './text.js';

const SD_WEBUI = 'Stable Diffusion web UI';
const COMFYUI = 'ComfyUI';
const INVOKEAI = 'InvokeAI';
const NOVELAI = 'NovelAI';
const FOOOCUS = 'Fooocus';

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
  // Fooocus writes its own JSON here, or web UI text with "Version: Fooocus v…".
  if (keyword === 'parameters') return jsonObject(text) || text.includes('Version: Fooocus') ? FOOOCUS : SD_WEBUI;
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

/** A decisive `png-text` signal: `tool` wrote `text` where `source` says. */
export function pngTextSignal(source, tool, text) {
  return { kind: 'png-text', source, indicates: 'ai', decisive: true, detail: clip(`${tool}: ${text}`), generator: tool };
}

/** One decisive `png-text` signal per recognised chunk, in file order. */
export function pngTextSignals(chunks) {
  const signals = [];
  for (const [keyword, text] of chunks) {
    const tool = generator(keyword, text);
    if (tool !== null) signals.push(pngTextSignal(`PNG text '${keyword}'`, tool, text));
  }
  return signals;
}

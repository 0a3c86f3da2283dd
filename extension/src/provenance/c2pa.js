// The `c2pa` signal of a validated manifest store: the JSON that the C2PA SDK's Reader gives
// (c2pa-rs, through @contentauth/c2pa-wasm here and c2pa-python on the server). A port of
// provenance/c2pa_reader.py's c2pa_signal.

import { clip, indexOf, isAiType, isCameraType, shortType } from './text.js';

// Trust is reported, never required (docs/provenance.md): these failures do not make a
// manifest invalid.
const TRUST_CODES = ['signingCredential.untrusted', 'timeStamp.untrusted'];
// Bytes that every embedded manifest store (JUMBF) or remote-manifest reference contains.
const MARKERS = ['jumb', 'c2pa', 'dcterms:provenance'];

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Whether the bytes may hold a C2PA manifest (cheap test before the SDK runs). */
export function hasMarker(data) {
  return MARKERS.some((marker) => indexOf(data, marker) !== -1);
}

function actionsSourceTypes(manifest) {
  const types = [];
  for (const assertion of Array.isArray(manifest.assertions) ? manifest.assertions : []) {
    if (!isObject(assertion) || !String(assertion.label ?? '').startsWith('c2pa.actions')) continue;
    const actions = isObject(assertion.data) ? assertion.data.actions : null;
    for (const action of Array.isArray(actions) ? actions : []) {
      const value = isObject(action) ? action.digitalSourceType : null;
      if (typeof value === 'string' && value) types.push(value);
    }
  }
  return types;
}

/** Failure codes of a `validation_results` object (active manifest and deltas). */
function failures(results) {
  const codes = [];
  if (!isObject(results)) return codes;
  const list = (v) => (Array.isArray(v) ? v.filter(isObject).map((f) => f.code ?? '') : []);
  if (isObject(results.activeManifest)) codes.push(...list(results.activeManifest.failure));
  for (const delta of Array.isArray(results.ingredientDeltas) ? results.ingredientDeltas : []) {
    const deltas = isObject(delta) ? delta.validationDeltas : null;
    if (isObject(deltas)) codes.push(...list(deltas.failure));
  }
  return codes;
}

function claimGenerator(manifest) {
  const infos = manifest.claim_generator_info;
  if (Array.isArray(infos) && infos.length && isObject(infos[0])) {
    const name = infos[0].name;
    if (typeof name === 'string' && name.trim()) return name.trim();
  }
  const legacy = manifest.claim_generator;
  return typeof legacy === 'string' && legacy.trim() ? legacy.trim() : null;
}

/**
 * The contract's `c2pa` signal for a manifest store, or null without an active manifest.
 * @param {object} store the Reader's manifest store (active_manifest, manifests, validation_*)
 */
export function c2paSignal(store) {
  const manifests = isObject(store.manifests) ? store.manifests : {};
  const active = manifests[store.active_manifest];
  if (!isObject(active)) return null;
  const found = failures(store.validation_results);
  // Walk the active manifest, then its ingredients' manifests, depth first, in order.
  const typesActive = actionsSourceTypes(active);
  const typesIngredients = [];
  const seen = new Set([store.active_manifest]);
  const stack = [active];
  while (stack.length) {
    const manifest = stack.shift();
    const children = [];
    for (const ingredient of Array.isArray(manifest.ingredients) ? manifest.ingredients : []) {
      if (!isObject(ingredient)) continue;
      found.push(...failures(ingredient.validation_results));
      const label = ingredient.active_manifest;
      const child = typeof label === 'string' ? manifests[label] : undefined;
      if (isObject(child) && !seen.has(label)) {
        seen.add(label);
        typesIngredients.push(...actionsSourceTypes(child));
        children.push(child);
      }
    }
    stack.unshift(...children);
  }
  const state = store.validation_state;
  let errors = [...new Set(found.filter((c) => c && !TRUST_CODES.includes(c)))];
  const valid = (state === 'Valid' || state === 'Trusted') && errors.length === 0;
  if (state !== 'Valid' && state !== 'Trusted' && errors.length === 0) errors = [`validation state ${state}`];
  const allTypes = [...new Set([...typesActive, ...typesIngredients])];
  const aiTypes = allTypes.filter(isAiType);
  const inIngredient = aiTypes.length > 0 && !typesActive.some(isAiType);
  const generator = claimGenerator(active);
  const shown = aiTypes[0] ?? allTypes[0] ?? null;
  const parts = [];
  if (shown) parts.push(`digitalSourceType ${shortType(shown)}`);
  if (generator) parts.push(`claim generator '${generator}'`);
  let detail = parts.join(', ') || 'C2PA manifest';
  if (!valid) detail += '; manifest invalid';
  const camera = allTypes.some(isCameraType);
  return {
    kind: 'c2pa',
    source: inIngredient ? 'C2PA manifest (ingredient)' : 'C2PA manifest',
    indicates: aiTypes.length ? 'ai' : camera ? 'camera' : 'unknown',
    decisive: valid && aiTypes.length > 0,
    detail: clip(detail),
    c2pa: {
      valid,
      trusted: state === 'Trusted',
      validation_errors: errors,
      claim_generator: generator,
      digital_source_types: allTypes,
      in_ingredient: inIngredient,
    },
  };
}

// The `c2pa` signal of a validated manifest store: the JSON that the C2PA SDK's Reader gives
// (c2pa-rs, through @contentauth/c2pa-wasm here and c2pa-python on the server). A port of
// provenance/c2pa_reader.py's c2pa_signal.

import { clip, indexOf, isAiType, isCameraType, shortType } from './text.js';

// Failures that say only that a signer is not recognised: they set `trust`, never `valid`.
const TRUST_CODES = ['signingCredential.untrusted', 'timeStamp.untrusted', 'cawg.x509.credential.untrusted'];
const UNTRUSTED_SIGNER = 'signingCredential.untrusted';
// CAWG identity assertions are checked by the SDK too; their failures are listed, and
// invalidate only what the SDK itself calls invalid.
const CAWG_PREFIX = 'cawg.';
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

/** Who the signing certificate names: its organisation, else its common name. */
function signerName(manifest) {
  const info = isObject(manifest.signature_info) ? manifest.signature_info : {};
  for (const key of ['issuer', 'common_name']) {
    const value = info[key];
    if (typeof value === 'string' && value.trim()) return value.trim();
  }
  return null;
}

/**
 * What `detail` says after the claim: '; manifest invalid', '; claims AI-generated; signer
 * 'X' not recognised (no trust list installed)', '; signer 'X' recognised'.
 * @param {'trusted'|'untrusted'|'invalid'} trust
 */
export function trustWords(trust, ai, signer, installed) {
  if (trust === 'invalid') return '; manifest invalid';
  const who = signer ? `signer '${signer}'` : 'signer';
  if (trust === 'trusted') return `; ${who} recognised`;
  const claim = ai ? '; claims AI-generated' : '';
  return `${claim}; ${who} not recognised${installed ? '' : ' (no trust list installed)'}`;
}

/**
 * The contract's `c2pa` signal for a manifest store. A store whose active manifest cannot be
 * read still gives a signal: invalid, with the SDK's failure codes.
 * @param {object} store the Reader's manifest store (active_manifest, manifests, validation_*)
 * @param {boolean} [trustInstalled] whether any trust list was loaded
 */
export function c2paSignal(store, trustInstalled = false) {
  const manifests = isObject(store.manifests) ? store.manifests : {};
  const active = isObject(manifests[store.active_manifest]) ? manifests[store.active_manifest] : {};
  // The SDK's validation now (active manifest, ingredient deltas); the ingredients' recorded
  // results (what the signer's tool saw) are added below.
  const current = failures(store.validation_results);
  const found = [...current];
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
  if (Object.keys(active).length === 0) errors.push('active manifest unreadable');
  const valid = (state === 'Valid' || state === 'Trusted') && !errors.some((c) => !c.startsWith(CAWG_PREFIX));
  if (!valid && errors.length === 0) errors = [`validation state ${state}`];
  const trust = !valid ? 'invalid' : state === 'Trusted' && !current.includes(UNTRUSTED_SIGNER) ? 'trusted' : 'untrusted';
  const allTypes = [...new Set([...typesActive, ...typesIngredients])];
  const aiTypes = allTypes.filter(isAiType);
  const inIngredient = aiTypes.length > 0 && !typesActive.some(isAiType);
  const generator = claimGenerator(active);
  const signer = signerName(active);
  const shown = aiTypes[0] ?? allTypes[0] ?? null;
  const parts = [];
  if (shown) parts.push(`digitalSourceType ${shortType(shown)}`);
  if (generator) parts.push(`claim generator '${generator}'`);
  const detail = (parts.join(', ') || 'C2PA manifest') + trustWords(trust, aiTypes.length > 0, signer, trustInstalled);
  const camera = allTypes.some(isCameraType);
  return {
    kind: 'c2pa',
    source: inIngredient ? 'C2PA manifest (ingredient)' : 'C2PA manifest',
    indicates: aiTypes.length ? 'ai' : camera ? 'camera' : 'unknown',
    decisive: trust === 'trusted' && aiTypes.length > 0,
    detail: clip(detail),
    c2pa: {
      valid,
      trust,
      trusted: trust === 'trusted',
      signer,
      validation_errors: errors,
      claim_generator: generator,
      digital_source_types: allTypes,
      in_ingredient: inIngredient,
    },
  };
}

// Provenance (docs/provenance.md) in words, for the badge details, the popup and notices.

const MAX = 160;

function cut(text, max = MAX) {
  const s = String(text ?? '');
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** The signal that decided, or null. */
export function decisiveSignal(provenance) {
  return provenance?.signals?.find((s) => s.decisive) ?? null;
}

/**
 * A signal's detail with a C2PA signer's standing first ("signer 'X' recognised",
 * "claims AI-generated; signer 'X' not recognised …", "manifest invalid"), so that a short
 * line still says it; `note` goes after the standing.
 */
function standingFirst(signal, note = '') {
  const split = signal.kind === 'c2pa' ? signal.detail.indexOf('; ') : -1;
  if (split === -1) return `${signal.detail}${note}`;
  return `${signal.detail.slice(split + 2)}${note}: ${signal.detail.slice(0, split)}`;
}

/**
 * One short line saying why the metadata decided: "C2PA manifest: signer 'X' recognised:
 * digitalSourceType …", "PNG text 'prompt': ComfyUI: …".
 */
export function metadataSummary(provenance, max = 120) {
  const signal = decisiveSignal(provenance);
  if (!signal) return '';
  return cut(`${signal.source}: ${standingFirst(signal)}`, max);
}

/**
 * A C2PA AI claim that did not decide (an unrecognised signer or an invalid manifest), in
 * the words of the details ("claims AI-generated; signer 'X' not recognised (no trust list
 * installed) (not proof: the model decides): digitalSourceType …"), or '' when there is none.
 * The popup lists these beside the images the metadata decided.
 */
export function claimSummary(provenance, max = 120) {
  if (decisiveSignal(provenance)) return '';
  const claim = provenance?.signals?.find((s) => s.kind === 'c2pa' && s.indicates === 'ai' && s.c2pa && s.c2pa.trust !== 'trusted');
  return claim ? cut(signalText(claim), max) : '';
}

/**
 * How one signal reads in the details: what it says and how much it counts. A C2PA signal
 * leads with what its detail ends with, the signer's standing ("signer 'X' recognised",
 * "claims AI-generated; signer 'X' not recognised (no trust list installed)", "manifest
 * invalid"), then the claim.
 */
export function signalText(signal) {
  let note = '';
  if (signal.kind === 'c2pa' && signal.c2pa && signal.c2pa.trust !== 'trusted') {
    note = ' (not proof: the model decides)';
  } else if (signal.decisive) {
    note = ' (decides)';
  } else if (signal.indicates === 'camera') {
    note = ' (camera data: shown, never proof)';
  }
  return cut(standingFirst(signal, note));
}

/**
 * Rows [label, text] for the badge details: the reason for the verdict, then each signal.
 * @param {{reason?: string, provenance?: object}} result an engine result with status 'ok'
 */
export function provenanceRows(result) {
  const rows = [];
  const provenance = result?.provenance;
  const signal = decisiveSignal(provenance);
  if (result?.reason === 'metadata' && signal) rows.push(['Reason', `metadata (${signal.source})`]);
  else rows.push(['Reason', 'the model (pixels)']);
  for (const signal of provenance?.signals ?? []) rows.push([signal.source, signalText(signal)]);
  if (provenance?.errors?.length) rows.push(['Metadata not read', cut(provenance.errors.join('; '))]);
  return rows;
}

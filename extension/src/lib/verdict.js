// The card's verdict rule (docs/bundle.md), the same in every client.

/** "ai", "human" or "unsure" for a probability that the image is AI-generated. */
export function verdict(probability, unsureBand) {
  const [low, high] = unsureBand;
  if (probability >= high) return 'ai';
  if (probability < low) return 'human';
  return 'unsure';
}

const LABELS = { ai: 'AI', human: 'Human', unsure: 'Unsure' };

/** Short label for a badge. */
export function verdictLabel(v) {
  return LABELS[v] ?? '?';
}

/**
 * 0.8734 -> "87%". The model is never certain: anything under 1% reads "<1%" and anything
 * over 99% reads ">99%", never 0% or 100%.
 */
export function formatProbability(p) {
  const pct = p * 100;
  if (pct < 1) return '<1%';
  if (pct > 99) return '>99%';
  return `${Math.round(pct)}%`;
}

/** What each verdict means, for the details panel. */
export const MEANINGS = Object.freeze({
  ai: 'the model finds this image likely AI-generated',
  human: 'the model finds this image likely made by a person (camera, hand, traditional tools)',
  unsure: 'the model cannot tell: its probability falls in the band where it is often wrong either way',
});

/** The model's limits, in one line. */
export const LIMITS =
  'A statistical guess from the pixels, not proof: it can be wrong, above all on heavily edited, compressed or resized images and on generators it never saw.';

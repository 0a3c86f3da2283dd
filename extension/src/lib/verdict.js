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

/** 0.8734 -> "87%"; values under 1% and over 99% keep one decimal so they never read 0 or 100. */
export function formatProbability(p) {
  const pct = p * 100;
  if (pct > 0 && pct < 1) return `${pct.toFixed(1)}%`;
  if (pct > 99 && pct < 100) return `${pct.toFixed(1)}%`;
  return `${Math.round(pct)}%`;
}

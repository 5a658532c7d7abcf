/**
 * "Did you mean …?" for misspelled names: the nearest candidate by Damerau–Levenshtein distance
 * (a swap of two neighbours counts as one edit), if it is near enough to be a plausible typo.
 */

export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  const d: number[][] = Array.from({ length: m + 1 }, (_, i) => Array.from({ length: n + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= m; i++) {
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[m]![n]!;
}

/**
 * The closest candidate within a third of the word's length (at least 1, at most 3 edits), or one
 * the word is a prefix of or differs from only by `_`/`-`/case; `aliases` maps common wrong names
 * (`dollars` → `usd`) that no spelling distance would find.
 */
export function didYouMean(word: string, candidates: readonly string[], aliases: Record<string, string> = {}): string | undefined {
  if (word.length > 100) return undefined;
  const lower = word.toLowerCase();
  const alias = aliases[lower];
  if (alias && candidates.includes(alias)) return alias;
  const squash = (s: string) => s.toLowerCase().replace(/[-_\s]/g, "");
  for (const c of candidates) if (squash(c) === squash(word)) return c;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const dist = editDistance(lower, c.toLowerCase());
    if (dist < bestDistance) {
      best = c;
      bestDistance = dist;
    }
  }
  const limit = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
  if (best !== undefined && bestDistance <= limit) return best;
  if (lower.length >= 3) {
    const prefixed = candidates.filter((c) => c.toLowerCase().startsWith(lower));
    if (prefixed.length === 1) return prefixed[0];
  }
  return undefined;
}

/** " (did you mean `priority`?)" or "" — to append to a message. */
export function suggestion(word: string, candidates: readonly string[], aliases?: Record<string, string>): string {
  const s = didYouMean(word, candidates, aliases);
  return s ? `; did you mean \`${s}\`?` : "";
}

/**
 * The scheduler's scorer names, in the order a decision lists its score terms. Declared here (no
 * I/O, importable by the UI and the API schemas) so the Admin page's weight fields, the settings
 * schema and server/scheduler's scorer table share one list.
 */
export const SCORER_NAMES = [
  "capability-fit",
  "affinity",
  "warm-checkout",
  "load",
  "cost-fit",
  "health",
  "starvation",
  "fairness",
] as const;
export type ScorerName = (typeof SCORER_NAMES)[number];

/** The largest weight a scorer may be given (weights are multipliers of 0..1 terms). */
export const MAX_SCORER_WEIGHT = 100;

/** Formatting for people: short, stable strings (no locale surprises between server and browser). */

/** `1h 5m`, `45s`, `2d 3h`: the two largest non-zero units. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return "—";
  const negative = ms < 0;
  let s = Math.floor(Math.abs(ms) / 1000);
  if (s === 0) return negative ? "-0s" : "0s";
  const units: [string, number][] = [
    ["d", 86_400],
    ["h", 3_600],
    ["m", 60],
    ["s", 1],
  ];
  const parts: string[] = [];
  for (const [unit, size] of units) {
    const n = Math.floor(s / size);
    s -= n * size;
    if (n > 0 || parts.length > 0) parts.push(`${n}${unit}`);
    if (parts.length === 2) break;
  }
  const text = parts.filter((p) => !p.startsWith("0")).join(" ");
  return negative ? `-${text}` : text;
}

/** How long ago `then` was, relative to `now`: `5m ago`, `just now`. */
export function formatAge(then: number, now: number): string {
  const ms = now - then;
  if (ms < 1000) return "just now";
  return `${formatDuration(ms)} ago`;
}

/** Dollars: `$0.00`, `$12.35`; sub-cent amounts keep enough digits to be non-zero. */
export function formatUsd(usd: number | undefined): string {
  if (usd === undefined || !Number.isFinite(usd)) return "—";
  if (usd > 0 && usd < 0.01) return `$${usd.toFixed(4)}`;
  return `$${usd.toFixed(2)}`;
}

/** Token counts the way the job file writes them: `950`, `12.5k`, `2M`. */
export function formatTokens(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return "—";
  if (n < 1000) return String(Math.round(n));
  if (n < 1_000_000) return `${trim(n / 1000)}k`;
  return `${trim(n / 1_000_000)}M`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${trim(n / 1024)} KiB`;
  return `${trim(n / (1024 * 1024))} MiB`;
}

function trim(x: number): string {
  return x.toFixed(1).replace(/\.0$/, "");
}

/** The fraction of a budget used, clamped to [0, 1]; undefined when there is no budget. */
export function budgetFraction(spent: number, budget: number | undefined): number | undefined {
  if (budget === undefined || budget <= 0) return undefined;
  return Math.min(1, Math.max(0, spent / budget));
}

/** ISO day (UTC) of an epoch-ms instant: the bucket of the per-day charts. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

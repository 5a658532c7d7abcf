/**
 * Counts with a suffix: token budgets (`2M`, `500k`, `1.5M`, `2_000_000`) and byte sizes for messages.
 * Suffixes are decimal (k = 1,000, M = 1,000,000, G or B = 1,000,000,000), case-insensitive.
 */

const MULTIPLIER: Record<string, number> = { "": 1, k: 1e3, m: 1e6, g: 1e9, b: 1e9 };
export const MAX_TOKENS = 1e12;
export const TOKENS_HINT = "expected a token count like 500k, 2M or 1500000";

export type CountResult = { ok: true; value: number } | { ok: false; message: string };

export function parseTokenCount(input: unknown): CountResult {
  let n: number;
  if (typeof input === "number") {
    n = input;
  } else if (typeof input === "string") {
    const s = input.trim().replace(/[_,](?=\d{3}(\D|$))/g, "");
    if (s.startsWith("-")) return { ok: false, message: `${TOKENS_HINT}; it cannot be negative` };
    const m = /^(\d+(?:\.\d+)?)\s*([kmgb]?)$/i.exec(s);
    if (!m) return { ok: false, message: `${TOKENS_HINT}, got "${input}"` };
    n = Number(m[1]) * MULTIPLIER[m[2]!.toLowerCase()]!;
    n = Math.round(n * 1e6) / 1e6; // 1.1k → 1100, not 1100.0000000000002
  } else {
    return { ok: false, message: TOKENS_HINT };
  }
  if (!Number.isFinite(n)) return { ok: false, message: TOKENS_HINT };
  if (n < 0) return { ok: false, message: `${TOKENS_HINT}; it cannot be negative` };
  if (!Number.isInteger(n)) return { ok: false, message: `${TOKENS_HINT}; it must be a whole number of tokens` };
  if (n > MAX_TOKENS) return { ok: false, message: `${TOKENS_HINT}; at most 1000G` };
  return { ok: true, value: n };
}

/** 1536 → "1.5 KiB", 1048576 → "1 MiB" (binary units, for size limits in messages). */
export function formatBytes(bytes: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB"];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const shown = i === 0 ? String(v) : String(Math.round(v * 10) / 10);
  return `${shown} ${units[i]}`;
}

/** 2000000 → "2M", 1500 → "1.5k" (the short form people write). */
export function formatCount(n: number): string {
  for (const [suffix, size] of [["G", 1e9], ["M", 1e6], ["k", 1e3]] as const) {
    if (n >= size && (n * 1000) % size === 0) return `${n / size}${suffix}`;
  }
  return String(n);
}

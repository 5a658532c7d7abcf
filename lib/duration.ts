/**
 * Durations in job files: `90s`, `45m`, `4h`, `1h30m`, `2d`, `1500ms`, and combinations in
 * descending order (`1d2h30m`). Normalized to integer milliseconds.
 *
 * A bare number is read as milliseconds (the normalized form, so a normalized manifest parses back to
 * itself), but it must be at least 1000: `timeout: 90` almost always means 90 seconds, so it is refused
 * with the suggestion `90s` instead of silently becoming 90 ms. Every duration is between 1 s and 365 d.
 */

export const MIN_DURATION_MS = 1_000;
export const MAX_DURATION_MS = 365 * 24 * 3_600_000;

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;
const ORDER: Unit[] = ["d", "h", "m", "s", "ms"];

export const DURATION_HINT = "expected a duration like 90s, 45m, 4h or 1h30m";

export type DurationResult = { ok: true; ms: number } | { ok: false; message: string };

export function parseDuration(input: unknown): DurationResult {
  if (typeof input === "number") {
    if (!Number.isFinite(input)) return { ok: false, message: DURATION_HINT };
    if (input <= 0) return { ok: false, message: `${DURATION_HINT}; it must be longer than 0` };
    if (!Number.isInteger(input)) return { ok: false, message: `${DURATION_HINT} (a bare number is whole milliseconds)` };
    if (input < MIN_DURATION_MS) {
      return { ok: false, message: `${DURATION_HINT}; a bare number is milliseconds, so write ${input}s if you mean ${input} seconds` };
    }
    return inRange(input);
  }
  if (typeof input !== "string") return { ok: false, message: `${DURATION_HINT}, got ${kindOf(input)}` };
  const s = input.trim().toLowerCase();
  if (s === "") return { ok: false, message: `${DURATION_HINT}, got an empty string` };
  if (/^-/.test(s)) return { ok: false, message: `${DURATION_HINT}; it cannot be negative` };
  if (/^\d+$/.test(s)) return parseDuration(Number(s));
  const re = /(\d+(?:\.\d+)?)\s*(ms|d|h|m|s)/gy;
  let total = 0;
  let lastUnit = -1;
  let pos = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    const unit = m[2] as Unit;
    const idx = ORDER.indexOf(unit);
    if (idx <= lastUnit) return { ok: false, message: `${DURATION_HINT}; write the units largest first, each once (got "${input}")` };
    lastUnit = idx;
    total += Number(m[1]) * UNIT_MS[unit];
    pos = re.lastIndex;
    while (s[pos] === " ") pos++;
    re.lastIndex = pos;
  }
  if (pos !== s.length || lastUnit === -1) return { ok: false, message: `${DURATION_HINT}, got "${input}"` };
  total = Math.round(total);
  if (total === 0) return { ok: false, message: `${DURATION_HINT}; it must be longer than 0` };
  if (total < MIN_DURATION_MS) return { ok: false, message: `${DURATION_HINT}; the shortest duration is 1s` };
  return inRange(total);
}

function inRange(ms: number): DurationResult {
  if (ms > MAX_DURATION_MS) return { ok: false, message: `${DURATION_HINT}; the longest duration is 365d` };
  return { ok: true, ms };
}

/** The shortest exact form: 5_400_000 → "1h30m", 90_000 → "1m30s", 1500 → "1s500ms". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return "0s";
  let rest = Math.round(ms);
  let out = "";
  for (const unit of ORDER) {
    const n = Math.floor(rest / UNIT_MS[unit]);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * UNIT_MS[unit];
    }
  }
  return out;
}

function kindOf(v: unknown): string {
  if (v === null || v === undefined) return "nothing (null)";
  if (Array.isArray(v)) return "a list";
  return typeof v === "object" ? "a mapping" : `a ${typeof v}`;
}

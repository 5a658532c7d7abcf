import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { formatDuration, MAX_DURATION_MS, parseDuration } from "./duration";

describe("parseDuration", () => {
  it.each([
    ["90s", 90_000],
    ["45m", 2_700_000],
    ["4h", 14_400_000],
    ["1h30m", 5_400_000],
    ["2d", 172_800_000],
    ["1d2h3m4s", 93_784_000],
    ["1h 30m", 5_400_000],
    [" 10M ", 600_000],
    ["2500ms", 2_500],
    ["0.5m", 30_000],
    [1000, 1000],
    ["60000", 60_000],
  ] as const)("%j → %d", (input, ms) => {
    expect(parseDuration(input)).toEqual({ ok: true, ms });
  });

  it.each(["0s", "0", 0, -1, "-1s", "1", 999, "1.5", 1.5, "abc", "1x", "s", "1h1h", "1m1h", "", NaN, Infinity, null, [], {}, "366d"])("refuses %j", (input) => {
    const r = parseDuration(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/^expected a duration like 90s, 45m, 4h or 1h30m/);
  });

  it("format and parse round-trip", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1000, max: MAX_DURATION_MS }), (ms) => {
        expect(parseDuration(formatDuration(ms))).toEqual({ ok: true, ms });
      }),
    );
    expect(formatDuration(5_400_000)).toBe("1h30m");
    expect(formatDuration(90_000)).toBe("1m30s");
    expect(formatDuration(0)).toBe("0s");
  });
});

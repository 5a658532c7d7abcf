import { describe, expect, it } from "vitest";
import { budgetFraction, formatAge, formatBytes, formatDuration, formatTokens, formatUsd, utcDay } from "./format";

describe("formatDuration", () => {
  it("keeps the two largest units", () => {
    expect(formatDuration(0)).toBe("0s");
    expect(formatDuration(45_000)).toBe("45s");
    expect(formatDuration(65_000)).toBe("1m 5s");
    expect(formatDuration(3_900_000)).toBe("1h 5m");
    expect(formatDuration(3_600_000)).toBe("1h");
    expect(formatDuration(86_400_000 + 3 * 3_600_000 + 5_000)).toBe("1d 3h");
    expect(formatDuration(-65_000)).toBe("-1m 5s");
    expect(formatDuration(Number.NaN)).toBe("—");
  });
});

describe("formatAge", () => {
  it("says just now under a second, else the duration ago", () => {
    expect(formatAge(1000, 1500)).toBe("just now");
    expect(formatAge(0, 125_000)).toBe("2m 5s ago");
  });
});

describe("money and tokens", () => {
  it("formats dollars, keeping sub-cent amounts visible", () => {
    expect(formatUsd(0)).toBe("$0.00");
    expect(formatUsd(12.345)).toBe("$12.35");
    expect(formatUsd(0.0042)).toBe("$0.0042");
    expect(formatUsd(undefined)).toBe("—");
  });
  it("formats tokens like the job file", () => {
    expect(formatTokens(950)).toBe("950");
    expect(formatTokens(12_500)).toBe("12.5k");
    expect(formatTokens(2_000_000)).toBe("2M");
  });
  it("formats bytes", () => {
    expect(formatBytes(10)).toBe("10 B");
    expect(formatBytes(2048)).toBe("2 KiB");
    expect(formatBytes(1.5 * 1024 * 1024)).toBe("1.5 MiB");
  });
  it("clamps the budget fraction and has none without a budget", () => {
    expect(budgetFraction(2, 4)).toBe(0.5);
    expect(budgetFraction(9, 4)).toBe(1);
    expect(budgetFraction(1, undefined)).toBeUndefined();
    expect(budgetFraction(1, 0)).toBeUndefined();
  });
  it("buckets by UTC day", () => {
    expect(utcDay(Date.UTC(2025, 0, 2, 23, 59))).toBe("2025-01-02");
  });
});

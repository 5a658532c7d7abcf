import { describe, expect, it } from "vitest";
import { formatBytes, formatCount, parseTokenCount } from "./size";

describe("parseTokenCount", () => {
  it.each([
    ["2M", 2_000_000],
    ["2m", 2_000_000],
    ["500k", 500_000],
    ["500K", 500_000],
    ["1.5M", 1_500_000],
    ["1.1k", 1_100],
    ["1G", 1_000_000_000],
    ["2_000_000", 2_000_000],
    ["2,000,000", 2_000_000],
    ["0", 0],
    [1234, 1234],
  ] as const)("%j → %d", (input, value) => {
    expect(parseTokenCount(input)).toEqual({ ok: true, value });
  });

  it.each(["-1", -5, "2X", "1.5", 1.5, "k", "", "2 M tokens", null, true, [1], NaN, "2000000G"])("refuses %j", (input) => {
    expect(parseTokenCount(input).ok).toBe(false);
  });
});

describe("formatting", () => {
  it("bytes and counts", () => {
    expect(formatBytes(1_048_576)).toBe("1 MiB");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(12)).toBe("12 bytes");
    expect(formatCount(2_000_000)).toBe("2M");
    expect(formatCount(1_500)).toBe("1.5k");
    expect(formatCount(999)).toBe("999");
  });
});

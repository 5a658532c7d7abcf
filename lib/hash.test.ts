import { describe, expect, it } from "vitest";
import { sha256Hex, shortHash, stableStringify } from "./hash";

describe("hash", () => {
  it("sha256 of UTF-8 text", () => {
    expect(sha256Hex("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(sha256Hex("é")).toBe("4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c");
    expect(shortHash("hello\n")).toBe("5891b5b522d5");
    expect(shortHash("hello\n", 8)).toBe("5891b5b5");
  });

  it("stableStringify ignores key order, keeps array order", () => {
    expect(stableStringify({ b: 1, a: { d: [2, 1], c: null } })).toBe('{"a":{"c":null,"d":[2,1]},"b":1}');
    expect(stableStringify({ a: 1, b: 2 })).toBe(stableStringify({ b: 2, a: 1 }));
  });
});

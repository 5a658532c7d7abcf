import { describe, expect, it } from "vitest";
import { didYouMean, editDistance, suggestion } from "./did-you-mean";

const FIELDS = ["engine", "cwd", "priority", "prefers", "profile", "review-policy", "allowed-scope", "deps", "retry"];

describe("didYouMean", () => {
  it.each([
    ["priorty", "priority"],
    ["prioirty", "priority"],
    ["engien", "engine"],
    ["review_policy", "review-policy"],
    ["reviewPolicy", "review-policy"],
    ["ALLOWED-SCOPE", "allowed-scope"],
    ["retyr", "retry"],
    ["prof", "profile"],
  ])("%s → %s", (word, expected) => {
    expect(didYouMean(word, FIELDS)).toBe(expected);
  });

  it("suggests nothing for far-off words", () => {
    expect(didYouMean("colour", FIELDS)).toBeUndefined();
    expect(didYouMean("x", FIELDS)).toBeUndefined();
    expect(didYouMean("a".repeat(200), FIELDS)).toBeUndefined();
  });

  it("uses aliases that no distance would find", () => {
    expect(didYouMean("dependencies", FIELDS, { dependencies: "deps" })).toBe("deps");
    expect(suggestion("dependencies", FIELDS, { dependencies: "deps" })).toBe("; did you mean `deps`?");
    expect(suggestion("zzz", FIELDS)).toBe("");
  });

  it("edit distance counts a swap as one edit", () => {
    expect(editDistance("ab", "ba")).toBe(1);
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("", "abc")).toBe(3);
  });
});

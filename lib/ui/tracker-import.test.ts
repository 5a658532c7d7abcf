import { describe, expect, it } from "vitest";
import { importAnswerText, trackerItemFromInput } from "./tracker-import";

describe("trackerItemFromInput", () => {
  it("turns a GitHub or Linear issue page into its item id", () => {
    expect(trackerItemFromInput("https://github.com/acme/shop/issues/12")).toBe("github:acme/shop#12");
    expect(trackerItemFromInput("  https://ghe.example.com/acme/shop/issues/7#issuecomment-1?x=1 ")).toBe("github:acme/shop#7");
    expect(trackerItemFromInput("https://linear.app/acme/issue/eng-42/fix-the-cart")).toBe("linear:ENG-42");
  });
  it("sends anything else as typed, for the route to accept or refuse naming the field", () => {
    expect(trackerItemFromInput(" github:acme/shop#12 ")).toBe("github:acme/shop#12");
    expect(trackerItemFromInput("linear:ENG-42")).toBe("linear:ENG-42");
    expect(trackerItemFromInput("https://github.com/acme/shop/pull/12")).toBe("https://github.com/acme/shop/pull/12");
    expect(trackerItemFromInput("https://github.com/acme/shop/issues/0")).toBe("https://github.com/acme/shop/issues/0");
    expect(trackerItemFromInput("http://[bad")).toBe("http://[bad");
    expect(trackerItemFromInput("not an id")).toBe("not an id");
    const long = `https://github.com/${"a".repeat(600)}/r/issues/1`;
    expect(trackerItemFromInput(long)).toBe(long);
  });
});

describe("importAnswerText", () => {
  it("says whether a job was made", () => {
    expect(importAnswerText({ outcome: "created", jobId: "j1" })).toMatch(/created/);
    expect(importAnswerText({ outcome: "existing", jobId: "j1" })).toMatch(/nothing new/);
    expect(importAnswerText({ outcome: "ignored", reason: "the item is closed" })).toBe("Not imported: the item is closed");
  });
});

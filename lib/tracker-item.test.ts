import { describe, expect, it } from "vitest";
import { formatTrackerItem, parseTrackerItem, sameTrackerItem, TRACKER_ITEM_MAX, trackerItemUrl } from "./tracker-item";

describe("tracker item ids", () => {
  it("parses and formats the canonical GitHub form", () => {
    const p = parseTrackerItem(" github:octo-org/shop.web#123 ");
    expect(p).toEqual({ ok: true, id: "github:octo-org/shop.web#123", ref: { tracker: "github", owner: "octo-org", repo: "shop.web", number: 123 } });
  });

  it("parses the Linear form and upper-cases the team key", () => {
    const p = parseTrackerItem("linear:eng-42");
    expect(p).toEqual({ ok: true, id: "linear:ENG-42", ref: { tracker: "linear", team: "ENG", number: 42 } });
    expect(formatTrackerItem({ tracker: "linear", team: "ops", number: 7 })).toBe("linear:OPS-7");
  });

  it.each([
    ["", /empty/],
    ["github:owner/repo", /github:owner\/repo#123/],
    ["github:-bad/repo#1", /not a GitHub item/],
    ["github:owner/repo#0", /not a GitHub item/],
    ["github:owner/..#1", /'\.\.'/],
    ["github:owner/repo#99999999999", /not a GitHub item|too large/],
    ["github:owner/repo#3000000000", /too large/],
    ["linear:ENG", /linear:TEAM-123/],
    ["linear:ENG-0", /linear:TEAM-123/],
    ["gh:owner/repo#1", /not a tracker item id/],
    ["LIN-123", /not a tracker item id/],
  ])("refuses %j with a message saying what was expected", (input, message) => {
    const p = parseTrackerItem(input);
    expect(p.ok).toBe(false);
    if (!p.ok) expect(p.message).toMatch(message);
  });

  it("refuses non-text", () => {
    expect(parseTrackerItem(12).ok).toBe(false);
    expect(parseTrackerItem(null).ok).toBe(false);
  });

  it("bounds hostile input before any pattern runs and clips it in the message", () => {
    const long = `github:${"a".repeat(100_000)}/r#1`;
    const p = parseTrackerItem(long);
    expect(p).toEqual({ ok: false, message: `a tracker item id is at most ${TRACKER_ITEM_MAX} characters` });
    const near = `github:${"a-".repeat(70)}`;
    const q = parseTrackerItem(near);
    expect(q.ok).toBe(false);
    if (!q.ok) expect(q.message.length).toBeLessThan(200);
  });

  it("compares GitHub ids case-insensitively", () => {
    expect(sameTrackerItem("github:Octo/Shop#1", "github:octo/shop#1")).toBe(true);
    expect(sameTrackerItem("github:octo/shop#1", "github:octo/shop#2")).toBe(false);
    expect(sameTrackerItem("nope", "nope")).toBe(false);
  });
});

describe("tracker item pages", () => {
  it("links GitHub issues on the configured host; Linear has no URL without its workspace", () => {
    expect(trackerItemUrl("github:acme/shop#12")).toBe("https://github.com/acme/shop/issues/12");
    expect(trackerItemUrl("github:acme/shop#12", "ghe.example")).toBe("https://ghe.example/acme/shop/issues/12");
    expect(trackerItemUrl("github:acme/shop#12", "127.0.0.1:4000")).toBe("http://127.0.0.1:4000/acme/shop/issues/12");
    expect(trackerItemUrl("linear:ENG-1")).toBeUndefined();
    expect(trackerItemUrl("LIN-1")).toBeUndefined();
  });
});

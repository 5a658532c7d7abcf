import { describe, expect, it } from "vitest";
import { lastFollowUpRefusal, checksStyle, followUpReasonText, mergeabilityStyle, prDisplayState, prStateStyle, refusalAdvice, reviewStyle } from "./pull-request";

describe("pull request words", () => {
  it("an open PR marked draft reads draft; merged and closed read as they are", () => {
    expect(prDisplayState({ state: "open", draft: true })).toBe("draft");
    expect(prDisplayState({ state: "open", draft: false })).toBe("open");
    expect(prDisplayState({ state: "merged", draft: false })).toBe("merged");
    expect(prDisplayState({ state: "closed", draft: true })).toBe("closed");
    expect(prStateStyle({ state: "closed", draft: false }).bg).not.toBe(prStateStyle({ state: "open", draft: false }).bg);
  });
  it("checks and reviews carry a word as well as a colour, and good differs from bad", () => {
    expect(checksStyle("failing").label).toMatch(/failing/);
    expect(checksStyle("passing").label).toMatch(/passing/);
    expect(checksStyle("pending").label).toMatch(/pending/);
    expect(checksStyle("none").label).toMatch(/none/);
    expect(checksStyle("failing").bg).not.toBe(checksStyle("passing").bg);
    expect(reviewStyle("changes_requested").label).toMatch(/changes requested/);
    expect(reviewStyle("approved").label).toMatch(/approved/);
  });
  it("mergeability: dirty is a conflict, null while the forge computes is not", () => {
    expect(mergeabilityStyle({ state: "open", mergeable: false, mergeableState: "dirty" }).label).toMatch(/conflict/);
    expect(mergeabilityStyle({ state: "open", mergeable: true, mergeableState: "clean" }).label).toBe("clean");
    expect(mergeabilityStyle({ state: "open", mergeable: true, mergeableState: "blocked" }).label).toMatch(/blocked/);
    expect(mergeabilityStyle({ state: "open", mergeable: null, mergeableState: "unknown" }).label).toMatch(/computed/);
    expect(mergeabilityStyle({ state: "open", mergeable: false, mergeableState: "weird" }).label).toBe("not mergeable");
    expect(mergeabilityStyle({ state: "merged", mergeable: null, mergeableState: "unknown" }).label).toBe("merged");
  });
  it("each known refusal says what to do next; an unknown one says nothing rather than something wrong", () => {
    expect(refusalAdvice("checks_failing")).toMatch(/follow-up job/);
    expect(refusalAdvice("head_moved")).toMatch(/reload/);
    expect(refusalAdvice("draft")).toMatch(/verify did not pass/);
    expect(refusalAdvice("changes_requested")).toMatch(/follow-up job/);
    expect(refusalAdvice("something_new")).toBeUndefined();
    expect(refusalAdvice(undefined)).toBeUndefined();
    expect(followUpReasonText("checks_failed")).toMatch(/checks failed/);
  });
  it("the review loop's last word: a refusal says why, a later queued follow-up supersedes it", () => {
    const refused = { seq: 5, type: "review:follow_up_refused", at: "t", data: { reason: "checks_failed", round: 1, headSha: "a", why: "the retry policy is spent: retry.max 0" } };
    const queued = { seq: 6, type: "review:follow_up_queued", at: "t", data: { followUp: "j-2", reason: "checks_failed", round: 1, headSha: "a", by: "review-loop" } };
    const other = { seq: 7, type: "delivery:pr_changed", at: "t", data: {} };
    expect(lastFollowUpRefusal([refused, other])).toEqual({ why: "the retry policy is spent: retry.max 0", round: 1 });
    expect(lastFollowUpRefusal([refused, queued, other])).toBeUndefined();
    expect(lastFollowUpRefusal([other])).toBeUndefined();
  });
});

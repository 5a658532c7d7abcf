import { describe, expect, it } from "vitest";
import { approvalState, budgetPause, deadLetterOf, parseBudgetRaise } from "./policy-views";

describe("approvalState", () => {
  const manifest = { "review-policy": { reviewers: ["ana", "bo"] } };
  it("says who approved and who is still needed", () => {
    expect(approvalState(manifest, [])).toEqual({ reviewers: ["ana", "bo"], approved: [], missing: ["ana", "bo"] });
    const after = approvalState(manifest, [{ seq: 4, type: "approval:recorded", data: { reviewer: "ana", by: "u-1", missing: ["bo"] } }]);
    expect(after).toEqual({ reviewers: ["ana", "bo"], approved: ["ana"], missing: ["bo"] });
  });
  it("is undefined for manual and auto policies", () => {
    expect(approvalState({ "review-policy": "manual" }, [])).toBeUndefined();
    expect(approvalState({}, [])).toBeUndefined();
  });
});

describe("deadLetterOf", () => {
  it("reads every attempt's diagnostics from the job:dead_lettered event (as the built app sent it)", () => {
    const d = deadLetterOf([
      { seq: 1, type: "job:queued" },
      {
        seq: 24,
        type: "job:dead_lettered",
        data: {
          cause: "verify failed; retries exhausted (1 of 1)",
          attempts: [
            { attempt: 1, factoryId: "f-1", engine: "shell", endedBy: "agent", outcome: "succeeded", exitCode: 0, verify: { passed: false, exitCode: 1, output: "" }, lastLog: ["trying"] },
            { attempt: 2, factoryId: "f-1", engine: "shell", endedBy: "lease_expired", outcome: "lease_lost", exitCode: null, lastLog: [] },
          ],
        },
      },
    ]);
    expect(d?.cause).toBe("verify failed; retries exhausted (1 of 1)");
    expect(d?.attempts.map((a) => [a.attempt, a.outcome, a.exitCode, a.verify?.passed])).toEqual([
      [1, "succeeded", 0, false],
      [2, "lease_lost", null, undefined],
    ]);
    expect(deadLetterOf([])).toBeUndefined();
  });
});

describe("budgetPause", () => {
  const exceeded = { seq: 9, type: "budget:exceeded", data: { reason: "budget exceeded: wall", breaches: ["wall 2074 ms of 2000 ms"] } };
  it("is the last breach until a resume is accepted", () => {
    expect(budgetPause([exceeded])?.breaches).toEqual(["wall 2074 ms of 2000 ms"]);
    expect(budgetPause([exceeded, { seq: 10, type: "action:taken", data: { action: "resume" } }])).toBeUndefined();
    expect(budgetPause([])).toBeUndefined();
  });
});

describe("parseBudgetRaise", () => {
  const wall = (s: string) => (s === "1h" ? ({ ok: true, ms: 3_600_000 } as const) : ({ ok: false, message: "expected a duration like 90s" } as const));
  it("sends only the ceilings typed, wall in ms", () => {
    expect(parseBudgetRaise({ usd: "$2.5", tokens: "", wall: "1h" }, wall)).toEqual({ ok: true, budget: { usd: 2.5, wall: 3_600_000 } });
    expect(parseBudgetRaise({ usd: "", tokens: "200,000", wall: "" }, wall)).toEqual({ ok: true, budget: { tokens: 200_000 } });
  });
  it("names each bad field and refuses an empty raise", () => {
    expect(parseBudgetRaise({ usd: "-1", tokens: "1.5", wall: "soon" }, wall)).toEqual({
      ok: false,
      errors: { usd: "dollars: a number, 0 or more", tokens: "tokens: a whole number, 0 or more", wall: "expected a duration like 90s" },
    });
    expect(parseBudgetRaise({ usd: " ", tokens: "", wall: "" }, wall).ok).toBe(false);
  });
});

import { describe, expect, it } from "vitest";
import type { RetryPolicy } from "@/lib/types";
import { budgetBreaches, budgetRemaining, raiseBudget, spendOf } from "./budget";
import { depReason } from "./deps";
import { checkShip, decideApproval, outOfScopeFiles, stageAfterGreenVerify } from "./gates";
import { backoffMs, decideFailure, decideLeaseLost, LEASE_LOSS_BOUND, MAX_BACKOFF_MS } from "./retry";

const policy: RetryPolicy = { max: 2, backoff: 1_000, on: ["agent_failed", "timeout"] };

describe("retry", () => {
  it("backs off exponentially from the base, stretched by the jitter, capped", () => {
    expect([1, 2, 3].map((n) => backoffMs(1_000, n, () => 0))).toEqual([1_000, 2_000, 4_000]);
    expect(backoffMs(1_000, 2, () => 0.5)).toBe(2_500);
    expect(backoffMs(1_000, 1, () => 0.999_999_9)).toBeLessThanOrEqual(1_500);
    expect(backoffMs(3_600_000, 40, () => 0)).toBe(MAX_BACKOFF_MS);
  });

  it("retries listed kinds until max, then dead-letters; unlisted kinds fail at once", () => {
    expect(decideFailure(policy, 0, "agent_failed", 100, () => 0)).toMatchObject({ to: "queued", notBefore: 1_100, countAttempt: true });
    expect(decideFailure(policy, 1, "timeout", 100, () => 0)).toMatchObject({ to: "queued", notBefore: 2_100 });
    expect(decideFailure(policy, 2, "agent_failed", 100, () => 0)).toMatchObject({ to: "dead_letter", countAttempt: true });
    expect(decideFailure(policy, 0, "verify_failed", 100, () => 0)).toMatchObject({ to: "failed" });
  });

  it("a lost lease is a free reclaim unless lease_lost is listed, and stops at the bound either way", () => {
    expect(decideLeaseLost(policy, 0, 0, 5, () => 0)).toMatchObject({ to: "queued", countAttempt: false });
    expect(decideLeaseLost(policy, 0, LEASE_LOSS_BOUND - 1, 5, () => 0)).toMatchObject({ to: "dead_letter", countAttempt: false });
    const counted = { ...policy, on: ["lease_lost" as const] };
    expect(decideLeaseLost(counted, 0, 0, 5, () => 0)).toMatchObject({ to: "queued", countAttempt: true, notBefore: 1_005 });
    expect(decideLeaseLost(counted, 2, 1, 5, () => 0)).toMatchObject({ to: "dead_letter", countAttempt: true });
  });
});

describe("gates", () => {
  it("flags files the agent flagged and changed files no allowed glob admits", () => {
    expect(outOfScopeFiles(["src/**"], { changed: ["src/a.ts", "README.md"], outOfScope: [".env"] })).toEqual([".env", "README.md"]);
    expect(outOfScopeFiles([], { changed: ["anything"], outOfScope: [] })).toEqual([]);
    expect(outOfScopeFiles(["src/**"], undefined)).toEqual([]);
  });

  it("auto ships only a clean green attempt", () => {
    expect(stageAfterGreenVerify("auto", []).stage).toBe("shipped");
    expect(stageAfterGreenVerify("auto", ["x"]).stage).toBe("testing");
    expect(stageAfterGreenVerify("manual", []).stage).toBe("testing");
    expect(stageAfterGreenVerify({ reviewers: ["@a"] }, []).stage).toBe("testing");
  });

  it("records each reviewer once and ships on the last", () => {
    const p = { reviewers: ["@alice", "@bob"] };
    expect(decideApproval(p, [], ["alice@x.io", "alice"])).toEqual({ ok: true, reviewer: "@alice", ships: false });
    expect(decideApproval(p, ["@alice"], ["alice"])).toMatchObject({ ok: false, code: "illegal_transition" });
    expect(decideApproval(p, ["@alice"], ["Bob"])).toEqual({ ok: true, reviewer: "@bob", ships: true });
    expect(decideApproval(p, [], ["eve"])).toMatchObject({ ok: false, code: "forbidden" });
    expect(decideApproval("manual", [], ["eve"])).toMatchObject({ ok: false });
  });

  it("ship is refused for scope or missing approvals unless an admin overrides with a reason", () => {
    expect(checkShip("manual", [], [], undefined)).toEqual({ ok: true });
    expect(checkShip("manual", [], ["a"], undefined)).toMatchObject({ ok: false, code: "scope_violation", files: ["a"] });
    expect(checkShip({ reviewers: ["@b"] }, [], [], undefined)).toMatchObject({ ok: false, code: "approval_required", missing: ["@b"] });
    expect(checkShip("manual", [], ["a"], { admin: false, reason: "r" })).toMatchObject({ ok: false });
    expect(checkShip("manual", [], ["a"], { admin: true })).toMatchObject({ ok: false });
    expect(checkShip("manual", [], ["a"], { admin: true, reason: "r" })).toEqual({ ok: true, overridden: { scope: ["a"], approvals: [] } });
  });
});

describe("budget", () => {
  it("reaching a ceiling is crossing it; the running attempt's wall counts", () => {
    const cost = { usd: 1, tokensIn: 600, tokensOut: 400, wallMs: 1_000 };
    expect(budgetBreaches({ usd: 2, tokens: 2_000, wall: 5_000 }, spendOf(cost, 3_999))).toEqual([]);
    expect(budgetBreaches({ usd: 1, tokens: 1_000, wall: 5_000 }, spendOf(cost, 4_000))).toEqual(["usd 1 of 1", "tokens 1000 of 1000", "wall 5000 ms of 5000 ms"]);
    expect(budgetRemaining({ usd: 3 }, spendOf(cost))).toEqual({ usd: 2 });
    expect(raiseBudget({ usd: 1, wall: 10 }, { usd: 5 })).toEqual({ usd: 5, wall: 10 });
  });
});

describe("deps", () => {
  it("says what a dependency's stage means for the dependent", () => {
    expect(depReason("k", undefined)).toBe("waiting for key k (not submitted yet)");
    const dep = { id: "j-1", title: "A" } as never as Parameters<typeof depReason>[1] & object;
    expect(depReason("j-1", { ...dep, stage: "testing" })).toBeUndefined();
    expect(depReason("j-1", { ...dep, stage: "failed" })).toMatch(/failed: requeue/);
    expect(depReason("j-1", { ...dep, stage: "cancelled" })).toMatch(/cancelled: requeue/);
    expect(depReason("j-1", { ...dep, stage: "building" })).toBe("waiting for j-1 (A), now building");
  });
});

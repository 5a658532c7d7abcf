import "server-only";
import pm from "picomatch/posix";
import type { ReviewPolicy } from "@/lib/types";
import type { ScopeReport } from "@/server/store/records";

/**
 * The gates between a green attempt and `shipped`, as pure decisions:
 *
 *   verify green, scope clean, review-policy auto          → shipped (review → testing → shipped)
 *     … and the commits were pushed (a delivery)           → testing, then shipped when they land:
 *                                                            a merge task (plain git) or the PR
 *                                                            merged once its checks pass
 *   verify green, manual or {reviewers}                    → testing, waits for people
 *   verify green, files outside allowed-scope              → testing; `ship` refused (scope_violation)
 *                                                            unless an admin overrides with a reason
 *   {reviewers: [...]}: each `approve` by a named reviewer is recorded; the last one ships; `ship`
 *   before that is refused (approval_required) unless an admin overrides with a reason.
 */

const MAX_SEGMENT = 255;

/**
 * Files the attempt changed outside `allowed-scope`: what the agent flagged, plus anything in its
 * `changed` list that no glob admits (the coordinator does not take the agent's word alone).
 * An empty allowed-scope means no restriction.
 */
export function outOfScopeFiles(allowed: readonly string[], scope: ScopeReport | undefined): string[] {
  if (!scope) return [];
  const flagged = new Set(scope.outOfScope);
  if (allowed.length > 0) {
    const inScope = pm([...allowed], { dot: true });
    // No file system has a name over 255 bytes: such a path is out of scope without being matched
    // (the globs' wildcards are bounded per segment, so matching costs O(segment²) at most).
    for (const f of scope.changed) if (f.split("/").some((seg) => seg.length > MAX_SEGMENT) || !inScope(f)) flagged.add(f);
  }
  return [...flagged].sort();
}

/** Stands in the out-of-scope list when an attempt under allowed-scope sent no scope report. */
export const UNJUDGED_SCOPE = "(no scope report: the delivered commits were not checked against allowed-scope)";

/**
 * The gate on what ships: the agent's scope covers every path a delivered commit touched
 * (base..HEAD, so a commit-then-revert still counts). Under an allowed-scope, no scope report means
 * nothing was judged, so it cannot ship without an admin override.
 */
export function deliveredOutOfScope(allowed: readonly string[], scope: ScopeReport | undefined): string[] {
  if (allowed.length > 0 && !scope) return [UNJUDGED_SCOPE];
  return outOfScopeFiles(allowed, scope);
}

export type GreenNext =
  | { stage: "shipped"; via: ["review", "testing"]; cause: string }
  | { stage: "testing"; via: ["review"]; cause: string; autoShip?: true };

/**
 * `delivered`: the attempt pushed the job's commits. Shipping only the stage would leave them on
 * a branch, so auto waits in testing and the coordinator ships through the delivery (autoShip).
 */
export function stageAfterGreenVerify(policy: ReviewPolicy, outOfScope: readonly string[], delivered = false): GreenNext {
  if (outOfScope.length > 0) {
    return { stage: "testing", via: ["review"], cause: `verify passed, but ${outOfScope.length} file(s) changed outside allowed-scope: ship needs an admin override` };
  }
  if (policy === "auto" && delivered) {
    return { stage: "testing", via: ["review"], cause: "verify passed and the scope is clean; review-policy auto ships it once the pushed commits land", autoShip: true };
  }
  if (policy === "auto") return { stage: "shipped", via: ["review", "testing"], cause: "verify passed and the scope is clean; review-policy auto ships it" };
  if (policy === "manual") return { stage: "testing", via: ["review"], cause: "verify passed; review-policy manual waits for a person to ship" };
  return { stage: "testing", via: ["review"], cause: `verify passed; waiting for approval by ${policy.reviewers.join(", ")}` };
}

/** `@alice`, `Alice`, `alice@example.com` all name the same person for matching. */
export function normalizeName(name: string): string {
  return name.trim().toLowerCase().replace(/^@/, "");
}

/** The reviewer an actor is, given every name the actor goes by (id, e-mail, local part, token name). */
export function reviewerFor(policy: ReviewPolicy, actorNames: readonly string[]): string | undefined {
  if (typeof policy === "string") return undefined;
  const mine = new Set(actorNames.map(normalizeName));
  return policy.reviewers.find((r) => mine.has(normalizeName(r)));
}

export function missingApprovals(policy: ReviewPolicy, approvals: readonly string[]): string[] {
  if (typeof policy === "string") return [];
  const have = new Set(approvals.map(normalizeName));
  return policy.reviewers.filter((r) => !have.has(normalizeName(r)));
}

export type ApprovalDecision =
  | { ok: true; reviewer: string; ships: boolean }
  | { ok: false; code: "illegal_transition" | "forbidden"; reason: string };

/** An `approve` under a reviewers policy: who it counts as, and whether it is the last one needed. */
export function decideApproval(policy: ReviewPolicy, approvals: readonly string[], actorNames: readonly string[]): ApprovalDecision {
  if (typeof policy === "string") return { ok: false, code: "illegal_transition", reason: "this job has no reviewers list" };
  const reviewer = reviewerFor(policy, actorNames);
  if (!reviewer) return { ok: false, code: "forbidden", reason: `only ${policy.reviewers.join(", ")} may approve this job` };
  if (approvals.map(normalizeName).includes(normalizeName(reviewer))) {
    return { ok: false, code: "illegal_transition", reason: `${reviewer} has already approved this job` };
  }
  const after = missingApprovals(policy, [...approvals, reviewer]);
  return { ok: true, reviewer, ships: after.length === 0 };
}

export type ShipCheck =
  | { ok: true; overridden?: { scope: string[]; approvals: string[] } }
  | { ok: false; code: "scope_violation" | "approval_required"; reason: string; files?: string[]; missing?: string[] };

/**
 * Whether a `ship` may go through. An override needs an admin and a reason; it is recorded by the
 * caller as an event with what it overrode.
 */
export function checkShip(
  policy: ReviewPolicy,
  approvals: readonly string[],
  outOfScope: readonly string[],
  override: { admin: boolean; reason?: string } | undefined,
): ShipCheck {
  const missing = missingApprovals(policy, approvals);
  if (outOfScope.length === 0 && missing.length === 0) return { ok: true };
  if (override?.admin && override.reason) return { ok: true, overridden: { scope: [...outOfScope], approvals: missing } };
  if (outOfScope.length > 0) {
    return {
      ok: false,
      code: "scope_violation",
      reason: `changed files outside allowed-scope: ${outOfScope.join(", ")} (an admin may ship with override and a reason)`,
      files: [...outOfScope],
    };
  }
  return {
    ok: false,
    code: "approval_required",
    reason: `waiting for approval by ${missing.join(", ")} (an admin may ship with override and a reason)`,
    missing,
  };
}

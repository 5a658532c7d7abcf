/**
 * How a job's pull request reads on the page and in the table (issue 15 item 7). Each fact has a
 * word and a colour from one family (good = green, waiting = amber, bad = red, neutral = slate), so
 * it reads without colour too; the words are what tests and screen readers see.
 */
import type { EventView, JobView } from "./api-types";
import type { BadgeStyle } from "./stage-style";

export type PullRequestView = NonNullable<NonNullable<JobView["delivery"]>["pr"]>;

const GOOD = { bg: "#15803d", fg: "#dcfce7" };
const WAIT = { bg: "#a16207", fg: "#fef9c3" };
const BAD = { bg: "#b91c1c", fg: "#fee2e2" };
const DONE = { bg: "#6d28d9", fg: "#ede9fe" };
const NEUTRAL = { bg: "#334155", fg: "#e2e8f0" };

/** open, draft (an open PR marked draft), merged or closed (without merging). */
export type PrDisplayState = "open" | "draft" | "merged" | "closed";

export function prDisplayState(pr: Pick<PullRequestView, "state" | "draft">): PrDisplayState {
  return pr.state === "open" && pr.draft ? "draft" : pr.state;
}

export function prStateStyle(pr: Pick<PullRequestView, "state" | "draft">): BadgeStyle {
  const s = prDisplayState(pr);
  switch (s) {
    case "open":
      return { ...GOOD, label: "open" };
    case "draft":
      return { ...NEUTRAL, label: "draft" };
    case "merged":
      return { ...DONE, label: "merged" };
    case "closed":
      return { ...BAD, label: "closed" };
  }
}

export function checksStyle(checks: PullRequestView["checks"]): BadgeStyle {
  switch (checks) {
    case "passing":
      return { ...GOOD, label: "✓ passing" };
    case "failing":
      return { ...BAD, label: "✗ failing" };
    case "pending":
      return { ...WAIT, label: "… pending" };
    case "none":
      return { ...NEUTRAL, label: "none reported" };
  }
}

export function reviewStyle(review: PullRequestView["review"]): BadgeStyle {
  switch (review) {
    case "approved":
      return { ...GOOD, label: "✓ approved" };
    case "changes_requested":
      return { ...BAD, label: "✗ changes requested" };
    case "none":
      return { ...NEUTRAL, label: "no review yet" };
  }
}

/**
 * GitHub's `mergeable` + `mergeable_state` in words. `mergeable: null` means GitHub is still
 * computing it (it does so lazily after a push), which is not a conflict.
 */
export function mergeabilityStyle(pr: Pick<PullRequestView, "mergeable" | "mergeableState" | "state">): BadgeStyle {
  if (pr.state !== "open") return { ...NEUTRAL, label: pr.state === "merged" ? "merged" : "closed" };
  switch (pr.mergeableState) {
    case "clean":
      return { ...GOOD, label: "clean" };
    case "has_hooks":
      return { ...GOOD, label: "clean (hooks will run)" };
    case "dirty":
      return { ...BAD, label: "conflict with the base branch" };
    case "blocked":
      return { ...BAD, label: "blocked by required checks or reviews" };
    case "unstable":
      return { ...WAIT, label: "mergeable, some checks failing" };
    case "behind":
      return { ...WAIT, label: "behind the base branch" };
    case "draft":
      return { ...NEUTRAL, label: "draft: not mergeable yet" };
  }
  if (pr.mergeable === false) return { ...BAD, label: "not mergeable" };
  if (pr.mergeable === null) return { ...NEUTRAL, label: "being computed by the forge" };
  return { ...NEUTRAL, label: pr.mergeableState || "unknown" };
}

/**
 * What a person can do about a refused Ship, by the reason of the 409 (server/coordinator/pull-requests/gate.ts
 * and the forge's own, server/forge/github/port.ts GITHUB_REFUSALS). Unknown reasons get no advice
 * rather than a wrong one.
 */
const ADVICE: Record<string, string> = {
  checks_failing: "Fix the failing checks first: a follow-up job is queued when checks fail, or use Request changes.",
  checks_pending: "Wait for the checks to finish, then Ship again.",
  changes_requested: "A reviewer asked for changes: a follow-up job is queued to address them; Ship once its commits pass review.",
  draft: "The pull request is a draft because verify did not pass: use Request changes to fix it, or mark it ready for review on the forge.",
  no_pr: "The pull request is opened once the branch is pushed: wait a moment and reload, or Retry push if the push failed.",
  merged: "The pull request is already merged: reload the page.",
  closed: "The pull request was closed on the forge: reopen it there, or requeue the job.",
  reviews_missing: "The branch needs an approving review on the forge before it can merge.",
  conflict: "The branch conflicts with its base: use Request changes so the agent rebases it, or resolve it on the forge.",
  head_moved: "Someone pushed to the branch since it was read: reload the page and Ship again.",
  method_not_allowed: "The repository does not allow this merge method: change it in the repository's settings or the profile.",
  not_mergeable: "The forge says the pull request cannot be merged as it is: open it on the forge to see why.",
  auth: "The coordinator's forge token was refused: an admin should check GITHUB_TOKEN.",
  forbidden: "The coordinator's forge token may not merge here: an admin should check its permissions.",
  not_found: "The pull request or repository is gone from the forge.",
  rate_limited: "The forge is rate limiting the coordinator: try again in a few minutes.",
  unavailable: "The forge did not answer: try again shortly.",
};

export function refusalAdvice(reason: string | undefined): string | undefined {
  return reason ? ADVICE[reason] : undefined;
}

/** A follow-up job's reason, in words. */
export function followUpReasonText(reason: "checks_failed" | "changes_requested"): string {
  return reason === "checks_failed" ? "the pull request's checks failed" : "changes were requested";
}

/**
 * Why the review loop queued nothing, when that is its last word (the latest review:follow_up_*
 * event is a refusal: the retry policy or the budget is spent, a follow-up is still running). A
 * later queued follow-up supersedes it.
 */
export function lastFollowUpRefusal(events: readonly EventView[]): { why: string; round: number } | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.type === "review:follow_up_queued") return undefined;
    if (e.type === "review:follow_up_refused") {
      const d = (e.data ?? {}) as { why?: unknown; round?: unknown };
      return typeof d.why === "string" ? { why: d.why, round: typeof d.round === "number" ? d.round : 0 } : undefined;
    }
  }
  return undefined;
}

import "server-only";
import type { ForgePullRequest } from "@/server/forge";
import type { PullRequestRecord } from "@/server/store/records";
import type { PullRequestTarget } from "./target";

/** The forge's pull request as the job records it. */
export function recordOf(t: PullRequestTarget, pr: ForgePullRequest, at: number, before?: PullRequestRecord): PullRequestRecord {
  return {
    forge: t.pulls.forge,
    owner: before?.owner ?? t.ref.owner,
    repo: before?.repo ?? t.ref.repo,
    number: pr.number,
    url: pr.url,
    state: pr.state,
    draft: pr.draft,
    headSha: pr.headSha,
    mergeable: pr.mergeable,
    mergeableState: pr.mergeableState,
    checks: pr.checks,
    review: pr.review,
    ...(pr.mergeSha ? { mergeSha: pr.mergeSha } : {}),
    refreshedAt: at,
  };
}

/** Whether a read changed what the record says (an unchanged read only refreshes refreshedAt). */
export function differs(a: PullRequestRecord, b: PullRequestRecord): boolean {
  return (["state", "draft", "headSha", "mergeable", "mergeableState", "checks", "review", "mergeSha"] as const).some((k) => a[k] !== b[k]);
}

import "server-only";
import type { ForgePullRequest } from "@/server/forge";
import type { JobDelivery, JobRecord, PullRequestRecord } from "@/server/store/records";
import type { CoordinatorContext } from "../context";
import { jobEvent, type JobEvent } from "../events";
import { afterPullRequestChange } from "../review-loop";
import { recordFailure } from "./failures";
import { differs, recordOf } from "./record";
import { LIVE, pullRequestTarget } from "./target";
import { writeWithRetry } from "./write";

/** refreshPullRequest (watch.ts) for a job already read: the forge read, recorded; a merge or close on the forge moves the job. */
export async function refreshJobPullRequest(ctx: CoordinatorContext, job: JobRecord): Promise<JobRecord | undefined> {
  const target = pullRequestTarget(ctx, job);
  const recorded = job.delivery?.pr;
  if (!target || !recorded) return undefined;
  let now: ForgePullRequest;
  try {
    now = await target.pulls.read({ owner: recorded.owner, repo: recorded.repo }, recorded.number);
  } catch (e) {
    await recordFailure(ctx, job, "refresh", e);
    return undefined;
  }
  const written = await writeWithRetry(ctx, job.id, (fresh) => {
    const before = fresh.delivery?.pr;
    if (!before || before.number !== recorded.number) return undefined;
    const at = ctx.now();
    const next: PullRequestRecord = { ...recordOf(target, now, at, before) };
    const changed = differs(before, next);
    // A refusal recorded on the PR (Ship's reason) stands until the PR changes.
    if (before.error && !changed) next.error = before.error;
    const delivery: JobDelivery = { ...fresh.delivery!, pr: next };
    const events: JobEvent[] = [];
    if (changed) events.push(jobEvent("delivery:pr_changed", at, { number: next.number, state: next.state, checks: next.checks, review: next.review, mergeable: next.mergeable, headSha: next.headSha }));
    let to = fresh.stage;
    let cause: string | undefined;
    if (next.state === "merged" && LIVE.includes(fresh.stage)) {
      to = "shipped";
      cause = `pull request #${next.number} was merged on the forge`;
      if (now.mergeSha) delivery.mergeSha = now.mergeSha;
      events.push(jobEvent("delivery:merged", at, { branch: fresh.delivery!.branch, baseBranch: now.baseBranch, ...(now.mergeSha ? { mergeSha: now.mergeSha } : {}), pr: next.number, by: "forge" }));
    } else if (next.state === "closed" && LIVE.includes(fresh.stage)) {
      to = "cancelled";
      cause = `pull request #${next.number} was closed without merging`;
      events.push(jobEvent("job:cancelled", at, { reason: cause }));
    }
    return { to, patch: { delivery, ...(to !== fresh.stage ? { pendingReason: null } : {}) }, events, ...(cause ? { cause } : {}) };
  });
  if (written) await afterPullRequestChange(ctx, written.job, written.before);
  return written?.job;
}

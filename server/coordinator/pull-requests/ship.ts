import "server-only";
import { FleetError } from "@/server/errors";
import { log } from "@/server/log";
import type { JobPatch } from "@/server/store/port";
import type { JobRecord, PullRequestRecord } from "@/server/store/records";
import type { CoordinatorContext } from "../context";
import { jobEvent, type JobEvent } from "../events";
import { deliveredOutOfScope } from "../policies/gates";
import { lastOpenFailure, recordRefusal } from "./failures";
import { gateOf, refusalOf } from "./gate";
import { openPullRequestIfDue } from "./open";
import { refreshJobPullRequest } from "./refresh";
import { AUTO_SHIP_BY, LIVE, pullRequestTarget } from "./target";
import { reviewLoop, writeWithRetry } from "./write";

/**
 * Ship of a job with a pull request: read it, refuse with the precise reason when it cannot merge
 * (the reason is kept on pr.error so the page shows it beside the button), else merge through the
 * forge with the head the job pushed (a head that moved since is refused by the forge) and ship.
 * `with_` is the action's own write (approvals, action:taken, gate events), made with the merge.
 */
export async function shipPullRequest(ctx: CoordinatorContext, job: JobRecord, by: string, with_: { patch?: JobPatch; events?: JobEvent[] } = {}): Promise<JobRecord> {
  const target = pullRequestTarget(ctx, job)!;
  const d = job.delivery!;
  if (!d.pr) {
    // Not opened yet (the open failed, or its poll has not come): try now rather than wait for the poll.
    // Never merged in the same click: the forge starts its checks when the PR opens.
    const opened = await openPullRequestIfDue(ctx, job);
    const failed = opened ? undefined : await lastOpenFailure(ctx, job.id);
    const why = opened?.delivery?.pr
      ? `pull request #${opened.delivery.pr.number} was opened just now: Ship again once its checks have run`
      : d.pushError
        ? `no pull request for ${d.branch}: the push failed (${d.pushError.message}); Retry push first`
        : `no pull request for ${d.branch} yet${failed ? `: opening it failed (${failed.reason}: ${failed.message}); it is retried every poll` : ": it is opened once the branch is pushed"}`;
    throw new FleetError("conflict", why, { extra: { stage: job.stage, reason: opened ? "pr_opened" : "no_pr" } });
  }
  // What the forge says now, recorded (a PR merged or closed there moves the job instead).
  const fresh = (await refreshJobPullRequest(ctx, job)) ?? (await ctx.store.getJob(job.id)) ?? job;
  if (fresh.stage === "shipped" || fresh.stage === "cancelled") return fresh;
  const pr = fresh.delivery!.pr!;
  const refusal = gateOf(pr, fresh.delivery!);
  if (refusal) {
    await recordRefusal(ctx, fresh, refusal);
    throw new FleetError("conflict", refusal.message, { extra: { stage: fresh.stage, reason: refusal.reason } });
  }
  const method = target.pulls.mergeMethod;
  let sha: string;
  try {
    ({ sha } = await target.pulls.merge({ owner: pr.owner, repo: pr.repo }, pr.number, method, fresh.delivery!.headSha ?? pr.headSha));
  } catch (e) {
    const r = refusalOf(e);
    await recordRefusal(ctx, fresh, r);
    throw new FleetError("conflict", `the forge refused to merge PR #${pr.number}: ${r.message}`, { extra: { stage: fresh.stage, reason: r.reason } });
  }
  const now = ctx.now();
  const written = await writeWithRetry(ctx, job.id, (cur) => {
    const before = cur.delivery?.pr;
    // Merged: only a webhook or poll that got here first (it shipped the job already) stops this write.
    if (!before || !LIVE.includes(cur.stage)) return undefined;
    const record: PullRequestRecord = { ...before, state: "merged", mergeSha: sha, mergeable: null, refreshedAt: now };
    delete record.error;
    const d = cur.delivery!;
    return {
      to: "shipped",
      patch: { ...with_.patch, delivery: { ...d, pr: record, mergeSha: sha } },
      events: [...(with_.events ?? []), jobEvent("delivery:merged", now, { branch: d.branch, ...(d.baseBranch ? { baseBranch: d.baseBranch } : {}), mergeSha: sha, pr: pr.number, method, by })],
      cause: `pull request #${pr.number} merged (${method})`,
    };
  });
  // Merged and recorded: the review loop's trouble must not turn a landed Ship into an error.
  if (written) await reviewLoop(ctx, written.job, written.before);
  return written?.job ?? (await ctx.store.getJob(job.id)) ?? fresh;
}

/**
 * review-policy auto: a job waiting in testing whose PR passes the same gate as Ship (open, not a
 * draft, the job's head, no conflict, checks passed or none, no change requests) and whose
 * delivered scope is clean is merged as Ship would. A refusal by the forge is kept on pr.error
 * and not retried until the PR changes (a refresh clears it then); it never throws.
 */
export async function autoMergeIfClean(ctx: CoordinatorContext, job: JobRecord): Promise<JobRecord | undefined> {
  const d = job.delivery;
  const pr = d?.pr;
  if (job.manifest["review-policy"] !== "auto" || job.stage !== "testing" || job.protectedPaths?.length || job.followUpOf || !d || !pr || pr.error || gateOf(pr, d)) return undefined;
  const runs = await ctx.store.listRuns(job.id);
  const scope = [...runs].reverse().find((r) => r.scope)?.scope;
  if (deliveredOutOfScope(job.manifest["allowed-scope"], scope).length > 0) return undefined;
  try {
    return await shipPullRequest(ctx, job, AUTO_SHIP_BY);
  } catch (err) {
    log.warn({ err, jobId: job.id, pr: pr.number }, "auto-ship: the pull request did not merge; the reason is on the PR");
    return undefined;
  }
}

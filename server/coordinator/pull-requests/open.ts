import "server-only";
import { isForgeError, type ForgePullRequest } from "@/server/forge";
import { isDraft, pullRequestBody, pullRequestTitle } from "@/server/forge/github/pr-body";
import { log } from "@/server/log";
import type { JobRecord } from "@/server/store/records";
import type { CoordinatorContext } from "../context";
import { jobEvent } from "../events";
import { recordFailure } from "./failures";
import { recordOf } from "./record";
import { refreshJobPullRequest } from "./refresh";
import { summaryOf } from "./summary";
import { OPEN_IN, pullRequestDue, pullRequestTarget } from "./target";
import { reviewLoop, writeWithRetry } from "./write";

/**
 * Opens the job's pull request when one is due (after an attempt or a push task, and from the
 * poll as the retry). Never throws for a forge refusal: it is recorded as an event and retried.
 */
export async function openPullRequestIfDue(ctx: CoordinatorContext, job: JobRecord): Promise<JobRecord | undefined> {
  if (!pullRequestDue(ctx, job)) return retextIfMoved(ctx, job);
  const target = pullRequestTarget(ctx, job)!;
  const d = job.delivery!;
  let pr: ForgePullRequest;
  let adopted = false;
  try {
    const base = d.baseBranch ?? (await target.pulls.defaultBranch(target.ref));
    const summary = await summaryOf(ctx, job);
    try {
      pr = await target.pulls.open(target.ref, { title: pullRequestTitle(summary), body: pullRequestBody(summary), head: d.branch, base, draft: isDraft(summary.verify) });
    } catch (e) {
      // Opened before (another instance, a lost answer, a person): the open PR of the branch is ours.
      const found = isForgeError(e) && e.reason === "exists" ? await target.pulls.findOpen(target.ref, d.branch) : undefined;
      if (!found) throw e;
      pr = found;
      adopted = true;
    }
  } catch (e) {
    await recordFailure(ctx, job, "open", e);
    return undefined;
  }
  const now = ctx.now();
  const record = recordOf(target, pr, now);
  const written = await writeWithRetry(ctx, job.id, (fresh) => {
    // Someone else recorded a PR meanwhile: theirs stands.
    if (fresh.delivery?.pr && fresh.delivery.pr.state === "open") return undefined;
    return {
      to: fresh.stage,
      patch: { delivery: { ...fresh.delivery!, pr: record } },
      events: [jobEvent("delivery:pr_opened", now, { number: pr.number, url: pr.url, draft: pr.draft, headSha: pr.headSha, adopted })],
      cause: `pull request #${pr.number} opened`,
    };
  });
  if (written) await reviewLoop(ctx, written.job, written.before);
  return written?.job;
}

/**
 * The job ran again on its branch (a retry) and pushed a new head under its open PR: the PR's text
 * says this attempt's verify, scope and cost, and the record is read again. A failure is recorded
 * like a refresh's (the webhook or poll reads the head anyway).
 */
async function retextIfMoved(ctx: CoordinatorContext, job: JobRecord): Promise<JobRecord | undefined> {
  const d = job.delivery;
  const pr = d?.pr;
  const target = pullRequestTarget(ctx, job);
  if (!d || !pr || !target || pr.state !== "open" || !OPEN_IN.includes(job.stage)) return undefined;
  if (!d.headSha || d.lastPushed !== d.headSha || pr.headSha === d.headSha || job.followUpOf) return undefined;
  try {
    const summary = await summaryOf(ctx, job);
    await target.pulls.update({ owner: pr.owner, repo: pr.repo }, pr.number, { title: pullRequestTitle(summary), body: pullRequestBody(summary) });
  } catch (e) {
    await recordFailure(ctx, job, "refresh", e);
    return undefined;
  }
  return refreshJobPullRequest(ctx, job);
}

/**
 * After an attempt is recorded (leases.ts complete): a job's own attempt, or a push task that took
 * its kept branch to the remote, may make its pull request due. Never throws: a completion must
 * not fail for the forge (the poll retries).
 */
export async function afterAttemptPullRequest(ctx: CoordinatorContext, job: JobRecord): Promise<void> {
  try {
    if (job.task) {
      if (job.task.kind !== "push" || job.stage !== "shipped") return;
      const parent = await ctx.store.getJob(job.task.of);
      if (parent) await openPullRequestIfDue(ctx, parent);
      return;
    }
    await openPullRequestIfDue(ctx, job);
  } catch (err) {
    log.warn({ err, jobId: job.id }, "opening the pull request failed; the poll retries");
  }
}

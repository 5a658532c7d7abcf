import "server-only";
import type { JobRecord, PullRequestRecord } from "@/server/store/records";
import type { CoordinatorContext } from "./context";
import { queueFollowUp, type FollowUpReason } from "./follow-ups";

/**
 * The review loop (issue 15 item 5): when a job's pull request turns to failing checks or a
 * reviewer requests changes, a follow-up job continues the same branch with that feedback as its
 * prompt (follow-ups.ts). The pull-request code calls this after every write of a job's PR record
 * (open, poll, webhook) with the record it replaced.
 *
 * Edge-triggered on what the PR record says, for the head the job pushed:
 *   checks  → failing (from anything else, or on a head that moved since `before`): checks_failed
 *   review  → changes_requested (from anything else): changes_requested
 * A poll or webhook that sees the same state again triggers nothing, and the follow-up's id is
 * derived from (job, reason, head), so two instances that both see the edge queue one job. A head
 * the job did not push (someone else's commit on the branch) triggers nothing: a follow-up starts
 * at the job's own pushed head and could not push over theirs. Both edges at once queue one
 * follow-up (checks_failed) whose feedback names both.
 */
export async function afterPullRequestChange(ctx: CoordinatorContext, job: JobRecord, before: PullRequestRecord | undefined): Promise<void> {
  const d = job.delivery;
  const pr = d?.pr;
  // Only the job that ships has the pull request; a follow-up or delivery task never does.
  if (!d || !pr || pr.state !== "open" || job.task || job.followUpOf) return;
  // A job waiting for a person (review/testing); any other stage is running, retrying or over.
  if (job.stage !== "review" && job.stage !== "testing") return;
  if (pr.headSha !== d.lastPushed) return;

  const checksFailed = pr.checks === "failing" && (before?.checks !== "failing" || before.headSha !== pr.headSha);
  const changesRequested = pr.review === "changes_requested" && before?.review !== "changes_requested";
  if (!checksFailed && !changesRequested) return;
  const reason: FollowUpReason = checksFailed ? "checks_failed" : "changes_requested";
  const feedback = [checksFailed ? checksFeedback(pr) : undefined, changesRequested ? reviewFeedback(pr) : undefined].filter(Boolean).join("\n\n");
  await queueFollowUp(ctx, job, { reason, headSha: pr.headSha, feedback, by: "review-loop" });
}

/**
 * What the follow-up is told about the failing checks. The PR record sums the head's check runs
 * (`checks`); the names, conclusions and output of the failing runs are the forge adapter's to
 * give (a `checkRuns(ref, sha)` on the forge port's pull requests is the seam): until it does,
 * the prompt points to them.
 */
function checksFeedback(pr: PullRequestRecord): string {
  return [
    `The checks of pull request #${pr.number} fail on ${pr.headSha}.`,
    `Their runs and output: ${pr.url}/checks`,
    `Reproduce the failure locally (run the repository's tests, linters and build), fix the cause, and keep the fix within the task.`,
  ].join("\n");
}

/** What the follow-up is told about a review requesting changes (the comments themselves: the same seam as the checks). */
function reviewFeedback(pr: PullRequestRecord): string {
  return [`A reviewer requested changes on pull request #${pr.number}.`, `The review and its comments: ${pr.url}#pullrequestreview`, `Address every comment of that review.`].join("\n");
}

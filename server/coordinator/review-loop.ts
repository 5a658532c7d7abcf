import "server-only";
import { DEFAULT_FORGE, forgeFor } from "@/server/forge";
import type { ForgeFeedback } from "@/server/forge/port";
import { log } from "@/server/log";
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
 *
 * Known edge: a follow-up's push reaches GitHub before its completion reaches us. A read of the PR
 * in between sees a head the job has not recorded yet (skipped); should its checks also fail in
 * that window (CI usually takes longer than the agent's report), the edge is gone by the time the
 * head is recorded, and that round waits for an operator's Request changes.
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
  const details = await feedbackOf(ctx, job, pr);
  const feedback = [checksFailed ? checksFeedback(pr, details) : undefined, changesRequested ? reviewFeedback(pr, details) : undefined].filter(Boolean).join("\n\n");
  await queueFollowUp(ctx, job, { reason, headSha: pr.headSha, feedback, by: "review-loop" });
}

/**
 * The failed check runs and the change requests, from the forge (PullRequestPort.feedback), or
 * undefined when the adapter cannot say or the forge does not answer now: the follow-up is queued
 * all the same, its prompt pointing to the PR instead. A feedback call failing must not lose the
 * edge (the next read of the same state triggers nothing).
 */
async function feedbackOf(ctx: CoordinatorContext, job: JobRecord, pr: PullRequestRecord): Promise<ForgeFeedback | undefined> {
  const repo = job.manifest.repo;
  const pulls = repo ? forgeFor(ctx.forge ?? DEFAULT_FORGE, repo).pulls : undefined;
  if (!pulls?.feedback) return undefined;
  return pulls.feedback({ owner: pr.owner, repo: pr.repo }, pr.number, pr.headSha).catch((err: unknown) => {
    log.warn({ err, jobId: job.id, pr: pr.number }, "could not read the pull request's feedback; the follow-up points to the PR");
    return undefined;
  });
}

/** Each output is forge text a job's CI wrote: bounded here, and the prompt bounds the whole (follow-up-prompt.ts). */
const OUTPUT_CHARS = 1_500;
const MAX_ITEMS = 20;
const clip = (text: string) => (text.length <= OUTPUT_CHARS ? text : `${text.slice(0, OUTPUT_CHARS)} …`);
const quote = (text: string) => clip(text.trim()).split("\n").map((l) => `> ${l}`).join("\n");

function checksFeedback(pr: PullRequestRecord, f: ForgeFeedback | undefined): string {
  const runs = (f?.failedChecks ?? []).slice(0, MAX_ITEMS).map((r) => {
    const head = `- ${r.name}: ${r.conclusion}${r.title ? ` (${r.title})` : ""}`;
    return r.summary ? `${head}\n${quote(r.summary)}` : head;
  });
  return [
    `The checks of pull request #${pr.number} fail on ${pr.headSha}${runs.length ? ":" : "."}`,
    ...runs,
    `Their runs and full output: ${pr.url}/checks`,
    `Reproduce the failure locally (run the repository's tests, linters and build), fix the cause, and keep the fix within the task.`,
  ].join("\n");
}

function reviewFeedback(pr: PullRequestRecord, f: ForgeFeedback | undefined): string {
  const reviews = (f?.changeRequests ?? []).slice(0, MAX_ITEMS).map((r) => `${r.user} requested changes:\n${r.body.trim() ? quote(r.body) : "> (no comment on the review itself; see its inline comments)"}`);
  return [
    reviews.length ? `Changes were requested on pull request #${pr.number}:` : `A reviewer requested changes on pull request #${pr.number}.`,
    ...reviews,
    `The reviews and their inline comments: ${pr.url}/files`,
    `Address every comment of those reviews.`,
  ].join("\n");
}

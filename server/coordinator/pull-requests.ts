import "server-only";
import { parseTrackerItem } from "@/lib/tracker-item";
import type { Stage } from "@/lib/types";
import { DEFAULT_FORGE, forgeFor, isForgeError, type ForgePullRequest, type PullRequestPort } from "@/server/forge";
import { FleetError } from "@/server/errors";
import { isDraft, pullRequestBody, pullRequestTitle, type PullRequestSummary } from "@/server/forge/github/pr-body";
import type { ForgeRepoRef } from "@/server/forge/port";
import { log } from "@/server/log";
import { isStoreError } from "@/server/store/errors";
import type { JobPatch } from "@/server/store/port";
import type { JobDelivery, JobRecord, PullRequestRecord, RunRecord } from "@/server/store/records";
import type { CoordinatorContext } from "./context";
import { jobEvent, type JobEvent } from "./events";
import { moveJob } from "./move-job";
import { redactDeep } from "./redaction";
import { deliveredOutOfScope } from "./policies/gates";
import { afterPullRequestChange } from "./review-loop";

/**
 * The pull-request lifecycle of a `delivery: pr` job on a forge with an adapter (issue 15 items 3
 * and 4). Every forge call happens outside the store write it leads to; every write is one moveJob
 * on the job version just read (re-read and redone on a version conflict), and each is followed by
 * the review loop's hook with the record it replaced.
 *
 *   pushed, job in review/testing (or failed by verify) ─► open (draft unless verify passed)
 *                                      └ a PR for the branch exists ─► adopted
 *                                      └ refused / unreachable ─► delivery:pr_failed, the poll retries
 *   webhook or poll ─► refreshPullRequest ─► record; merged on the forge → shipped, closed → cancelled
 *   Ship ─► shipPullRequest: read, gate (checks, reviews, conflict, head), merge with the head SHA
 *           → mergeSha, delivery:merged, shipped; refused → 409 with the reason (kept on pr.error)
 *   review-policy auto (auto-ship.ts) ─► the webhook or poll's read, once the gate is clean, Ships
 */

/** Who ships a review-policy auto job (the `by` of its merge). */
export const AUTO_SHIP_BY = "review-policy:auto";

/** The stages in which a PR is opened for a pushed head: waiting for a person, or failed by verify (a draft). */
const OPEN_IN: readonly Stage[] = ["review", "testing", "failed"];
/** The stages whose job a forge-side merge ships or a forge-side close cancels. */
const LIVE: readonly Stage[] = ["review", "testing"];
const WRITE_TRIES = 5;

export interface PullRequestTarget {
  pulls: PullRequestPort;
  ref: ForgeRepoRef;
}

/** The forge and repository of a job's pull request, or undefined (not `pr`, no adapter with pull requests). */
export function pullRequestTarget(ctx: Pick<CoordinatorContext, "forge">, job: JobRecord): PullRequestTarget | undefined {
  const repo = job.manifest.repo;
  if (job.task || job.delivery?.mode !== "pr" || !repo) return undefined;
  const pulls = forgeFor(ctx.forge ?? DEFAULT_FORGE, repo).pulls;
  const ref = pulls?.ref(repo);
  return pulls && ref ? { pulls, ref } : undefined;
}

/** Whether a PR is due for this job: `pr` on a forge, the head pushed, none recorded (or the recorded one closed for an older head). */
export function pullRequestDue(ctx: Pick<CoordinatorContext, "forge">, job: JobRecord): boolean {
  const d = job.delivery;
  if (!d || !OPEN_IN.includes(job.stage) || !pullRequestTarget(ctx, job)) return false;
  if (!d.headSha || d.lastPushed !== d.headSha || d.pushError) return false;
  return d.pr === undefined || (d.pr.state === "closed" && d.pr.headSha !== d.headSha && job.stage !== "failed");
}

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

/**
 * Reads a pull request again (the webhook route calls this for `pull_request`, `check_suite` and
 * `pull_request_review`; the poll for every open PR) and records what the forge says now: a PR
 * merged on the forge ships its job (the merge SHA recorded), one closed unmerged cancels it.
 * Returns the job after the write, or undefined when no job holds that PR.
 */
export async function refreshPullRequest(ctx: CoordinatorContext, pr: { owner: string; repo: string; number: number }): Promise<JobRecord | undefined> {
  const job = await jobHoldingPullRequest(ctx, pr);
  if (!job) return undefined;
  return refreshAndAutoMerge(ctx, job);
}

/** The webhook's and the poll's read: the record, then the merge of a review-policy auto job whose gate is clean. */
async function refreshAndAutoMerge(ctx: CoordinatorContext, job: JobRecord): Promise<JobRecord | undefined> {
  const read = await refreshJobPullRequest(ctx, job);
  return read ? ((await autoMergeIfClean(ctx, read)) ?? read) : undefined;
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
  if (job.manifest["review-policy"] !== "auto" || job.stage !== "testing" || job.followUpOf || !d || !pr || pr.error || gateOf(pr, d)) return undefined;
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

/** refreshPullRequest for a job already read. */
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
 * The job that holds PR owner/repo#number, among the jobs where a PR matters (review, testing,
 * failed). One store query: a webhook for someone else's PR costs one read that finds nothing.
 */
export async function jobHoldingPullRequest(ctx: CoordinatorContext, pr: { owner: string; repo: string; number: number }): Promise<JobRecord | undefined> {
  const page = await ctx.store.listJobs({ stage: [...OPEN_IN], pullRequest: pr }, undefined, 5);
  // Tasks and follow-ups never hold a PR; were two jobs ever recorded with one, the latest wins.
  return page.items.find((j) => !j.task && j.delivery?.mode === "pr");
}

const SCAN_PAGE = 200;
const SCAN_PAGES = 25;

/** `pr` jobs in these stages (a bounded scan: review and testing hold the jobs waiting for a person). */
export async function* jobsWithPullRequests(ctx: CoordinatorContext, stages: readonly Stage[]): AsyncGenerator<JobRecord> {
  let cursor: string | undefined;
  for (let page = 0; page < SCAN_PAGES; page++) {
    const res = await ctx.store.listJobs({ stage: [...stages] }, cursor, SCAN_PAGE);
    for (const job of res.items) if (job.delivery?.mode === "pr") yield job;
    if (!res.nextCursor) return;
    cursor = res.nextCursor;
  }
}

/**
 * The poll (a sweeper step, every FLEET_GITHUB_POLL_MS): opens the PRs still due (a failed open is
 * retried here) and reads again the open PRs not read for a poll period, oldest first, at most
 * `max` forge reads per sweep.
 */
export async function pollPullRequests(ctx: CoordinatorContext, max = 20): Promise<{ opened: number; refreshed: number }> {
  const every = ctx.forge?.pollMs ?? 0;
  if (every <= 0 || !ctx.forge?.adapters.some((a) => a.pulls)) return { opened: 0, refreshed: 0 };
  const now = ctx.now();
  // The sweep runs every few seconds; the scan of review and testing, four times a poll period.
  const clock = ctx.forge.pollClock;
  if (clock) {
    if (now - clock.lastScanAt < every / 4) return { opened: 0, refreshed: 0 };
    clock.lastScanAt = now;
  }
  const due: JobRecord[] = [];
  const stale: JobRecord[] = [];
  for await (const job of jobsWithPullRequests(ctx, LIVE)) {
    // Paced by the job's last write too: a failed open or read (recorded) waits a period before the next try.
    const quiet = now - job.updatedAt >= every;
    if (pullRequestDue(ctx, job)) {
      if (quiet) due.push(job);
    } else if (job.delivery?.pr?.state === "open" && LIVE.includes(job.stage) && quiet && now - job.delivery.pr.refreshedAt >= every) stale.push(job);
  }
  stale.sort((a, b) => a.delivery!.pr!.refreshedAt - b.delivery!.pr!.refreshedAt);
  let opened = 0;
  let refreshed = 0;
  // One job's trouble (a store conflict storm, the review loop) does not stop the others.
  const each = async (job: JobRecord, fn: (ctx: CoordinatorContext, job: JobRecord) => Promise<JobRecord | undefined>) =>
    fn(ctx, job).catch((err: unknown) => {
      log.warn({ err, jobId: job.id }, "pull request poll failed for a job");
      return undefined;
    });
  for (const job of due.slice(0, max)) if (await each(job, openPullRequestIfDue)) opened++;
  for (const job of stale.slice(0, Math.max(0, max - due.length))) if (await each(job, refreshAndAutoMerge)) refreshed++;
  return { opened, refreshed };
}

// ---- pieces ---------------------------------------------------------------------------------------

/**
 * The review loop's hook after an open or a merge, whose own write has landed: a failure there is
 * logged, not thrown (an open is part of a completion, a merge has happened on the forge). A
 * refresh lets it throw: its caller (the webhook route, the poll) decides.
 */
async function reviewLoop(ctx: CoordinatorContext, job: JobRecord, before: PullRequestRecord | undefined): Promise<void> {
  await afterPullRequestChange(ctx, job, before).catch((err: unknown) => log.warn({ err, jobId: job.id }, "the review loop failed after a pull request write"));
}

/** The latest failed open of the job's PR (its pr_failed event), if any. */
async function lastOpenFailure(ctx: CoordinatorContext, jobId: string): Promise<{ reason: string; message: string } | undefined> {
  const events = await ctx.store.readEvents(jobId, 0, 1000);
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.type === "delivery:pr_opened") return undefined;
    if (e.type === "delivery:pr_failed" && (e.data as { action?: string }).action === "open") return e.data as { reason: string; message: string };
  }
  return undefined;
}

interface Refusal {
  reason: string;
  message: string;
}

/** Why the coordinator will not ask the forge to merge this PR now, or undefined. */
export function gateOf(pr: PullRequestRecord, d: JobDelivery): Refusal | undefined {
  const n = `PR #${pr.number}`;
  if (pr.state !== "open") return { reason: pr.state === "merged" ? "merged" : "closed", message: `${n} is ${pr.state}` };
  if (pr.draft) return { reason: "draft", message: `${n} is a draft (verify has not passed): mark it ready for review on the forge, or run the job again` };
  if (d.headSha && pr.headSha !== d.headSha) return { reason: "head_moved", message: `${n}'s head is ${pr.headSha.slice(0, 12)}, not the job's ${d.headSha.slice(0, 12)}: someone pushed to ${d.branch}` };
  if (pr.mergeable === false || pr.mergeableState === "dirty") return { reason: "conflict", message: `${n} conflicts with its base branch` };
  if (pr.checks === "failing") return { reason: "checks_failing", message: `checks are failing on ${n}` };
  if (pr.checks === "pending") return { reason: "checks_pending", message: `checks are still running on ${n}` };
  if (pr.review === "changes_requested") return { reason: "changes_requested", message: `a reviewer requested changes on ${n}` };
  return undefined;
}

function refusalOf(e: unknown): Refusal {
  if (isForgeError(e)) return { reason: e.reason, message: e.message };
  return { reason: "unavailable", message: e instanceof Error ? e.message : String(e) };
}

function recordOf(t: PullRequestTarget, pr: ForgePullRequest, at: number, before?: PullRequestRecord): PullRequestRecord {
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

function differs(a: PullRequestRecord, b: PullRequestRecord): boolean {
  return (["state", "draft", "headSha", "mergeable", "mergeableState", "checks", "review", "mergeSha"] as const).some((k) => a[k] !== b[k]);
}

/** A refused merge: the reason on pr.error (same stage, the UI shows it) and a pr_failed event. */
async function recordRefusal(ctx: CoordinatorContext, job: JobRecord, r: Refusal): Promise<void> {
  const at = ctx.now();
  await writeWithRetry(ctx, job.id, (fresh) => {
    const pr = fresh.delivery?.pr;
    if (!pr) return undefined;
    return {
      to: fresh.stage,
      patch: { delivery: { ...fresh.delivery!, pr: { ...pr, error: redactDeep({ reason: r.reason, message: r.message }) } } },
      events: [jobEvent("delivery:pr_failed", at, { action: "merge", branch: fresh.delivery!.branch, number: pr.number, ...redactDeep(r) })],
    };
  }).catch((err: unknown) => log.warn({ err, jobId: job.id }, "could not record the refused merge"));
}

/** An open or read that failed: an event (the poll tries again), and on a recorded PR its error. */
async function recordFailure(ctx: CoordinatorContext, job: JobRecord, action: "open" | "refresh", e: unknown): Promise<void> {
  const r = refusalOf(e);
  log.warn({ jobId: job.id, reason: r.reason, action }, `pull request ${action} failed: ${r.message}`);
  const at = ctx.now();
  // Always written (the job's updatedAt paces the poll's next try); the event once per distinct failure,
  // so a poll retrying through an outage does not flood the timeline.
  await writeWithRetry(ctx, job.id, (fresh) => {
    const d = fresh.delivery!;
    const last = d.pr?.error;
    const repeated = action === "refresh" && last?.reason === r.reason && last.message === redactDeep(r).message;
    const patch: JobPatch | undefined = d.pr ? { delivery: { ...d, pr: { ...d.pr, error: redactDeep(r) } } } : undefined;
    const events = repeated ? [] : [jobEvent("delivery:pr_failed", at, { action, branch: d.branch, ...(d.pr ? { number: d.pr.number } : {}), ...redactDeep(r) })];
    return { to: fresh.stage, ...(patch ? { patch } : {}), events };
  }).catch((err: unknown) => log.warn({ err, jobId: job.id }, "could not record the pull request failure"));
}

interface Write {
  to: Stage;
  patch?: JobPatch;
  events: JobEvent[];
  cause?: string;
}

/**
 * One moveJob on the job as read now; on a version conflict (another write landed first) the job
 * is read again and `decide` asked again (undefined: nothing to write any more).
 */
async function writeWithRetry(ctx: CoordinatorContext, jobId: string, decide: (job: JobRecord) => Write | undefined): Promise<{ job: JobRecord; before: PullRequestRecord | undefined } | undefined> {
  for (let tries = 0; tries < WRITE_TRIES; tries++) {
    const job = await ctx.store.getJob(jobId);
    if (!job?.delivery) return undefined;
    const w = decide(job);
    if (!w) return undefined;
    try {
      const moved = await moveJob(ctx, job, w.to, { by: "coordinator", ...(w.cause ? { cause: w.cause } : {}), ...(w.patch ? { patch: w.patch } : {}), events: w.events });
      return { job: moved, before: job.delivery.pr };
    } catch (e) {
      if (!isStoreError(e, "conflict") && !isStoreError(e, "illegal_transition")) throw e;
    }
  }
  return undefined;
}

/** What the pull request's body says about the job: its latest attempt's verify, scope, engine and factory. */
async function summaryOf(ctx: CoordinatorContext, job: JobRecord): Promise<PullRequestSummary> {
  const runs = await ctx.store.listRuns(job.id);
  const last: RunRecord | undefined = [...runs].reverse().find((r) => r.outcome === "succeeded") ?? runs[runs.length - 1];
  const verify: PullRequestSummary["verify"] = last?.verify ? (last.verify.passed ? "passed" : "failed") : job.manifest.verify ? "pending" : "none";
  const scope = last?.scope;
  const factory = last ? ((await ctx.store.getFactory(last.factoryId))?.name ?? last.factoryId) : "—";
  const base = (ctx.forge?.publicUrl ?? "http://localhost:3000").replace(/\/$/, "");
  return {
    jobId: job.id,
    // What leaves for the forge passes the same redaction as the job's logs.
    title: redactDeep(job.title),
    prompt: redactDeep(job.body),
    verify,
    scope: scope
      ? [`${scope.changed.length} file${scope.changed.length === 1 ? "" : "s"} changed`, ...(scope.outOfScope.length ? [`outside allowed-scope: ${scope.outOfScope.join(", ")}`] : [])]
      : [],
    ...(job.cost.usd > 0 ? { costUsd: job.cost.usd } : {}),
    engine: last?.engine ?? job.manifest.engine ?? "—",
    factory,
    jobUrl: `${base}/jobs/${job.id}`,
    ...issueOf(ctx, job),
  };
}

/** `Closes #N` when the job came from an issue of the PR's own repository (the tracker intake sets tracker-item). */
function issueOf(ctx: CoordinatorContext, job: JobRecord): { issueNumber?: number } {
  const item = job.manifest["tracker-item"];
  const p = item ? parseTrackerItem(item) : undefined;
  const ref = pullRequestTarget(ctx, job)?.ref;
  if (!p?.ok || p.ref.tracker !== "github" || !ref) return {};
  return p.ref.owner.toLowerCase() === ref.owner.toLowerCase() && p.ref.repo.toLowerCase() === ref.repo.toLowerCase() ? { issueNumber: p.ref.number } : {};
}

import "server-only";
import type { Stage } from "@/lib/types";
import { log } from "@/server/log";
import type { JobRecord } from "@/server/store/records";
import type { CoordinatorContext } from "../context";
import { openPullRequestIfDue } from "./open";
import { refreshJobPullRequest } from "./refresh";
import { autoMergeIfClean } from "./ship";
import { LIVE, OPEN_IN, pullRequestDue } from "./target";

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

import "server-only";
import type { Stage } from "@/lib/types";
import type { JobPatch } from "@/server/store/port";
import type { JobRecord } from "@/server/store/records";
import { isStoreError } from "@/server/store/errors";
import { afterAttemptEnd } from "./attempt-end";
import type { CoordinatorContext } from "./context";
import { afterMoveTracker } from "./tracker-sync";
import { unmetDepsOf } from "./deps";
import { settleFollowUps } from "./follow-up-settle";
import { jobEvent, stageChanged, type JobEvent } from "./events";
import { pendingForBlocked } from "./policies/deps";

/**
 * The one way the coordinator moves a job to another stage (operators' actions, budget pauses,
 * dependency promotion and blocking, reclaims of an offline factory, preemption, the agent's
 * "engine started"). One conditional write on the job version it was read at: the stage, the patch,
 * the caller's events and the `stage:changed` event land together or not at all (store
 * transitionStage). A refused write (the job moved meanwhile: `conflict`, `illegal_transition`) is
 * thrown unchanged for the caller to decide; nothing after the write runs then.
 *
 * `to` equal to the job's stage records without moving (an approval that does not ship yet): a
 * same-stage patchJob with the events, no `stage:changed`.
 *
 * The three lease operations (claim, complete, reap) change the stage inside the store's own fenced
 * write (claimJob, completeAttempt, reapExpiredLeases); their follow-ups run through `afterMove` too.
 * No other code calls transitionStage (move-job.source.test.ts).
 */
export interface MoveOptions {
  /** who moved it: a user or token id, `factory:<id>`, `sweeper`, `scheduler`, `coordinator` */
  by: string;
  /** why, for the timeline (default: lib/stages transitionCause of the hop) */
  cause?: string;
  /** the stages the job may be in when written (default: the stage it was read in) */
  from?: Stage[];
  patch?: JobPatch;
  /** written in the same atomic write, before the `stage:changed` event */
  events?: JobEvent[];
}

export async function moveJob(ctx: CoordinatorContext, job: JobRecord, to: Stage, opts: MoveOptions): Promise<JobRecord> {
  const now = ctx.now();
  const from = opts.from ?? [job.stage];
  const events = [...(opts.events ?? [])];
  let moved: JobRecord;
  if (to === job.stage) {
    moved = await ctx.store.patchJob(job.id, { from, expectedVersion: job.version, now, patch: opts.patch ?? {}, events });
  } else {
    events.push(stageChanged(job.stage, to, now, opts.by, opts.cause));
    moved = await ctx.store.transitionStage(job.id, { from, to, expectedVersion: job.version, now, ...(opts.patch ? { patch: opts.patch } : {}), events });
  }
  await afterMove(ctx, moved, { from: job.stage, cause: opts.cause ?? "" });
  return moved;
}

/**
 * What follows every written stage change, in one place: the in-process wake-ups (a hint; other
 * instances poll the store), a dead-lettered job's diagnostics and alert, and the dependents, whose
 * blocked state follows each stage change of their dependency (deps.ts).
 */
export async function afterMove(ctx: CoordinatorContext, job: JobRecord, change: { from: Stage; cause: string }): Promise<void> {
  ctx.notifier.jobChanged(job.id);
  // Also without a stage change: a completed cancelled lease frees a requeued job and its lock.
  if (job.stage === "queued") ctx.notifier.jobQueued();
  // Before the stage check: a PR opened is a same-stage patch, and a milestone all the same.
  await afterMoveTracker(ctx, job);
  if (job.stage === change.from) return;
  if (job.stage === "dead_letter") await afterAttemptEnd(ctx, job, change.cause);
  if (job.delivery?.followUps?.length) await settleFollowUps(ctx, job, moveJob);
  await promoteDependents(ctx, job.id);
}

/**
 * Dependents follow every stage change of their dependency, in the same request that moved it (the
 * sweeper's re-check of blocked jobs is only the safety net for another instance's misses):
 *   - every dependency met        → blocked → queued, claimers woken
 *   - a dependency failed/cancelled/dead-lettered or requeued → the blocked job's reasons say so
 *   - a queued (not yet claimed) job whose dependency fell back (rejected in testing) → blocked
 * Each is a moveJob of the dependent, so the chain follows down the graph (cycles are refused at
 * submit, and a same-stage refresh does not recurse).
 */
export async function promoteDependents(ctx: CoordinatorContext, jobId: string): Promise<number> {
  let promoted = 0;
  for (const dependent of await refreshDependents(ctx, jobId)) {
    if (await promoteIfReady(ctx, dependent)) promoted++;
  }
  return promoted;
}

export async function promoteIfReady(ctx: CoordinatorContext, job: JobRecord): Promise<boolean> {
  const unmet = await unmetDepsOf(ctx, job.deps, job.depKeys);
  if (unmet.length > 0) return false;
  try {
    const moved = await moveJob(ctx, job, "queued", {
      by: "coordinator",
      from: ["blocked"],
      patch: { blockedReasons: [], pendingReason: null },
      events: [jobEvent("job:unblocked", ctx.now(), { deps: job.deps })],
    });
    return moved.stage === "queued";
  } catch {
    // Another instance (or an operator) moved it first; the sweeper's safety net re-checks later.
    return false;
  }
}

/** Re-derives each dependent's blocked state; returns the dependents whose reasons are now empty. */
export async function refreshDependents(ctx: CoordinatorContext, jobId: string): Promise<JobRecord[]> {
  const ready: JobRecord[] = [];
  for (const dependent of await ctx.store.listDependents(jobId)) {
    if (dependent.stage !== "blocked" && !(dependent.stage === "queued" && dependent.lease === undefined)) continue;
    const reasons = await unmetDepsOf(ctx, dependent.deps, dependent.depKeys);
    if (reasons.length === 0) {
      if (dependent.stage === "blocked") ready.push(dependent);
      continue;
    }
    if (dependent.stage === "blocked" && sameList(reasons, dependent.blockedReasons)) continue;
    try {
      await moveJob(ctx, dependent, "blocked", {
        by: "coordinator",
        patch: { blockedReasons: reasons, pendingReason: pendingForBlocked(reasons) },
        events: [jobEvent("deps:changed", ctx.now(), { blockedReasons: reasons })],
      });
    } catch (e) {
      // Moved meanwhile (claimed, cancelled, another instance refreshed it): its next change re-checks.
      if (!isStoreError(e, "conflict") && !isStoreError(e, "illegal_transition")) throw e;
    }
  }
  return ready;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

import "server-only";
import { log } from "@/server/log";
import { alertStep } from "@/server/alerts";
import { retentionStep } from "@/server/retention";
import { raiseStallAlerts } from "./alerts";
import { enforceWallBudgets } from "./budgets";
import { decideExpired } from "./completion";
import type { CoordinatorContext } from "./context";
import { markOfflineFactories } from "./factories";
import { jobEvent } from "./events";
import { afterMove, promoteIfReady } from "./move-job";
import { maybePreempt } from "./placement/preemption";
import { pollPullRequests } from "./pull-requests";
import { trackerPollStep } from "./tracker-poll";
import { trackerSyncStep } from "./tracker-sync";

/**
 * One sweep: reap expired leases (their jobs go where `decideExpired` says), mark silent factories
 * offline, and re-check blocked jobs (a safety net for promotions another instance missed).
 * Idempotent across instances: the store reaps each lease once, and every other step is a
 * conditional write.
 */
export async function sweepOnce(ctx: CoordinatorContext): Promise<{ reaped: number; offline: number; promoted: number }> {
  const now = ctx.now();
  const jitter = ctx.policy.jitter;
  const reaped = await ctx.store.reapExpiredLeases(now, (job) => decideExpired(job, now, jitter));
  for (const r of reaped) {
    ctx.metrics.leasesExpired.inc();
    // The reap itself is the stage change (the store's fenced write); `to` says where the job went.
    await ctx.store.appendEvents(r.jobId, [jobEvent("lease:expired", now, { leaseId: r.leaseId, epoch: r.epoch, to: r.stage })]);
    const job = await ctx.store.getJob(r.jobId);
    // The job left a leased stage (or, for a cancelled lease, keeps the operator's: then only the
    // wake-up matters, its lease and lock are free now).
    if (job) await afterMove(ctx, job, { from: "assigned", cause: "the lease was lost; retries exhausted or the lease-loss bound reached" });
  }
  if (reaped.length > 0) ctx.notifier.jobQueued();
  const offline = await markOfflineFactories(ctx);
  let promoted = 0;
  const blocked = await ctx.store.listJobs({ stage: "blocked" }, undefined, 100);
  for (const job of blocked.items) if (await promoteIfReady(ctx, job)) promoted++;
  // A critical job that no free station can take may displace a low one (bounded, see preemption.ts).
  await maybePreempt(ctx, now);
  await enforceWallBudgets(ctx);
  await raiseStallAlerts(ctx);
  ctx.redactors.prune(ctx.leaseTtlMs * 4);
  // The forge's pull requests (a webhook's fallback): bounded per sweep, a forge outage only logged.
  await pollPullRequests(ctx).catch((err: unknown) => log.warn({ err }, "pull request poll failed; retrying next sweep"));
  // Last, and on its own: a sink that is down must not hold back the rest of the sweep.
  await trackerSyncStep(ctx).catch((err: unknown) => log.warn({ err }, "tracker write-back step failed; retrying next sweep"));
  await trackerPollStep(ctx).catch((err: unknown) => log.warn({ err }, "tracker poll failed; retrying next sweep"));
  await alertStep(ctx).catch((err: unknown) => log.warn({ err }, "alert step failed; retrying next sweep"));
  await retentionStep(ctx)
    .then((r) => {
      if (r.logs.length || r.events.length) log.info({ logsOf: r.logs.length, eventsOf: r.events.length }, "retention pruned terminal jobs");
    })
    .catch((err: unknown) => log.warn({ err }, "retention step failed; retrying next sweep"));
  return { reaped: reaped.length, offline: offline.length, promoted };
}

/** Runs `sweepOnce` every `everyMs` until stopped; a failed sweep is logged and the next one runs. */
export function startSweeper(ctx: CoordinatorContext, everyMs: number): { stop(): void } {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweepOnce(ctx)
      .then((r) => {
        if (r.reaped || r.offline || r.promoted) log.info(r, "sweep");
      })
      .catch((err) => log.warn({ err }, "sweep failed; retrying next period"))
      .finally(() => {
        running = false;
      });
  }, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

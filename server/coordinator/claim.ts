import "server-only";
import type { ClaimRequest, ClaimResponse, Station } from "@/lib/protocol";
import { FleetError } from "@/server/errors";
import type { FactoryRecord } from "@/server/store/records";
import { chooseJobs } from "./choose-job";
import { noteGrant } from "./metrics-notes";
import type { CoordinatorContext } from "./context";
import { newLeaseId } from "./ids";
import { jobEvent, stageChanged } from "./events";
import { WakeLatch } from "./notifier";
import { maybePreempt } from "./placement/preemption";
import { remainingForClaim } from "./policies/budget";
import { runVersionsOf } from "./run-versions";
import { claimDeliveryOf } from "./delivery";


/**
 * The claim long poll: rank what this factory can run (choose-job.ts), try each placement with one
 * conditional grant (store claimJob, its events in the same write), wait on the queue's wake-up or
 * the poll period, and preempt when nothing fits. The fenced writes that follow are leases.ts.
 */

export async function claim(
  ctx: CoordinatorContext,
  factory: FactoryRecord,
  req: ClaimRequest,
  signal?: AbortSignal,
): Promise<ClaimResponse | undefined> {
  if (req.factoryId !== factory.id) throw new FleetError("forbidden", "a factory may only claim for itself");
  const started = ctx.now();
  const deadline = started + (req.waitMs ?? 0);
  // Subscribe before the first look, so a job queued between the look and the wait is not missed.
  const latch = new WakeLatch();
  const unsubscribe = ctx.notifier.onQueued(() => latch.fire());
  try {
    for (;;) {
      latch.reset();
      const roundStarted = performance.now();
      const granted = await tryClaim(ctx, factory, req.free);
      if (granted) {
        // Only the round that granted: the long poll's idle time is not assignment latency.
        ctx.metrics.assignLatency.observe((performance.now() - roundStarted) / 1000);
        ctx.metrics.observeClaim((ctx.now() - started) / 1000);
        return granted;
      }
      if (latch.fired) continue;
      const remaining = deadline - ctx.now();
      if (remaining <= 0 || signal?.aborted) return undefined;
      await latch.wait(Math.min(ctx.pollMs, remaining), signal);
      if (signal?.aborted) return undefined;
      // The factory may have been drained or revoked meanwhile.
      factory = (await ctx.store.getFactory(factory.id)) ?? factory;
    }
  } finally {
    unsubscribe();
  }
}

async function tryClaim(ctx: CoordinatorContext, factory: FactoryRecord, free: readonly Station[]): Promise<ClaimResponse | undefined> {
  // A pending factory (awaiting approval) gets no work, like a drained or revoked one.
  if (factory.status === "draining" || factory.status === "revoked" || factory.status === "pending") return undefined;
  const settings = await ctx.settings.get();
  if (settings.killSwitch.on) return undefined;
  const now = ctx.now();
  const round = await chooseJobs(ctx, factory, free, now, ctx.claiming);
  for (const placement of round.placements) {
    const jobId = placement.jobId;
    // Jobs other claims of this context are taking right now are skipped instead of raced for.
    if (ctx.claiming.has(jobId)) continue;
    ctx.claiming.add(jobId);
    try {
      const decision = round.decide(placement);
      if (!decision) continue;
      const leaseId = newLeaseId(factory.id, jobId);
      const profile = placement.profile;
      const grant = await ctx.store.claimJob({
        jobId,
        // Conditional on the version the scheduler saw: a job changed since is re-read, not granted.
        expectedVersion: placement.revision,
        factoryId: factory.id,
        engine: placement.engine,
        leaseId,
        ttlMs: ctx.leaseTtlMs,
        now,
        decision: decision.onJob,
        ...(profile ? { profile } : {}),
        // What this attempt runs with, as the factory advertises it now (kept with the run).
        versions: runVersionsOf(factory.capabilities, placement.engine),
        // Recorded with the grant (one store round trip, one SQLite transaction), not appended after.
        events: (g) => [
          jobEvent("decision:made", now, decision.event),
          jobEvent("lease:granted", now, { leaseId, epoch: g.lease.epoch, factoryId: factory.id, engine: placement.engine, expiresAt: g.lease.expiresAt }),
          stageChanged("queued", g.job.stage, now, `factory:${factory.id}`),
        ],
      });
      if (!grant) {
        round.lost(jobId);
        continue;
      }
      round.won(jobId, now);
      ctx.metrics.leasesGranted.inc();
      noteGrant(ctx, grant.job, now);
      ctx.notifier.jobChanged(jobId);
      const remaining = remainingForClaim(grant.job.manifest.budget, grant.job.cost);
      // A delivery task needs its job's delivery record (one more read, for tasks only).
      const delivery = claimDeliveryOf(grant.job, grant.job.task ? await ctx.store.getJob(grant.job.task.of) : undefined);
      return {
        lease: {
          id: grant.lease.id,
          jobId,
          epoch: grant.lease.epoch,
          expiresAt: new Date(grant.lease.expiresAt).toISOString(),
          ttlMs: ctx.leaseTtlMs,
        },
        job: { id: jobId, title: grant.job.title, manifest: grant.job.manifest, ...(profile ? { profile } : {}) },
        prompt: grant.job.body,
        engine: placement.engine,
        ...(remaining ? { remaining } : {}),
        ...(delivery ? { delivery } : {}),
      };
    } finally {
      ctx.claiming.delete(jobId);
    }
  }
  // Nothing this factory can take: a critical job may still need a station someone else holds.
  await maybePreempt(ctx, now);
  return undefined;
}


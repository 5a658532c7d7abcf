import "server-only";
import { LEASED_STAGES } from "@/lib/stages";
import { findPreemption, PREEMPTED } from "@/server/scheduler";
import { isStoreError } from "@/server/store/errors";
import { log } from "@/server/log";
import type { CoordinatorContext } from "../context";
import { jobEvent } from "../events";
import { moveJob } from "../move-job";

/**
 * Preemption, run from the claim path (when a claim finds nothing) and from the sweeper, bounded:
 * at most `MAX_PER_PASS` leases cancelled per pass, one pass per `MIN_PASS_GAP_MS`, and one
 * preemption per critical job per lease period (the freed station is its to take; the victim's
 * engine needs a moment to stop).
 *
 * Cancelling is the operator's requeue, done by the scheduler: the victim goes back to `queued`
 * with its lease marked cancelled (renew answers 409 `cancelled`, the heartbeat lists it under
 * `cancel`), and since a cancelled lease's completion never counts an attempt, it loses none. Its
 * lease (and lock) stay held until the agent stops or the lease expires, as for any cancellation.
 */
const MAX_PER_PASS = 2;
const MIN_PASS_GAP_MS = 200;
const CRITICAL_CHECKED_PER_PASS = 20;

export async function maybePreempt(ctx: CoordinatorContext, now: number): Promise<number> {
  const svc = ctx.placement;
  if (now - svc.lastPreemptionPass < MIN_PASS_GAP_MS) return 0;
  svc.lastPreemptionPass = now;
  try {
    return await preemptionPass(ctx, now);
  } catch (err) {
    // Best effort: the next pass tries again; a claim must not fail because preemption did.
    log.warn({ err }, "preemption pass failed");
    return 0;
  }
}

export async function preemptionPass(ctx: CoordinatorContext, now: number): Promise<number> {
  const svc = ctx.placement;
  const snapshot = await svc.source.snapshot(now);
  let checked = 0;
  let done = 0;
  for (const job of snapshot.jobs) {
    if (job.manifest.priority !== "critical" || job.stage !== "queued") continue;
    if (++checked > CRITICAL_CHECKED_PER_PASS || done >= MAX_PER_PASS) break;
    const last = svc.preemptedFor.get(job.id);
    if (last !== undefined && now - last < ctx.leaseTtlMs) continue;
    const d = findPreemption(snapshot, job.id, { index: svc.index });
    if (d.kind !== "preempt") continue;
    const victim = await ctx.store.getJob(d.victimJobId);
    const lease = victim?.lease;
    if (!victim || !lease || lease.id !== d.leaseId || lease.cancelled || !LEASED_STAGES.includes(victim.stage)) continue;
    const cause = `preempted by ${job.id} (critical) on ${d.factoryName}`;
    try {
      await moveJob(ctx, victim, "queued", {
        by: "scheduler",
        cause,
        from: [...LEASED_STAGES],
        patch: { pendingReason: cause },
        events: [
          jobEvent("lease:preempted", now, { leaseId: lease.id, epoch: lease.epoch, factoryId: lease.factoryId, reason: PREEMPTED, by: job.id, detail: d.detail }),
        ],
      });
    } catch (e) {
      // The victim moved (completed, renewed, cancelled) between our read and our write: skip it.
      if (isStoreError(e, "conflict") || isStoreError(e, "illegal_transition")) continue;
      throw e;
    }
    await ctx.store.appendEvents(job.id, [jobEvent("preemption:made", now, d)]);
    svc.preemptedFor.set(job.id, now);
    svc.source.leaseEnded(lease.factoryId, lease.id);
    svc.pending.note(job.id, `preempted ${victim.id} (low) on ${d.factoryName}; waiting for its station`, now);
    ctx.notifier.jobChanged(job.id);
    done++;
  }
  for (const [id, at] of svc.preemptedFor) if (now - at >= ctx.leaseTtlMs) svc.preemptedFor.delete(id);
  return done;
}

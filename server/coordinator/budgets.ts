import "server-only";
import { LEASED_STAGES } from "@/lib/stages";
import { isStoreError } from "@/server/store/errors";
import type { JobRecord } from "@/server/store/records";
import { alertEvent } from "./alerts";
import type { CoordinatorContext } from "./context";
import { jobEvent } from "./events";
import { moveJob } from "./move-job";
import { budgetBreaches, spendOf } from "./policies/budget";

/**
 * Budget enforcement while an attempt runs. Cost events add to the job as they arrive (the lease's
 * running total, idempotent: store JobPatch.liveCost); wall time counts the running attempt. When
 * a ceiling is reached the job moves to `paused` in one conditional write, which marks its lease
 * cancelled: the agent's next heartbeat lists the lease under `cancel`, and its next renew gets 409
 * `cancelled`. A `budget:exceeded` event and an `alert:raised` follow.
 */
const CAS_TRIES = 4;

/** Re-adds the lease's cost events to the job and pauses it if a ceiling is now reached. */
export async function recordLiveCost(ctx: CoordinatorContext, jobId: string, leaseId: string): Promise<void> {
  for (let i = 0; i < CAS_TRIES; i++) {
    const job = await ctx.store.getJob(jobId);
    if (!job || job.lease?.id !== leaseId) return;
    const total = { usd: 0, tokensIn: 0, tokensOut: 0 };
    for (const e of await ctx.store.readEvents(jobId, 0, 100_000)) {
      if (e.type !== "run:cost" || e.leaseId !== leaseId) continue;
      const d = e.data as { usd?: number; tokensIn?: number; tokensOut?: number };
      total.usd += d.usd ?? 0;
      total.tokensIn += d.tokensIn ?? 0;
      total.tokensOut += d.tokensOut ?? 0;
    }
    try {
      // A same-stage write: never a stage change, never cancels the lease.
      const moved = await ctx.store.patchJob(jobId, {
        from: [job.stage],
        expectedVersion: job.version,
        now: ctx.now(),
        patch: { liveCost: { leaseId, cost: total } },
      });
      await enforceBudget(ctx, moved);
      return;
    } catch (e) {
      // A renew or stage change landed in between: read again and re-apply the (absolute) total.
      if (!isStoreError(e, "conflict") && !isStoreError(e, "illegal_transition")) throw e;
    }
  }
}

/** Pauses a leased job that has reached a ceiling (wall counts the running attempt). */
export async function enforceBudget(ctx: CoordinatorContext, job: JobRecord): Promise<boolean> {
  if (!job.lease || job.lease.cancelled || !LEASED_STAGES.includes(job.stage)) return false;
  const now = ctx.now();
  const breaches = budgetBreaches(job.manifest.budget, spendOf(job.cost, now - job.lease.grantedAt));
  if (breaches.length === 0) return false;
  return pauseForBudget(ctx, job, breaches);
}

export async function pauseForBudget(ctx: CoordinatorContext, job: JobRecord, breaches: string[]): Promise<boolean> {
  const now = ctx.now();
  const reason = `budget exceeded: ${breaches.join("; ")}`;
  try {
    await moveJob(ctx, job, "paused", {
      by: "coordinator",
      cause: reason,
      patch: { pendingReason: reason },
      events: [jobEvent("budget:exceeded", now, { reason, breaches }), alertEvent("budget_exceeded", reason, now)],
    });
    return true;
  } catch (e) {
    // Moved meanwhile (completed, cancelled, another instance paused it): the next check decides.
    if (isStoreError(e, "conflict") || isStoreError(e, "illegal_transition")) return false;
    throw e;
  }
}

/** Sweeper step: wall-time ceilings of every running attempt. */
export async function enforceWallBudgets(ctx: CoordinatorContext): Promise<number> {
  let n = 0;
  let cursor: string | undefined;
  do {
    const page = await ctx.store.listJobs({ stage: [...LEASED_STAGES] }, cursor, 200);
    for (const j of page.items) if (j.manifest.budget.wall !== undefined && (await enforceBudget(ctx, j))) n++;
    cursor = page.nextCursor;
  } while (cursor);
  return n;
}

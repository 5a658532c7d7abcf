import "server-only";
import { LEASED_STAGES } from "@/lib/stages";
import { isStoreError } from "@/server/store/errors";
import { FleetError } from "@/server/errors";
import type { Cost, EventRecord, JobRecord } from "@/server/store/records";
import { alertEvent } from "./alerts";
import type { CoordinatorContext } from "./context";
import { jobEvent } from "./events";
import { moveJob } from "./move-job";
import { budgetBreaches, spendOf } from "./policies/budget";

/**
 * Budget enforcement while an attempt runs. Cost events add to the job as they arrive (the lease's
 * running total, idempotent: store JobPatch.liveCost with the agent seq it counts through); wall time counts the running attempt. When
 * a ceiling is reached the job moves to `paused` in one conditional write, which marks its lease
 * cancelled: the agent's next heartbeat lists the lease under `cancel`, and its next renew gets 409
 * `cancelled`. A `budget:exceeded` event and an `alert:raised` follow.
 */
const CAS_TRIES = 4;

/** A stored `run:cost` event of one lease: its agent seq and what it reported. */
export type CostEvent = Pick<EventRecord, "agentSeq" | "data">;

/**
 * Adds a batch's cost events to the lease's running total on the job and pauses the job if a
 * ceiling is now reached. The total carries the highest agent seq it counts (liveCost.throughSeq):
 * the agent sends its events in seq order and re-sends a failed batch with the same seqs, so an
 * event at or below it is counted already. Pass the records the store returned (a repeated event:
 * the stored one), so what counts is what is stored. No read of the event log.
 */
export async function recordLiveCost(ctx: CoordinatorContext, jobId: string, leaseId: string, costs: CostEvent[]): Promise<void> {
  for (let i = 0; i < CAS_TRIES; i++) {
    const job = await ctx.store.getJob(jobId);
    if (!job || job.lease?.id !== leaseId) return;
    const live = job.liveCost?.leaseId === leaseId ? job.liveCost : undefined;
    const { cost: total, throughSeq } = addCostEvents(live?.cost, live?.throughSeq ?? 0, costs);
    if (live && throughSeq === (live.throughSeq ?? 0)) {
      // every event counted already (a re-sent batch): no write, the ceiling check still runs
      await enforceBudget(ctx, job);
      return;
    }
    try {
      // A same-stage write: never a stage change, never cancels the lease.
      const moved = await ctx.store.patchJob(jobId, {
        from: [job.stage],
        expectedVersion: job.version,
        now: ctx.now(),
        patch: { liveCost: { leaseId, cost: total, throughSeq } },
      });
      await enforceBudget(ctx, moved);
      return;
    } catch (e) {
      // A renew or stage change landed in between: read again and add what is still new.
      if (!isStoreError(e, "conflict") && !isStoreError(e, "illegal_transition")) throw e;
    }
  }
  // Left uncounted, these events would never count (the next batch adds only later seqs): the agent
  // re-sends the batch on a 503, its events are already stored, and their cost is added then.
  throw new FleetError("busy", `job ${jobId} changed ${CAS_TRIES} times while its cost was recorded`, { retryAfterMs: 250 });
}

/** The lease's total after `costs`: each event above `afterSeq` once, in seq order. */
function addCostEvents(prev: Partial<Cost> | undefined, afterSeq: number, costs: CostEvent[]): { cost: Cost; throughSeq: number } {
  const total = { usd: prev?.usd ?? 0, tokensIn: prev?.tokensIn ?? 0, tokensOut: prev?.tokensOut ?? 0, wallMs: prev?.wallMs ?? 0 };
  let throughSeq = afterSeq;
  for (const e of [...costs].sort((x, y) => (x.agentSeq ?? 0) - (y.agentSeq ?? 0))) {
    if (e.agentSeq === undefined || e.agentSeq <= throughSeq) continue;
    const d = e.data as { usd?: number; tokensIn?: number; tokensOut?: number };
    total.usd += d.usd ?? 0;
    total.tokensIn += d.tokensIn ?? 0;
    total.tokensOut += d.tokensOut ?? 0;
    throughSeq = e.agentSeq;
  }
  return { cost: total, throughSeq };
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

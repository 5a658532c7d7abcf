import "server-only";
import type { CompleteRequest } from "@/lib/protocol";
import type { JobRecord } from "@/server/store/records";
import type { CoordinatorContext } from "./context";
import { jobEvent } from "./events";

/**
 * A completion for a lease the sweeper already reaped (issue 17 §1): the agent finished while it
 * was cut off, and its outbox delivered the result after the lease expired. It is recorded as a
 * `run:late_result` event of that attempt, so a person sees what the attempt did, and it never
 * moves the job: the reaper already decided (queued again, or dead-lettered) and another attempt
 * may be running. Idempotent on (leaseId, LATE_RESULT_AGENT_SEQ): a replayed late result is one event.
 */
export const LATE_RESULT_AGENT_SEQ = -1;

/** The late result's answer, or undefined when the lease was not reaped (the caller's lease_lost stands). */
export async function recordLateResult(
  ctx: CoordinatorContext,
  job: JobRecord,
  leaseId: string,
  body: CompleteRequest,
): Promise<{ stage: JobRecord["stage"]; duplicate: boolean; late: true } | undefined> {
  const runs = await ctx.store.listRuns(job.id);
  const run = runs.find((r) => r.leaseId === leaseId && r.epoch === body.epoch);
  // Only an attempt the sweeper ended: a lease that was never granted, or a wrong epoch, stays refused.
  if (!run || run.endedBy !== "lease_expired") return undefined;
  const now = ctx.now();
  const data = {
    epoch: body.epoch,
    outcome: body.outcome,
    exitCode: body.exitCode ?? null,
    ...(body.verify ? { verifyPassed: body.verify.passed } : {}),
    stage: job.stage,
  };
  // No fence: the lease is gone by definition. The store answers a repeated key with the stored event.
  const [stored] = await ctx.store.appendEvents(job.id, [jobEvent("run:late_result", now, data, { leaseId, agentSeq: LATE_RESULT_AGENT_SEQ })]);
  const duplicate = stored !== undefined && stored.at !== now;
  if (!duplicate) ctx.notifier.jobChanged(job.id);
  return { stage: job.stage, duplicate, late: true };
}

import "server-only";
import type { CoordinatorContext } from "../context";
import { requireJob } from "../jobs";
import { slaOf } from "../sla";
import { jobView } from "../views";
import { explainWaiting } from "./pending";

/**
 * The scheduler's side of the coordinator: the snapshot cache and claim-round state (service.ts),
 * pending explanations (pending.ts) and preemption (preemption.ts). The claim itself is in
 * ../choose-job.ts and ../leases.ts.
 */
export { PlacementService } from "./service";
export { explainWaiting, withPendingReasons, WAITING_STAGES, type PendingView } from "./pending";
export { maybePreempt, preemptionPass } from "./preemption";
export { noteAttemptEnd } from "./outcomes";

/** GET /jobs/{id}: the job, and for a waiting job why it waits (`pending`, computed now). */
export async function getJobExplained(ctx: CoordinatorContext, id: string) {
  const job = await requireJob(ctx, id);
  const runs = await ctx.store.listRuns(id);
  const view = jobView(job, { body: true, runs, sla: { targets: await slaOf(ctx), now: ctx.now() }, forge: ctx.forge });
  const pending = await explainWaiting(ctx, job);
  if (!pending) return view;
  return { ...view, pendingReason: view.pendingReason ?? pending.lastRound?.reason ?? pending.sentence, pending };
}

import "server-only";
import { log } from "@/server/log";
import { isFleetError } from "@/server/errors";
import type { JobRecord } from "@/server/store/records";
import type { NextStage } from "./completion";
import type { CoordinatorContext } from "./context";
import { queueShip, shipsThroughDelivery } from "./delivery";
import { AUTO_SHIP_BY, pullRequestTarget } from "./pull-requests";

/**
 * review-policy auto on a job whose commits were pushed (issue 15): the attempt leaves it in
 * testing (gates.ts stageAfterGreenVerify, `autoShip`) and the coordinator ships it the way Ship
 * would, so the code lands rather than only the stage moving:
 *
 *   plain git (no pull request) ─► the merge task is queued now; shipped when it has merged
 *   `delivery: pr` on a forge    ─► the PR is opened after the attempt; the webhook or poll merges
 *                                   it once the merge gate is clean (pull-requests/ship.ts autoMergeIfClean)
 *
 * A refusal (a task under way, nothing pushed) is logged and leaves the job in testing for a person.
 * A job whose changes touched protected paths (policies/protected-paths.ts) never gets here: it
 * stops in review; the check below holds that if a path ever leads here anyway.
 */
export async function autoShipAfterAttempt(ctx: CoordinatorContext, completed: JobRecord, next: Pick<NextStage, "autoShip">): Promise<void> {
  if (!next.autoShip) return;
  // Read again: the hooks after the completion's write may have written the job since.
  const job = await ctx.store.getJob(completed.id);
  if (!job || job.stage !== "testing" || job.task || job.protectedPaths?.length || pullRequestTarget(ctx, job) || !shipsThroughDelivery(job)) return;
  try {
    await queueShip(ctx, job, AUTO_SHIP_BY);
  } catch (err) {
    if (!isFleetError(err)) throw err;
    log.warn({ err, jobId: job.id }, "auto-ship could not queue the merge; the job waits in testing for a person");
  }
}

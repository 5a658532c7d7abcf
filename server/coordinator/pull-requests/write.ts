import "server-only";
import type { Stage } from "@/lib/types";
import { log } from "@/server/log";
import { isStoreError } from "@/server/store/errors";
import type { JobPatch } from "@/server/store/port";
import type { JobRecord, PullRequestRecord } from "@/server/store/records";
import type { CoordinatorContext } from "../context";
import type { JobEvent } from "../events";
import { moveJob } from "../move-job";
import { afterPullRequestChange } from "../review-loop";

const WRITE_TRIES = 5;

export interface Write {
  to: Stage;
  patch?: JobPatch;
  events: JobEvent[];
  cause?: string;
}

/**
 * One moveJob on the job as read now; on a version conflict (another write landed first) the job
 * is read again and `decide` asked again (undefined: nothing to write any more).
 */
export async function writeWithRetry(ctx: CoordinatorContext, jobId: string, decide: (job: JobRecord) => Write | undefined): Promise<{ job: JobRecord; before: PullRequestRecord | undefined } | undefined> {
  for (let tries = 0; tries < WRITE_TRIES; tries++) {
    const job = await ctx.store.getJob(jobId);
    if (!job?.delivery) return undefined;
    const w = decide(job);
    if (!w) return undefined;
    try {
      const moved = await moveJob(ctx, job, w.to, { by: "coordinator", ...(w.cause ? { cause: w.cause } : {}), ...(w.patch ? { patch: w.patch } : {}), events: w.events });
      return { job: moved, before: job.delivery.pr };
    } catch (e) {
      if (!isStoreError(e, "conflict") && !isStoreError(e, "illegal_transition")) throw e;
    }
  }
  return undefined;
}

/**
 * The review loop's hook after an open or a merge, whose own write has landed: a failure there is
 * logged, not thrown (an open is part of a completion, a merge has happened on the forge). A
 * refresh lets it throw: its caller (the webhook route, the poll) decides.
 */
export async function reviewLoop(ctx: CoordinatorContext, job: JobRecord, before: PullRequestRecord | undefined): Promise<void> {
  await afterPullRequestChange(ctx, job, before).catch((err: unknown) => log.warn({ err, jobId: job.id }, "the review loop failed after a pull request write"));
}

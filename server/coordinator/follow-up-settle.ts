import "server-only";
import type { Stage } from "@/lib/types";
import type { JobRecord } from "@/server/store/records";
import type { CoordinatorContext } from "./context";
import type { MoveOptions } from "./move-job";

/**
 * When the job that ships reaches the end, its review loop's follow-ups follow it (follow-ups.ts):
 * their commits went out with it, or not at all. Called by afterMove (move-job.ts), which hands in
 * moveJob so this file imports nothing that imports it back.
 *
 *   parent shipped   → a follow-up waiting in review/testing: shipped with it (its push is in the merge);
 *                      one still queued or running: cancelled (the branch it would push to is merged)
 *   parent cancelled → every unfinished follow-up: cancelled
 * Each move is a conditional write of the follow-up; one that moved meanwhile is left alone.
 */
const UNFINISHED: readonly Stage[] = ["queued", "blocked", "assigned", "building", "paused", "review", "testing"];

type Move = (ctx: CoordinatorContext, job: JobRecord, to: Stage, opts: MoveOptions) => Promise<JobRecord>;

export async function settleFollowUps(ctx: CoordinatorContext, parent: JobRecord, move: Move): Promise<void> {
  if (parent.stage !== "shipped" && parent.stage !== "cancelled") return;
  for (const id of parent.delivery?.followUps ?? []) {
    const f = await ctx.store.getJob(id);
    if (!f || f.followUpOf?.of !== parent.id || !UNFINISHED.includes(f.stage)) continue;
    const waiting = f.stage === "review" || f.stage === "testing";
    const to: Stage = parent.stage === "shipped" && waiting ? "shipped" : "cancelled";
    const cause = to === "shipped" ? `shipped with ${parent.id}, whose branch it continued` : `${parent.id}, whose branch it continued, is ${parent.stage}`;
    await move(ctx, f, to, { by: "coordinator", cause }).catch(() => undefined);
  }
}

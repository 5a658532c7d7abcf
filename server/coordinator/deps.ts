import "server-only";
import { isStoreError } from "@/server/store/errors";
import type { JobRecord } from "@/server/store/records";
import type { CoordinatorContext } from "./context";
import { pendingForBlocked, unmetReasons } from "./policies/deps";

/**
 * Keeps dependents in step with their dependencies, in the same request that moved a dependency
 * (the sweeper's re-check of blocked jobs is only the safety net for another instance's misses):
 *   - every dependency met        → blocked → queued, claimers woken (promoteIfReady in jobs.ts)
 *   - a dependency failed/cancelled/dead-lettered or requeued → the blocked job's reasons say so
 *   - a queued (not yet claimed) job whose dependency fell back (rejected in testing) → blocked
 */
export async function unmetDepsOf(ctx: CoordinatorContext, deps: readonly string[], written: readonly string[]): Promise<string[]> {
  const byId = new Map<string, JobRecord | undefined>();
  for (const id of deps) byId.set(id, await ctx.store.getJob(id));
  return unmetReasons(deps, written, byId);
}

/** Re-derives each dependent's blocked state; returns the dependents whose reasons are now empty. */
export async function refreshDependents(ctx: CoordinatorContext, jobId: string): Promise<JobRecord[]> {
  const ready: JobRecord[] = [];
  for (const dependent of await ctx.store.listDependents(jobId)) {
    if (dependent.stage !== "blocked" && !(dependent.stage === "queued" && dependent.lease === undefined)) continue;
    const reasons = await unmetDepsOf(ctx, dependent.deps, dependent.depKeys);
    if (reasons.length === 0) {
      if (dependent.stage === "blocked") ready.push(dependent);
      continue;
    }
    if (dependent.stage === "blocked" && sameList(reasons, dependent.blockedReasons)) continue;
    const now = ctx.now();
    try {
      await ctx.store.transitionStage(dependent.id, {
        from: [dependent.stage],
        to: "blocked",
        expectedVersion: dependent.version,
        now,
        patch: { blockedReasons: reasons, pendingReason: pendingForBlocked(reasons) },
        event: { type: "deps:changed", at: now, data: { blockedReasons: reasons } },
      });
      ctx.notifier.jobChanged(dependent.id);
    } catch (e) {
      // Moved meanwhile (claimed, cancelled, another instance refreshed it): its next change re-checks.
      if (!isStoreError(e, "conflict") && !isStoreError(e, "illegal_transition")) throw e;
    }
  }
  return ready;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

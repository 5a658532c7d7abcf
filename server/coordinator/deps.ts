import "server-only";
import type { JobRecord } from "@/server/store/records";
import type { CoordinatorContext } from "./context";
import { unmetReasons } from "./policies/deps";

/**
 * The unmet dependencies of a job, as the reasons it shows (read-only; moving dependents in step
 * with their dependency is move-job.ts's follow-up of every stage change).
 */
export async function unmetDepsOf(ctx: CoordinatorContext, deps: readonly string[], written: readonly string[]): Promise<string[]> {
  const byId = new Map<string, JobRecord | undefined>();
  for (const id of deps) byId.set(id, await ctx.store.getJob(id));
  return unmetReasons(deps, written, byId);
}

import "server-only";
import { DEFAULT_FORGE, forgeFor } from "@/server/forge";
import type { JobRecord } from "@/server/store/records";
import type { CoordinatorContext } from "./context";

// Apart from delivery.ts, which moves jobs: views read the label, and a view must not import moveJob
// (views → delivery → move-job → attempt-end → alerts → views was an import circle).

/** What Ship does for this job, in words, or undefined when it has nothing to deliver. */
export function shipLabel(ctx: Pick<CoordinatorContext, "forge">, job: JobRecord): string | undefined {
  if (!job.delivery || !job.manifest.repo) return undefined;
  return forgeFor(ctx.forge ?? DEFAULT_FORGE, job.manifest.repo).shipPlan(job.delivery).label;
}

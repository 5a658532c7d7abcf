import "server-only";
import { DEP_SATISFIED_STAGES } from "@/lib/stages";
import type { JobRecord } from "@/server/store/records";

/**
 * Why a dependency holds its dependent back, as the sentence the job shows (blockedReasons), or
 * undefined when it is met. A dependency that failed, dead-lettered or was cancelled says so, so a
 * person sees that waiting alone will not help: requeueing it turns the reason back into plain
 * waiting.
 */
export function depReason(written: string, dep: JobRecord | undefined): string | undefined {
  if (!dep) return `waiting for key ${written} (not submitted yet)`;
  if (DEP_SATISFIED_STAGES.includes(dep.stage)) return undefined;
  const name = `${dep.id} (${dep.title})`;
  switch (dep.stage) {
    case "failed":
      return `${name} failed: requeue it to unblock this job`;
    case "dead_letter":
      return `${name} is in dead_letter: requeue it to unblock this job`;
    case "cancelled":
      return `${name} was cancelled: requeue it to unblock this job`;
    case "paused":
      return `${name} is paused: resume it to unblock this job`;
    default:
      return `waiting for ${name}, now ${dep.stage}`;
  }
}

/** The reasons of every unmet dependency, in the order the manifest lists them. */
export function unmetReasons(deps: readonly string[], written: readonly string[], byId: ReadonlyMap<string, JobRecord | undefined>): string[] {
  const out: string[] = [];
  deps.forEach((id, i) => {
    const r = depReason(written[i] ?? id, byId.get(id));
    if (r) out.push(r);
  });
  return out;
}

export function pendingForBlocked(reasons: readonly string[]): string {
  return `waiting for ${reasons.length} dependenc${reasons.length === 1 ? "y" : "ies"}`;
}

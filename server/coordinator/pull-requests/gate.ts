import "server-only";
import { isForgeError } from "@/server/forge";
import type { JobDelivery, PullRequestRecord } from "@/server/store/records";

export interface Refusal {
  reason: string;
  message: string;
}

/** Why the coordinator will not ask the forge to merge this PR now, or undefined. */
export function gateOf(pr: PullRequestRecord, d: JobDelivery): Refusal | undefined {
  const n = `PR #${pr.number}`;
  if (pr.state !== "open") return { reason: pr.state === "merged" ? "merged" : "closed", message: `${n} is ${pr.state}` };
  if (pr.draft) return { reason: "draft", message: `${n} is a draft (verify has not passed): mark it ready for review on the forge, or run the job again` };
  if (d.headSha && pr.headSha !== d.headSha) return { reason: "head_moved", message: `${n}'s head is ${pr.headSha.slice(0, 12)}, not the job's ${d.headSha.slice(0, 12)}: someone pushed to ${d.branch}` };
  if (pr.mergeable === false || pr.mergeableState === "dirty") return { reason: "conflict", message: `${n} conflicts with its base branch` };
  if (pr.checks === "failing") return { reason: "checks_failing", message: `checks are failing on ${n}` };
  if (pr.checks === "pending") return { reason: "checks_pending", message: `checks are still running on ${n}` };
  if (pr.review === "changes_requested") return { reason: "changes_requested", message: `a reviewer requested changes on ${n}` };
  return undefined;
}

/** A forge error as a refusal (reason and message); anything else is the forge being unavailable. */
export function refusalOf(e: unknown): Refusal {
  if (isForgeError(e)) return { reason: e.reason, message: e.message };
  return { reason: "unavailable", message: e instanceof Error ? e.message : String(e) };
}

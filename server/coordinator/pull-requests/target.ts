import "server-only";
import type { Stage } from "@/lib/types";
import { DEFAULT_FORGE, forgeFor, type PullRequestPort } from "@/server/forge";
import type { ForgeRepoRef } from "@/server/forge/port";
import type { JobRecord } from "@/server/store/records";
import type { CoordinatorContext } from "../context";

// Where a job's pull request lives, and whether one is due: what every other step here asks first.

/** Who ships a review-policy auto job (the `by` of its merge). */
export const AUTO_SHIP_BY = "review-policy:auto";

/** The stages in which a PR is opened for a pushed head: waiting for a person, or failed by verify (a draft). */
export const OPEN_IN: readonly Stage[] = ["review", "testing", "failed"];
/** The stages whose job a forge-side merge ships or a forge-side close cancels. */
export const LIVE: readonly Stage[] = ["review", "testing"];

export interface PullRequestTarget {
  pulls: PullRequestPort;
  ref: ForgeRepoRef;
}

/** The forge and repository of a job's pull request, or undefined (not `pr`, no adapter with pull requests). */
export function pullRequestTarget(ctx: Pick<CoordinatorContext, "forge">, job: JobRecord): PullRequestTarget | undefined {
  const repo = job.manifest.repo;
  if (job.task || job.delivery?.mode !== "pr" || !repo) return undefined;
  const pulls = forgeFor(ctx.forge ?? DEFAULT_FORGE, repo).pulls;
  const ref = pulls?.ref(repo);
  return pulls && ref ? { pulls, ref } : undefined;
}

/** Whether a PR is due for this job: `pr` on a forge, the head pushed, none recorded (or the recorded one closed for an older head). */
export function pullRequestDue(ctx: Pick<CoordinatorContext, "forge">, job: JobRecord): boolean {
  const d = job.delivery;
  if (!d || !OPEN_IN.includes(job.stage) || !pullRequestTarget(ctx, job)) return false;
  if (!d.headSha || d.lastPushed !== d.headSha || d.pushError) return false;
  return d.pr === undefined || (d.pr.state === "closed" && d.pr.headSha !== d.headSha && job.stage !== "failed");
}
